package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
)

// userJSON is a dashboard user as the user commands print it.
type userJSON struct {
	ID         string    `json:"id"`
	Email      string    `json:"email"`
	Role       auth.Role `json:"role"`
	MerchantID string    `json:"merchantId,omitempty"`
	Disabled   bool      `json:"disabled"`
	CreatedAt  time.Time `json:"createdAt"`
}

func toUserJSON(u auth.User) userJSON {
	return userJSON{ID: u.ID, Email: u.Email, Role: u.Role, MerchantID: u.MerchantID, Disabled: u.Disabled, CreatedAt: u.CreatedAt}
}

// withUsers runs f on the open store, as the auth.Store it also is, and
// closes it after.
func withUsers(e *cmdEnv, f func(ctx context.Context, s store, users auth.Store) error) func(context.Context) error {
	return func(ctx context.Context) error {
		s, closeDB, err := openStore(ctx, *e.cfg)
		if err != nil {
			return err
		}
		defer closeDB()
		users, ok := s.(auth.Store)
		if !ok {
			return fmt.Errorf("the %T store keeps no dashboard users", s)
		}
		return f(ctx, s, users)
	}
}

// userMerchant finds the merchant that --merchant names: a merchant id, or
// else an appId of the merchant. via is the app when it was one.
func userMerchant(ctx context.Context, s store, id string) (m gateway.Merchant, via string, err error) {
	m, err = s.GetMerchant(ctx, id)
	if !errors.Is(err, gateway.ErrNotFound) {
		return m, "", err
	}
	app, err := s.GetApp(ctx, id)
	if errors.Is(err, gateway.ErrNotFound) {
		return gateway.Merchant{}, "", fmt.Errorf("--merchant: no merchant or app %q", id)
	}
	if err != nil {
		return gateway.Merchant{}, "", err
	}
	m, err = s.GetMerchant(ctx, app.MerchantID)
	return m, app.AppID, err
}

func cmdUserCreate(e *cmdEnv) func(context.Context) error {
	email := e.fs.String("email", "", "the email the user signs in with")
	role := e.fs.String("role", "", "operator (sees and does everything) or merchant (sees one merchant's data)")
	merchantID := e.fs.String("merchant", "", "a merchant user's merchant: its merchant id, or one of its appIds")
	passwordFile := e.fs.String("password-file", "", "file whose first line is the password (at least 12 characters); "+
		"without it the password comes from KASIR_USER_PASSWORD, else from one line of standard input")
	password := bindEnvOnlyPassword(e.fs)
	asJSON := e.fs.Bool("json", false, "print one JSON object")
	return withUsers(e, func(ctx context.Context, s store, users auth.Store) error {
		if err := required(map[string]string{"email": *email, "role": *role}); err != nil {
			return err
		}
		if err := passwordNotInArgs(e.fs); err != nil {
			return err
		}
		if r := auth.Role(*role); r != auth.RoleOperator && r != auth.RoleMerchant {
			return fmt.Errorf("--role must be %s or %s, not %q", auth.RoleOperator, auth.RoleMerchant, *role)
		}
		var m gateway.Merchant
		if *merchantID != "" {
			var via string
			var err error
			if m, via, err = userMerchant(ctx, s, *merchantID); err != nil {
				return err
			}
			if via != "" && !*asJSON {
				fmt.Fprintf(e.stdout, "app %s belongs to merchant %s (%s)\n", via, m.ID, m.Name)
			}
		}
		pw, err := readPassword(e, *passwordFile, *password)
		if err != nil {
			return err
		}
		u, err := auth.New(users, auth.Options{Logger: e.log}).CreateUser(ctx, *email, pw, auth.Role(*role), m.ID)
		var dup *gateway.DuplicateError
		if errors.As(err, &dup) {
			return fmt.Errorf("a user with email %s exists already", strings.ToLower(strings.TrimSpace(*email)))
		}
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, toUserJSON(u))
		}
		if u.Role == auth.RoleMerchant {
			fmt.Fprintf(e.stdout, "user %s created: %s, %s, merchant %s (%s)\n", u.ID, u.Email, u.Role, m.ID, m.Name)
		} else {
			fmt.Fprintf(e.stdout, "user %s created: %s, %s, every merchant\n", u.ID, u.Email, u.Role)
		}
		return nil
	})
}

// bindEnvOnlyPassword binds user-password, which the environment fills as
// KASIR_USER_PASSWORD like any other setting; passwordNotInArgs refuses it
// on the command line, where every user of the machine could read it.
func bindEnvOnlyPassword(fs *flag.FlagSet) *string {
	return fs.String("user-password", "", "the password, from KASIR_USER_PASSWORD only: it is refused as an argument")
}

// passwordNotInArgs refuses --user-password. The environment sets the flag's
// value directly, which flag.FlagSet.Visit does not see; an argument it does.
func passwordNotInArgs(fs *flag.FlagSet) error {
	var err error
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "user-password" {
			err = errors.New("--user-password is refused: arguments are visible to every user of the machine; " +
				"use --password-file, KASIR_USER_PASSWORD or standard input")
		}
	})
	return err
}

// readPassword returns the first line of file, else fromEnv, else one line
// of standard input.
func readPassword(e *cmdEnv, file, fromEnv string) (string, error) {
	var r io.Reader
	switch {
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", fmt.Errorf("--password-file: %w", err)
		}
		defer f.Close()
		r = f
	case fromEnv != "":
		return fromEnv, nil
	default:
		if fi, err := os.Stdin.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			fmt.Fprint(e.stderr, "password (one line; it shows as you type, prefer --password-file): ")
		}
		r = os.Stdin
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: give --password-file, set KASIR_USER_PASSWORD, or write it on standard input")
	}
	return line, nil
}

func cmdUserList(e *cmdEnv) func(context.Context) error {
	merchantID := e.fs.String("merchant", "", "only the users of this merchant (a merchant id or one of its appIds)")
	asJSON := e.fs.Bool("json", false, "print a JSON array")
	return withUsers(e, func(ctx context.Context, s store, users auth.Store) error {
		var m gateway.Merchant
		if *merchantID != "" {
			var err error
			if m, _, err = userMerchant(ctx, s, *merchantID); err != nil {
				return err
			}
		}
		list, err := users.ListUsers(ctx, m.ID)
		if err != nil {
			return err
		}
		if *asJSON {
			out := make([]userJSON, 0, len(list))
			for _, u := range list {
				out = append(out, toUserJSON(u))
			}
			return printJSON(e, out)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tEMAIL\tROLE\tMERCHANT\tSTATUS\tCREATED")
		for _, u := range list {
			status, merchant := "active", u.MerchantID
			if u.Disabled {
				status = "disabled"
			}
			if merchant == "" {
				merchant = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Email, u.Role, merchant, status, u.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}

func cmdUserDisable(e *cmdEnv) func(context.Context) error {
	email := e.fs.String("email", "", "the user's email")
	return withUsers(e, func(ctx context.Context, s store, users auth.Store) error {
		if err := required(map[string]string{"email": *email}); err != nil {
			return err
		}
		addr := strings.ToLower(strings.TrimSpace(*email))
		u, _, err := users.UserByEmail(ctx, addr)
		if errors.Is(err, gateway.ErrNotFound) {
			return fmt.Errorf("no user with email %s", addr)
		}
		if err != nil {
			return err
		}
		if err := users.SetUserDisabled(ctx, u.ID, true); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "user %s (%s) disabled: it can no longer sign in, and its sessions end\n", u.ID, u.Email)
		return nil
	})
}
