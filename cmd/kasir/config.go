package main

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ratelimit"
)

// Config is every setting of kasir, filled from flags and KASIR_*
// environment variables (a flag wins over the environment). The defaults
// live in defaultConfig and nowhere else.
type Config struct {
	Addr            string        // the merchant API listener
	DB              string        // a SQLite file path or a postgres:// URL
	NotifySchedule  string        // retry delays of notifications
	NotifyLease     time.Duration // how long a claimed outbox message is held before another claim may take it
	SimDelay        time.Duration // how long the simulator takes to settle
	TimestampWindow time.Duration // accepted clock skew of signed requests
	ReconcileAfter  time.Duration // query a channel about a payout PENDING this long
	NotFoundGrace   time.Duration // fail a payout its channel never received, after this long
	PlatformKey     string        // the platform key file (when no master key is set)
	MasterKeyFile   string        // a file holding the master key
	MasterKey       string        // the master key itself (prefer the file)
	LogLevel        string
	LogFormat       string        // text or json
	DBMaxConns      int           // PostgreSQL pool size
	PublicURL       string        // how customers reach the gateway, for pay URLs; default http://ADDR
	Sandbox         bool          // the hosted payment page offers a "pay" button
	SecureCookies   bool          // dashboard cookies are Secure even on plain HTTP (behind a TLS proxy)
	TrustedProxies  string        // CIDRs of proxies whose X-Forwarded-For names the dashboard's clients
	RefundFee       string        // "keep" or "refund": what happens to a refunded payment's fee
	NonceWindow     time.Duration // how long dialect B nonceStr values are remembered
	Routes          string        // the routing file (JSON): upstream connectors and payout routes; "" = all on the simulator
	PaymentExpiry   string        // default lifetime of payment orders per channelType, e.g. "QR=15m,EWALLET=30m"
	paymentExpiry   map[string]time.Duration
	OpsAddr         string // the operator listener (/metrics, /healthz, /readyz); "" = none
	NotifyAllow     string // CIDRs notifications may go to although private, loopback, ...: see notifyPolicy
	RateLimit       string // per app (dialect A) and per merchant (dialect B), e.g. "1000/s"; "0" = none
	RateBurst       int    // calls an app may make at once
	Pprof           bool   // serve /debug/pprof/ on the ops listener
	OutboxWorkers   int    // most outbox deliveries (notifications, submissions) at once
	PayoutBatch     int    // most payouts booked in one transaction; 1: each alone
	PayoutParallel  int    // most payout batches at once; 0: 1 on SQLite, 4 on PostgreSQL
}

func defaultConfig() Config {
	return Config{
		Addr:            "127.0.0.1:8080",
		DB:              "kasir.db",
		NotifySchedule:  "1m,2m,4m,...,512m",
		NotifyLease:     2 * time.Minute,
		SimDelay:        2 * time.Second,
		TimestampWindow: 5 * time.Minute,
		ReconcileAfter:  time.Minute,
		NotFoundGrace:   10 * time.Minute,
		NonceWindow:     24 * time.Hour,
		LogLevel:        "info",
		LogFormat:       "text",
		DBMaxConns:      16,
		Sandbox:         true,
		RefundFee:       gateway.RefundFeeKeep,
		OpsAddr:         "127.0.0.1:9090",
		RateLimit:       "1000/s",
		RateBurst:       2000,
		PayoutBatch:     64,
		OutboxWorkers:   16,
	}
}

// bindCommon registers the settings every command takes.
func (c *Config) bindCommon(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", c.DB, "database: a SQLite file path or a postgres:// URL (KASIR_DB)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (KASIR_LOG_LEVEL)")
	fs.StringVar(&c.LogFormat, "log-format", c.LogFormat, "text or json (KASIR_LOG_FORMAT)")
	fs.StringVar(&c.PlatformKey, "platform-key", c.PlatformKey, "platform private key file; default beside a SQLite database, else ./kasir-platform-key.pem (KASIR_PLATFORM_KEY)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", c.MasterKeyFile, "file with the master key that encrypts the platform key in the database (KASIR_MASTER_KEY_FILE; or KASIR_MASTER_KEY)")
	fs.IntVar(&c.DBMaxConns, "db-max-conns", c.DBMaxConns, "PostgreSQL connection pool size (KASIR_DB_MAX_CONNS)")
}

