package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/keys"
	"github.com/kasir-gateway/kasir/money"
	"github.com/kasir-gateway/kasir/notify"
)

// core is the store and gateway an operator command works on.
type core struct {
	store store
	gw    *gateway.Gateway
	close func()
}

func openCore(ctx context.Context, e *cmdEnv) (*core, error) {
	s, closeDB, err := openStore(ctx, *e.cfg)
	if err != nil {
		return nil, err
	}
	sealer, err := keys.NewSealer([]byte(e.cfg.MasterKey))
	if err != nil {
		closeDB()
		return nil, err
	}
	gw, err := gateway.New(ctx, s, sim.New(s, sim.Options{}), gateway.Options{Logger: e.log, KeySealer: sealer})
	if err != nil {
		closeDB()
		return nil, err
	}
	return &core{store: s, gw: gw, close: closeDB}, nil
}

// withCore runs f on an open core and closes it after.
func withCore(e *cmdEnv, f func(ctx context.Context, c *core) error) func(context.Context) error {
	return func(ctx context.Context) error {
		c, err := openCore(ctx, e)
		if err != nil {
			return err
		}
		defer c.close()
		return f(ctx, c)
	}
}

func required(flags map[string]string) error {
	for name, v := range flags {
		if v == "" {
			return fmt.Errorf("--%s is required", name)
		}
	}
	return nil
}

func printJSON(e *cmdEnv, v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func cmdMigrate(e *cmdEnv) func(context.Context) error {
	return func(ctx context.Context) error {
		_, closeDB, err := openStore(ctx, *e.cfg)
		if err != nil {
			return err
		}
		closeDB()
		fmt.Fprintln(e.stdout, "migrations applied")
		return nil
	}
}

func cmdMerchantCreate(e *cmdEnv) func(context.Context) error {
	name := e.fs.String("name", "", "merchant name")
	keyFile := e.fs.String("public-key", "", "PEM file with the merchant's RSA public key, for the Open API (dialect A); without it the merchant has dialect B only")
	notifyURL := e.fs.String("notify-url", "", "default notification URL")
	allow := e.fs.String("ip-allowlist", "", "comma-separated addresses or CIDRs allowed to call the API (default: any)")
	asJSON := e.fs.Bool("json", false, "print one JSON object")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"name": *name}); err != nil {
			return err
		}
		var pemBytes []byte
		if *keyFile != "" {
			var err error
			if pemBytes, err = os.ReadFile(*keyFile); err != nil {
				return err
			}
		}
		var list []string
		for _, s := range strings.Split(*allow, ",") {
			if s = strings.TrimSpace(s); s != "" {
				list = append(list, s)
			}
		}
		m, app, err := c.gw.CreateMerchant(ctx, gateway.NewMerchant{Name: *name, PublicKeyPEM: string(pemBytes), NotifyURL: *notifyURL, IPAllowlist: list})
		if err != nil {
			return err
		}
		no, apiKey, err := c.gw.IssueAPIKey(ctx, m.ID, 0)
		if err != nil {
			return fmt.Errorf("merchant %s was created, but its dialect B apiKey was not: %w (run kasir merchant apikey rotate --app %s)", m.ID, err, app.AppID)
		}
		if *asJSON {
			return printJSON(e, map[string]any{"merchantId": m.ID, "appId": app.AppID, "name": m.Name, "merchantNo": no, "apiKey": apiKey})
		}
		fmt.Fprintf(e.stdout, "merchantId: %s\nappId: %s\nmerchantNo: %d   (dialect B MerchantId header)\napiKey: %s   (dialect B; shown once)\n", m.ID, app.AppID, no, apiKey)
		return nil
	})
}

// cmdMerchantAPIKeyRotate issues a merchant a new dialect B apiKey; the old
// ones keep working for the grace period.
func cmdMerchantAPIKeyRotate(e *cmdEnv) func(context.Context) error {
	appID := e.fs.String("app", "", "the merchant's appId")
	grace := e.fs.Duration("grace", gateway.DefaultKeyGrace, "how long the replaced apiKeys keep working (0: stop at once)")
	asJSON := e.fs.Bool("json", false, "print one JSON object")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"app": *appID}); err != nil {
			return err
		}
		if *grace < 0 {
			return fmt.Errorf("--grace must not be negative")
		}
		mid, err := appMerchant(ctx, c, *appID)
		if err != nil {
			return err
		}
		no, apiKey, err := c.gw.IssueAPIKey(ctx, mid, *grace)
		if err != nil {
			return err
		}
		until := time.Now().Add(*grace).UTC().Format(time.RFC3339)
		if *asJSON {
			return printJSON(e, map[string]any{"merchantNo": no, "apiKey": apiKey, "previousKeysValidUntil": until})
		}
		fmt.Fprintf(e.stdout, "merchantNo: %d\napiKey: %s   (shown once)\nprevious apiKeys work until %s\n", no, apiKey, until)
		return nil
	})
}

// appMerchant finds the merchant behind an app id.
func appMerchant(ctx context.Context, c *core, appID string) (string, error) {
	app, err := c.store.GetApp(ctx, appID)
	if errors.Is(err, gateway.ErrNotFound) {
		return "", fmt.Errorf("unknown app %q", appID)
	}
	return app.MerchantID, err
}

func cmdFeeSet(e *cmdEnv) func(context.Context) error {
	appID := e.fs.String("app", "", "the merchant's appId")
	channel := e.fs.String("channel", "*", "channel code (transferCode), or * for the merchant's default")
	fixed := e.fs.Int64("fixed", 0, "fixed fee in minor units")
	bps := e.fs.Int64("bps", 0, "fee in basis points of the amount")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"app": *appID}); err != nil {
			return err
		}
		mid, err := appMerchant(ctx, c, *appID)
		if err != nil {
			return err
		}
		if err := c.gw.SetFee(ctx, gateway.Fee{MerchantID: mid, Channel: *channel, Fixed: *fixed, BPS: *bps}); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "fee for merchant %s on %s: %d + %d bps\n", mid, *channel, *fixed, *bps)
		return nil
	})
}

