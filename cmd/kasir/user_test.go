package main

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/auth"
)

// runUserCLI runs Main like runCLI, with KASIR_USER_PASSWORD set to
// password when it is not "".
func runUserCLI(t *testing.T, db, password string, args ...string) (int, string, string) {
	t.Helper()
	return runCLIEnv(t, db, map[string]string{"KASIR_USER_PASSWORD": password}, args...)
}

// TestUserCommands creates, lists and disables dashboard users with the
// CLI, and signs in with what it stored.
func TestUserCommands(t *testing.T) {
	eachEngine(t, func(t *testing.T, db string) {
		code, out, errOut := runCLI(t, db, "merchant", "create", "--name", "Toko Kita", "--json")
		if code != 0 {
			t.Fatalf("merchant create: exit %d: %s", code, errOut)
		}
		var m struct{ MerchantID, AppID string }
		if err := json.Unmarshal([]byte(out), &m); err != nil {
			t.Fatalf("merchant create --json: %v\n%s", err, out)
		}
		pwFile := filepath.Join(t.TempDir(), "password")
		if err := os.WriteFile(pwFile, []byte("operator secret 1\nsecond line\n"), 0o600); err != nil {
			t.Fatal(err)
		}

		// An operator, the password from a file.
		code, out, errOut = runUserCLI(t, db, "", "user", "create", "--email", "Ops@Kasir.Example", "--role", "operator", "--password-file", pwFile)
		if code != 0 || !strings.HasPrefix(out, "user usr_") || !strings.Contains(out, "created: ops@kasir.example, operator") {
			t.Fatalf("user create operator: exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
		// A merchant user named by an appId, the password from the environment.
		code, out, errOut = runUserCLI(t, db, "merchant secret 2", "user", "create", "--email", "ana@toko.example", "--role", "merchant", "--merchant", m.AppID)
		if code != 0 || !strings.Contains(out, "app "+m.AppID+" belongs to merchant "+m.MerchantID) ||
			!strings.Contains(out, "created: ana@toko.example, merchant, merchant "+m.MerchantID+" (Toko Kita)") {
			t.Fatalf("user create merchant by app: exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}
		// By merchant id, as JSON.
		code, out, errOut = runUserCLI(t, db, "merchant secret 3", "user", "create", "--email", "budi@toko.example", "--role", "merchant", "--merchant", m.MerchantID, "--json")
		var budi userJSON
		if code != 0 || json.Unmarshal([]byte(out), &budi) != nil || budi.Email != "budi@toko.example" ||
			budi.Role != auth.RoleMerchant || budi.MerchantID != m.MerchantID || !strings.HasPrefix(budi.ID, "usr_") {
			t.Fatalf("user create --json: exit %d\nstdout %s\nstderr %s", code, out, errOut)
		}

		for _, tc := range []struct {
			name     string
			password string
			args     []string
			code     int
			want     string
		}{
			{"BadRole", "long enough secret", []string{"--email", "x@toko.example", "--role", "admin"}, 1, `--role must be operator or merchant, not "admin"`},
			{"ShortPassword", "short", []string{"--email", "x@toko.example", "--role", "operator"}, 1, "password: must be at least 12 characters"},
			{"Duplicate", "long enough secret", []string{"--email", "ANA@toko.example", "--role", "operator"}, 1, "a user with email ana@toko.example exists already"},
			{"BadEmail", "long enough secret", []string{"--email", "not-an-email", "--role", "operator"}, 1, "email:"},
			{"UnknownMerchant", "long enough secret", []string{"--email", "x@toko.example", "--role", "merchant", "--merchant", "nobody"}, 1, `no merchant or app "nobody"`},
			{"MerchantWithoutMerchantID", "long enough secret", []string{"--email", "x@toko.example", "--role", "merchant"}, 1, "merchant: is required"},
			{"PasswordAsArgument", "", []string{"--email", "x@toko.example", "--role", "operator", "--user-password", "long enough secret"}, 1, "--user-password is refused"},
			{"MissingEmail", "long enough secret", []string{"--role", "operator"}, 1, "--email is required"},
			{"UnknownFlag", "long enough secret", []string{"--email", "x@toko.example", "--role", "operator", "--admin"}, 2, "flag provided but not defined"},
		} {
			code, out, errOut := runUserCLI(t, db, tc.password, append([]string{"user", "create"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("%s: exit %d, stderr %q, stdout %q; want exit %d and %q", tc.name, code, errOut, out, tc.code, tc.want)
			}
		}

		// The list, all and by merchant (the app names it too).
		code, out, errOut = runUserCLI(t, db, "", "user", "list")
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 0 || len(lines) != 4 || !strings.HasPrefix(lines[0], "ID") ||
			!strings.Contains(lines[1], "ana@toko.example") || !strings.Contains(lines[2], "budi@toko.example") ||
			!strings.Contains(lines[3], "ops@kasir.example") || !strings.Contains(lines[3], "operator") {
			t.Errorf("user list: exit %d\n%s%s", code, out, errOut)
		}
		listJSON := func(args ...string) []userJSON {
			t.Helper()
			code, out, errOut := runUserCLI(t, db, "", append([]string{"user", "list", "--json"}, args...)...)
			var users []userJSON
			if code != 0 || json.Unmarshal([]byte(out), &users) != nil {
				t.Fatalf("user list --json %v: exit %d\n%s%s", args, code, out, errOut)
			}
			return users
		}
		if users := listJSON("--merchant", m.AppID); len(users) != 2 || users[0].Email != "ana@toko.example" || users[1] != budi {
			t.Errorf("users of the merchant: %+v", users)
		}
		if code, _, errOut := runUserCLI(t, db, "", "user", "list", "--merchant", "nobody"); code != 1 || !strings.Contains(errOut, "no merchant or app") {
			t.Errorf("user list of an unknown merchant: exit %d, %s", code, errOut)
		}

		// What the CLI stored signs in; once disabled, it does not.
		s, closeDB, err := openStore(context.Background(), Config{DB: db, DBMaxConns: 2})
		if err != nil {
			t.Fatal(err)
		}
		defer closeDB()
		svc := auth.New(s.(auth.Store), auth.Options{})
		if _, _, u, err := svc.Login(context.Background(), "ops@kasir.example", "operator secret 1", "192.0.2.1"); err != nil || u.Role != auth.RoleOperator {
			t.Errorf("operator sign-in with the file's first line: %+v, %v", u, err)
		}
		token, _, _, err := svc.Login(context.Background(), "ana@toko.example", "merchant secret 2", "192.0.2.1")
		if err != nil {
			t.Fatalf("merchant sign-in: %v", err)
		}
		code, out, errOut = runUserCLI(t, db, "", "user", "disable", "--email", "ANA@toko.example")
		if code != 0 || !strings.Contains(out, "(ana@toko.example) disabled") {
			t.Errorf("user disable: exit %d\n%s%s", code, out, errOut)
		}
		if _, _, err := svc.Authenticate(context.Background(), token); !errors.Is(err, auth.ErrNoSession) {
			t.Errorf("the disabled user's session: %v, want ErrNoSession", err)
		}
		if _, _, _, err := svc.Login(context.Background(), "ana@toko.example", "merchant secret 2", "192.0.2.1"); !errors.Is(err, auth.ErrBadCredentials) {
			t.Errorf("the disabled user signs in: %v", err)
		}
		if users := listJSON(); len(users) != 3 || !users[0].Disabled || users[1].Disabled || users[2].Disabled {
			t.Errorf("after disable: %+v", users)
		}
		if code, _, errOut := runUserCLI(t, db, "", "user", "disable", "--email", "nobody@toko.example"); code != 1 || !strings.Contains(errOut, "no user with email nobody@toko.example") {
			t.Errorf("user disable of an unknown email: exit %d, %s", code, errOut)
		}
	})
}