// bindServe registers the settings of serve.
func (c *Config) bindServe(fs *flag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", c.Addr, "listen address of the API (KASIR_ADDR)")
	fs.StringVar(&c.NotifySchedule, "notify-schedule", c.NotifySchedule, "notification retry delays; '...' keeps doubling (KASIR_NOTIFY_SCHEDULE)")
	fs.DurationVar(&c.NotifyLease, "notify-lease", c.NotifyLease, "how long a claimed outbox message waits, after a crash, before it is claimed again (KASIR_NOTIFY_LEASE)")
	fs.DurationVar(&c.SimDelay, "sim-delay", c.SimDelay, "how long the simulator takes to settle a payout (KASIR_SIM_DELAY)")
	fs.DurationVar(&c.TimestampWindow, "timestamp-window", c.TimestampWindow, "accepted skew of param.timestamp (KASIR_TIMESTAMP_WINDOW)")
	fs.DurationVar(&c.ReconcileAfter, "reconcile-after", c.ReconcileAfter, "query the channel about payouts PENDING this long (KASIR_RECONCILE_AFTER)")
	fs.StringVar(&c.PublicURL, "public-url", c.PublicURL, "the gateway's address as customers reach it, for pay URLs; default http://ADDR (KASIR_PUBLIC_URL)")
	fs.BoolVar(&c.Sandbox, "sandbox", c.Sandbox, "the hosted payment page can pay orders through the simulator, and the dashboard offers the simulator to operators (KASIR_SANDBOX)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", c.TrustedProxies, "CIDRs of reverse proxies in front, e.g. 127.0.0.1/32; the dashboard then counts failed sign-ins against the client X-Forwarded-For names (KASIR_TRUSTED_PROXIES)")
	fs.BoolVar(&c.SecureCookies, "secure-cookies", c.SecureCookies, "mark the dashboard's cookies Secure even on plain HTTP, for a TLS-terminating proxy in front (KASIR_SECURE_COOKIES); requests over TLS get them anyway")
	fs.StringVar(&c.PaymentExpiry, "payment-expiry", c.PaymentExpiry, "default lifetime of payment orders per channelType, e.g. QR=15m,BANK_TRANSFER=48h; others keep the channel's (KASIR_PAYMENT_EXPIRY)")
	fs.StringVar(&c.RefundFee, "refund-fee", c.RefundFee, "keep: the platform keeps a refunded payment's fee; refund: the refunded share goes back to the merchant (KASIR_REFUND_FEE)")
	fs.StringVar(&c.Routes, "routes", c.Routes, "routing file (JSON) of upstream connectors and payout routes; default: every channel on the simulator (KASIR_ROUTES)")
	fs.DurationVar(&c.NonceWindow, "nonce-window", c.NonceWindow, "dialect B: a nonceStr repeated within this window is refused as a replay (KASIR_NONCE_WINDOW)")
	fs.DurationVar(&c.NotFoundGrace, "not-found-grace", c.NotFoundGrace, "fail a payout its channel never received after this long (KASIR_NOT_FOUND_GRACE)")
	fs.StringVar(&c.OpsAddr, "ops-addr", c.OpsAddr, "listen address of the operator endpoints /metrics, /healthz, /readyz; empty: none (KASIR_OPS_ADDR)")
	fs.StringVar(&c.NotifyAllow, "notify-allow", c.NotifyAllow, "CIDRs notifications may go to although loopback, private, link-local, ..., e.g. 127.0.0.1/32,10.0.0.0/8 (KASIR_NOTIFY_ALLOW)")
	fs.StringVar(&c.RateLimit, "rate-limit", c.RateLimit, "calls per app (dialect A) and per merchant (dialect B): N/s, N/m or N/h; 0: no limit (KASIR_RATE_LIMIT)")
	fs.IntVar(&c.OutboxWorkers, "outbox-workers", c.OutboxWorkers, "most outbox deliveries (notifications and channel submissions) in flight at once (KASIR_OUTBOX_WORKERS)")
	fs.BoolVar(&c.Pprof, "pprof", c.Pprof, "serve Go's profiles (/debug/pprof/) on the ops listener (KASIR_PPROF)")
	fs.IntVar(&c.PayoutBatch, "payout-batch", c.PayoutBatch, "most payouts booked in one database transaction when requests arrive together; 1 books each alone (KASIR_PAYOUT_BATCH)")
	fs.IntVar(&c.PayoutParallel, "payout-batch-parallel", c.PayoutParallel, "most payout batches booked at once; 0: 1 on SQLite, 4 on PostgreSQL (KASIR_PAYOUT_BATCH_PARALLEL)")
	fs.IntVar(&c.RateBurst, "rate-burst", c.RateBurst, "calls an app or merchant may make at once, within --rate-limit (KASIR_RATE_BURST)")
}