func cmdBalanceCredit(e *cmdEnv) func(context.Context) error {
	appID := e.fs.String("app", "", "the merchant's appId")
	currency := e.fs.String("currency", "", "currency, e.g. PHP")
	amount := e.fs.Int64("amount", 0, "amount in minor units")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"app": *appID, "currency": *currency}); err != nil {
			return err
		}
		mid, err := appMerchant(ctx, c, *appID)
		if err != nil {
			return err
		}
		id, err := c.gw.CreditBalance(ctx, mid, *currency, *amount)
		if err != nil {
			return err
		}
		b, err := c.gw.Balance(ctx, mid, *currency)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "credited %s %s (entry %s); available %s\n", money.FormatMajor(*amount, *currency), *currency, id, money.FormatMajor(b.Available, *currency))
		return nil
	})
}

func cmdBalanceShow(e *cmdEnv) func(context.Context) error {
	appID := e.fs.String("app", "", "the merchant's appId")
	currency := e.fs.String("currency", "", "currency, e.g. PHP")
	asJSON := e.fs.Bool("json", false, "print one JSON object")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"app": *appID, "currency": *currency}); err != nil {
			return err
		}
		mid, err := appMerchant(ctx, c, *appID)
		if err != nil {
			return err
		}
		b, err := c.gw.Balance(ctx, mid, *currency)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, map[string]any{"currency": b.Currency, "available": b.Available, "pending": b.Pending, "held": b.Held})
		}
		fmt.Fprintf(e.stdout, "available %s  pending %s  held %s  %s\n", money.FormatMajor(b.Available, b.Currency),
			money.FormatMajor(b.Pending, b.Currency), money.FormatMajor(b.Held, b.Currency), b.Currency)
		return nil
	})
}

func cmdKeysPlatform(e *cmdEnv) func(context.Context) error {
	return func(ctx context.Context) error {
		s, closeDB, err := openStore(ctx, *e.cfg)
		if err != nil {
			return err
		}
		defer closeDB()
		p, err := loadPlatformKey(ctx, *e.cfg, s)
		if err != nil {
			return err
		}
		_, err = e.stdout.Write(p.PublicPEM())
		return err
	}
}

func cmdLedgerCheck(e *cmdEnv) func(context.Context) error {
	return withCore(e, func(ctx context.Context, c *core) error {
		r, err := c.gw.CheckLedger(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "entries: %d, accounts: %d\n", r.Entries, r.Accounts)
		for _, p := range []struct {
			what string
			ids  []string
		}{
			{"unbalanced entry", r.UnbalancedEntries}, {"account balance differs from its postings", r.DriftedAccounts},
			{"account below zero", r.NegativeAccounts}, {"held balance differs from pending holds", r.HoldMismatches},
		} {
			for _, id := range p.ids {
				fmt.Fprintf(e.stdout, "FAIL %s: %s\n", p.what, id)
			}
		}
		if !r.OK() {
			fmt.Fprintln(e.stdout, "ledger check FAILED")
			return exitError(1)
		}
		fmt.Fprintln(e.stdout, "ledger check OK: every entry balances and every balance equals its postings")
		return nil
	})
}

func cmdNotifyList(e *cmdEnv) func(context.Context) error {
	txID := e.fs.String("transaction-id", "", "the order's transactionId")
	asJSON := e.fs.Bool("json", false, "print JSON")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"transaction-id": *txID}); err != nil {
			return err
		}
		recs, err := notify.List(ctx, c.store, *txID)
		if err != nil {
			return err
		}
		if *asJSON {
			return printJSON(e, recs)
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tTOPIC\tEVENT\tSTATUS\tATTEMPTS\tNEXT\tURL")
		for _, r := range recs {
			m := r.Message
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", m.ID, m.Topic, m.Event, m.Status, m.Attempts, m.NextAttemptAt.Format(time.RFC3339), m.URL)
			for _, a := range r.Attempts {
				fmt.Fprintf(tw, "\t  attempt\t%s\tHTTP %d\t%s\tok=%t\t%q\n", a.At.Format(time.RFC3339Nano), a.HTTPStatus, a.Latency.Round(time.Microsecond), a.OK, a.Response)
			}
		}
		return tw.Flush()
	})
}

func cmdNotifyResend(e *cmdEnv) func(context.Context) error {
	txID := e.fs.String("transaction-id", "", "the order's transactionId")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"transaction-id": *txID}); err != nil {
			return err
		}
		n, err := notify.Resend(ctx, c.store, *txID, time.Now())
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("no notification of %s to resend (none exists, or one is being delivered right now)", *txID)
		}
		fmt.Fprintf(e.stdout, "%d notification(s) queued for delivery\n", n)
		return nil
	})
}

func cmdSimDecide(fail bool) command {
	return func(e *cmdEnv) func(context.Context) error {
		txID := e.fs.String("transaction-id", "", "the payout's transactionId")
		code := gateway.FailedChannelRejected
		if fail {
			e.fs.IntVar(&code, "code", code, "failed code, e.g. -10004 or -10005")
		}
		return withCore(e, func(ctx context.Context, c *core) error {
			if err := required(map[string]string{"transaction-id": *txID}); err != nil {
				return err
			}
			if !fail {
				code = 0
			}
			if err := sim.New(c.store, sim.Options{}).Decide(ctx, *txID, code); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "simulated channel decided %s; the gateway applies it within a moment\n", *txID)
			return nil
		})
	}
}
