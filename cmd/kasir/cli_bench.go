package main

import (
	"context"
	"crypto/rsa"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/bench"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
)

// cmdBench is `kasir bench`: the load generator and performance report of
// package bench. By default it spawns its own gateway (this binary's serve)
// on a fresh database: a new schema of the --db PostgreSQL database, or a
// SQLite file in a temp dir; --target drives a running one instead, set up
// through its --db.
func cmdBench(e *cmdEnv) func(context.Context) error {
	scenario := e.fs.String("scenario", "all", "all, or comma-separated: "+strings.Join(bench.Scenarios, ", ")+
		", or "+strings.Join(bench.Named, ", ")+" (not part of all; PostgreSQL only); e.g. all,growth")
	clients := e.fs.Int("clients", 64, "concurrent merchant clients")
	merchants := e.fs.Int("merchants", 64, "merchants the payouts, payments and mix scenarios spread over")
	duration := e.fs.Duration("duration", 10*time.Second, "how long each scenario runs (unless --count)")
	count := e.fs.Int("count", 0, "requests per scenario instead of a duration (K of notify)")
	presign := e.fs.Bool("presign", false, "sign every request before the clock starts, taking the client's RSA cost out")
	presignCount := e.fs.Int("presign-count", 30000, "requests signed ahead per scenario with --presign and --duration; the scenario stops when they run out")
	notifyCount := e.fs.Int("notify-count", 2000, "K, the notifications of the notify scenario, unless --count")
	warmup := e.fs.Duration("warmup", time.Second, "load before each scenario's measured part, not counted")
	baselineConns := e.fs.Int("baseline-conns", 0, "the baseline's PostgreSQL connections, shared by its --clients goroutines (default --clients; the gateway's pool is --db-max-conns, 16)")
	growthOrders := e.fs.Int("growth-orders", bench.DefaultGrowthOrders, "completed payouts the growth scenario seeds before measuring again")
	asJSON := e.fs.Bool("json", false, "print the report as one JSON object on stdout (the table goes to stderr)")
	keep := e.fs.Bool("keep", false, "keep the bench database (schema or SQLite file) and the gateway logs")
	serveArgs := e.fs.String("serve-args", "", "extra flags for the spawned serve, space-separated, e.g. '--db-max-conns 32'")
	target := e.fs.String("target", "", "drive the gateway running at this URL (http://127.0.0.1:PORT) instead of spawning one; needs --ops and its --db")
	ops := e.fs.String("ops", "", "with --target: the gateway's ops listener, http://127.0.0.1:PORT")
	return func(ctx context.Context) error {
		scenarios, err := bench.ParseScenarios(*scenario)
		if err != nil {
			return err
		}
		opts := bench.Options{
			Scenarios: scenarios, Clients: *clients, Merchants: *merchants, Duration: *duration, Count: *count,
			Presign: *presign, PresignCount: *presignCount, NotifyCount: *notifyCount, Warmup: *warmup, BaselineConns: *baselineConns,
			GrowthOrders: *growthOrders,
			ServeArgs:    strings.Fields(*serveArgs), Target: strings.TrimRight(*target, "/"), Ops: strings.TrimRight(*ops, "/"),
			Progress: e.stderr,
		}
		cfg := *e.cfg
		work, err := os.MkdirTemp("", "kasir-bench-")
		if err != nil {
			return err
		}
		defer func() {
			if *keep {
				fmt.Fprintf(e.stderr, "bench: kept %s (gateway logs, SQLite database, platform key)\n", work)
			} else {
				os.RemoveAll(work)
			}
		}()
		if opts.Target == "" {
			if opts.Exe, err = os.Executable(); err != nil {
				return err
			}
			opts.LogDir = work
			cfg.PlatformKey = filepath.Join(work, "platform.pem")
			opts.PlatformKey = cfg.PlatformKey
			if isPostgres(cfg.DB) {
				db, drop, err := bench.FreshSchema(ctx, cfg.DB)
				if err != nil {
					return err
				}
				cfg.DB = db
				defer func() {
					if *keep {
						fmt.Fprintf(e.stderr, "bench: kept the database %s\n", redactDB(db))
						return
					}
					dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
					defer cancel()
					if err := drop(dctx); err != nil {
						fmt.Fprintln(e.stderr, "bench: could not drop the bench schema:", err)
					}
				}()
			} else {
				cfg.DB = filepath.Join(work, "kasir.db")
			}
		}
		opts.DB = cfg.DB
		env := *e
		env.cfg = &cfg
		c, err := openCore(ctx, &env) // migrates, before any gateway starts
		if err != nil {
			return err
		}
		defer c.close()
		rep, runErr := bench.Run(ctx, opts, benchCore{c: c, cfg: cfg})
		if rep != nil {
			if *asJSON {
				if err := rep.WriteJSON(e.stdout); err != nil {
					return err
				}
				rep.WriteTable(e.stderr)
			} else if err := rep.WriteTable(e.stdout); err != nil {
				return err
			}
		}
		if runErr != nil {
			return runErr
		}
		if !rep.OK {
			return exitError(1)
		}
		return nil
	}
}

// benchCore is bench.Core on an open core.
type benchCore struct {
	c   *core
	cfg Config
}

func (b benchCore) CreateMerchant(ctx context.Context, name, publicKeyPEM string) (string, string, error) {
	m, app, err := b.c.gw.CreateMerchant(ctx, gateway.NewMerchant{Name: name, PublicKeyPEM: publicKeyPEM})
	return m.ID, app.AppID, err
}

func (b benchCore) SetFee(ctx context.Context, merchantID string, fixed, bps int64) error {
	return b.c.gw.SetFee(ctx, gateway.Fee{MerchantID: merchantID, Channel: "*", Fixed: fixed, BPS: bps})
}

func (b benchCore) Credit(ctx context.Context, merchantID, currency string, amount int64) error {
	_, err := b.c.gw.CreditBalance(ctx, merchantID, currency, amount)
	return err
}

func (b benchCore) Available(ctx context.Context, merchantID, currency string) (int64, error) {
	bal, err := b.c.gw.Balance(ctx, merchantID, currency)
	return bal.Available, err
}

func (b benchCore) CheckLedger(ctx context.Context) (string, []string, error) {
	r, err := b.c.gw.CheckLedger(ctx)
	if err != nil {
		return "", nil, err
	}
	var problems []string
	for _, p := range []struct {
		what string
		ids  []string
	}{
		{"unbalanced entry", r.UnbalancedEntries}, {"account balance differs from its postings", r.DriftedAccounts},
		{"account below zero", r.NegativeAccounts}, {"held balance differs from pending holds", r.HoldMismatches},
	} {
		for _, id := range p.ids {
			problems = append(problems, p.what+": "+id)
		}
	}
	return fmt.Sprintf("kasir ledger check: %d entries, %d accounts", r.Entries, r.Accounts), problems, nil
}

func (b benchCore) Resend(ctx context.Context, transactionID string, at time.Time) (int, error) {
	return notify.Resend(ctx, b.c.store, transactionID, at)
}

func (b benchCore) PlatformKey(ctx context.Context) (*rsa.PublicKey, error) {
	p, err := loadPlatformKey(ctx, b.cfg, b.c.store)
	if err != nil {
		return nil, err
	}
	return client.ParsePublicKey(p.PublicPEM())
}
