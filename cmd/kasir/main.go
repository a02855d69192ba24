// Command kasir is the Kasir payment gateway: `kasir serve` runs it, the
// other commands are the operator's tools and work while serve runs on the
// same database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(Main(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

const usage = `kasir: the Kasir payment gateway

Usage:
  kasir serve [--addr 127.0.0.1:8080] [--db kasir.db|postgres://...]   run the gateway
  kasir migrate                                        apply database migrations
  kasir merchant create --name NAME [--public-key merchant.pem] [--notify-url URL] [--ip-allowlist CIDR,...] [--json]
                                                       also issues the dialect B merchantNo and apiKey
  kasir merchant apikey rotate --app APPID [--grace 24h] [--json]
                                                       a new dialect B apiKey; the old ones work for the grace period
  kasir user create --email E --role operator|merchant [--merchant MERCHANT_ID|APPID] [--password-file F] [--json]
                                                       a dashboard account; the password is the file's first line,
                                                       else KASIR_USER_PASSWORD, else one line of standard input
  kasir user list [--merchant MERCHANT_ID|APPID] [--json]
  kasir user disable --email E                         the user can no longer sign in; its sessions end
  kasir fee set --app APPID [--channel CODE] --fixed N --bps N
  kasir balance credit --app APPID --currency PHP --amount 100000   (minor units)
  kasir balance show --app APPID --currency PHP [--json]
  kasir keys platform                                  print the platform public key (PEM)
  kasir ledger check                                   verify the ledger; exits 1 on any mismatch
  kasir notify list --transaction-id ID [--json]
  kasir notify resend --transaction-id ID
  kasir sim complete --transaction-id ID
  kasir sim fail --transaction-id ID [--code -10004]
  kasir sim pay --transaction-id ID [--amount N]      pay a payment order as a customer would
  kasir sim pay --code MCHORDERID [--app APPID] [--amount N]
                                                       pay into a static code as a customer would
  kasir sim refund --refund-id R... [--fail [--code -10009]]
                                                       complete or fail a refund before the simulator's delay is up
  kasir settle                                         move collected money whose settlement time has come to available
  kasir merchant settlement --app APPID --delay 24h    how long collected money stays pending
  kasir report --app APPID --date 2026-11-23 --type payout|payment|refund [--country PH]
                                                       write a day's report (CSV) to stdout
  kasir channel routes [--routes routes.json] [--json]  print the connectors and which channels go where
  kasir channel route CHANNEL CONNECTOR[,CONNECTOR...] --routes routes.json
                                                       route a channel (a code, a prefix like PE_*, or *) to
                                                       connectors tried in order; sim is the simulator
  kasir channel connector add NAME --routes routes.json --dialect A|B --base-url URL
        (--app-id ID --private-key-file F --platform-key-file F | --merchant-id N --api-key-file F)
                                                       an upstream gateway we are a merchant of; serve reads
                                                       the routes file at start (--routes, KASIR_ROUTES)
  kasir bench [--scenario all|payouts,hot,payments,mix,notify,growth] [--db ...] [--presign] [--json]
                                                       measure the gateway (docs/PERFORMANCE.md)
  kasir listen [--addr 127.0.0.1:9000] [--dir notifications] [--fail N]
                                                       receive notifications as a merchant would (for development)

Every command takes --db (KASIR_DB) and the settings listed by "kasir CMD -h".
`

// Main runs kasir with args and returns the exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stdout, usage)
		return 0
	}
	cmd, rest := args[0], args[1:]
	for subcommands[cmd] && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	run, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "kasir: unknown command %q\n\n%s", cmd, usage)
		return 2
	}
	cfg := defaultConfig()
	fs := flag.NewFlagSet("kasir "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.bindCommon(fs)
	env := &cmdEnv{cfg: &cfg, stdout: stdout, stderr: stderr, fs: fs}
	bind := run(env)
	if _, err := cfg.parse(fs, rest, getenv); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "kasir:", err)
		return 2
	}
	env.log = newLogger(cfg, stderr)
	if err := bind(ctx); err != nil {
		var ex exitError
		if errors.As(err, &ex) {
			return int(ex)
		}
		fmt.Fprintln(stderr, "kasir:", err)
		return 1
	}
	return 0
}

// exitError ends a command with a code and no further message.
type exitError int

func (e exitError) Error() string { return fmt.Sprintf("exit %d", int(e)) }

// cmdEnv is what a command gets: the config, the flag set to bind its own
// flags to, and where to write.
type cmdEnv struct {
	cfg    *Config
	fs     *flag.FlagSet
	log    *slog.Logger
	stdout io.Writer
	stderr io.Writer
}

// A command binds its flags and returns the function that runs it.
type command func(e *cmdEnv) func(ctx context.Context) error

var subcommands = map[string]bool{"merchant": true, "merchant apikey": true, "fee": true, "balance": true, "keys": true, "ledger": true, "notify": true, "sim": true, "channel": true, "channel connector": true, "user": true}

var commands map[string]command

func init() {
	commands = map[string]command{
		"serve":                  cmdServe,
		"migrate":                cmdMigrate,
		"merchant create":        cmdMerchantCreate,
		"merchant apikey rotate": cmdMerchantAPIKeyRotate,
		"user create":            cmdUserCreate,
		"user list":              cmdUserList,
		"user disable":           cmdUserDisable,
		"fee set":                cmdFeeSet,
		"balance credit":         cmdBalanceCredit,
		"balance show":           cmdBalanceShow,
		"keys platform":          cmdKeysPlatform,
		"ledger check":           cmdLedgerCheck,
		"notify list":            cmdNotifyList,
		"notify resend":          cmdNotifyResend,
		"sim complete":           cmdSimDecide(false),
		"sim fail":               cmdSimDecide(true),
		"listen":                 cmdListen,
		"sim pay":                cmdSimPay,
		"sim refund":             cmdSimRefund,
		"settle":                 cmdSettle,
		"merchant settlement":    cmdMerchantSettlement,
		"report":                 cmdReport,
		"channel routes":         cmdChannelRoutes,
		"channel route":          cmdChannelRoute,
		"channel connector add":  cmdChannelConnectorAdd,
		"bench":                  cmdBench,
	}
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func cmdServe(e *cmdEnv) func(context.Context) error {
	e.cfg.bindServe(e.fs)
	return func(ctx context.Context) error {
		s, err := StartServer(ctx, *e.cfg, e.log)
		if err != nil {
			return err
		}
		<-ctx.Done()
		e.log.Info("shutting down: finishing requests and deliveries in flight")
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		return s.Close(sctx)
	}
}

// redactDB hides a password in a database URL, in its user info or its
// query, for logs.
func redactDB(db string) string {
	if !isPostgres(db) {
		return db
	}
	u, err := url.Parse(db)
	if err != nil {
		return "postgres://(unparseable URL)"
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