// parse fills c from the environment, then from args, and resolves derived
// settings. It returns the remaining arguments.
func (c *Config) parse(fs *flag.FlagSet, args []string, getenv func(string) string) ([]string, error) {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		name := "KASIR_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := getenv(name); v != "" {
			if err := f.Value.Set(v); err != nil && envErr == nil {
				envErr = fmt.Errorf("%s: %w", name, err)
			}
		}
	})
	if envErr != nil {
		return nil, envErr
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	c.MasterKey = getenv("KASIR_MASTER_KEY")
	if c.MasterKeyFile != "" {
		b, err := os.ReadFile(c.MasterKeyFile)
		if err != nil {
			return nil, fmt.Errorf("master key: %w", err)
		}
		c.MasterKey = strings.TrimSpace(string(b))
	}
	if c.PlatformKey == "" {
		if isPostgres(c.DB) {
			c.PlatformKey = "kasir-platform-key.pem"
		} else {
			c.PlatformKey = filepath.Join(filepath.Dir(c.DB), "kasir-platform-key.pem")
		}
	}
	if c.DB == "" {
		return nil, errors.New("--db is empty")
	}
	expiry, err := parsePaymentExpiry(c.PaymentExpiry)
	if err != nil {
		return nil, fmt.Errorf("--payment-expiry: %w", err)
	}
	c.paymentExpiry = expiry
	if c.RefundFee != gateway.RefundFeeKeep && c.RefundFee != gateway.RefundFeeRefund {
		return nil, fmt.Errorf("--refund-fee: want keep or refund, got %q", c.RefundFee)
	}
	if _, err := c.notifyPolicy(); err != nil {
		return nil, err
	}
	if _, err := c.rateLimit(); err != nil {
		return nil, err
	}
	return fs.Args(), nil
}

// notifyPolicy is serve's notification address policy: the forbidden
// ranges (gateway.ForbiddenRange) are refused, at order creation and when
// delivering, but for the CIDRs of NotifyAllow.
func (c Config) notifyPolicy() (gateway.AddrPolicy, error) {
	allow, err := gateway.ParseAllowList(c.NotifyAllow)
	if err != nil {
		return gateway.AddrPolicy{}, fmt.Errorf("--notify-allow: %w", err)
	}
	return gateway.AddrPolicy{Restrict: true, Allow: allow}, nil
}

// rateLimit is the limit of RateLimit and RateBurst.
// trustedProxies parses TrustedProxies.
func (c Config) trustedProxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, f := range strings.Split(c.TrustedProxies, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		p, err := netip.ParsePrefix(f)
		if err != nil {
			a, aerr := netip.ParseAddr(f)
			if aerr != nil {
				return nil, fmt.Errorf("--trusted-proxies: %q is not a CIDR or an address", f)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func (c Config) rateLimit() (ratelimit.Limit, error) {
	l, err := ratelimit.Parse(c.RateLimit, c.RateBurst)
	if err != nil {
		return l, fmt.Errorf("--rate-limit: %w", err)
	}
	return l, nil
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// parsePaymentExpiry reads "QR=15m,EWALLET=30m": channel types and how long
// their orders live unless a request says otherwise.
func parsePaymentExpiry(s string) (map[string]time.Duration, error) {
	out := map[string]time.Duration{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	types := map[string]bool{gateway.TypeQR: true, gateway.TypeEWallet: true, gateway.TypeBankTransfer: true,
		gateway.TypeOnlineBanking: true, gateway.TypeCard: true}
	for _, part := range strings.Split(s, ",") {
		typ, dur, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || !types[typ] {
			return nil, fmt.Errorf("%q: want TYPE=DURATION with TYPE one of QR, EWALLET, BANK_TRANSFER, ONLINE_BANKING, CARD", part)
		}
		d, err := time.ParseDuration(dur)
		if err != nil || d < time.Minute || d > 7*24*time.Hour {
			return nil, fmt.Errorf("%q: the duration must be between 1m and 168h", part)
		}
		out[typ] = d
	}
	return out, nil
}

// payoutParallel is --payout-batch-parallel, or its default for the engine:
// SQLite has one writer, so one batch at a time is all it can use.
func (c Config) payoutParallel() int {
	switch {
	case c.PayoutParallel > 0:
		return c.PayoutParallel
	case isPostgres(c.DB):
		return 4
	default:
		return 1
	}
}
