package bench

import (
	"context"
	"crypto/rsa"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The scenarios, in the order --scenario all runs them.
const (
	ScenarioPayouts  = "payouts"
	ScenarioHot      = "hot"
	ScenarioPayments = "payments"
	ScenarioMix      = "mix"
	ScenarioNotify   = "notify"
	// ScenarioGrowth seeds millions of orders, so it runs only when named.
	ScenarioGrowth = "growth"
)

// Scenarios lists every scenario in the order "all" runs them.
var Scenarios = []string{ScenarioPayouts, ScenarioHot, ScenarioPayments, ScenarioMix, ScenarioNotify}

// Named lists the scenarios that run only when named: not part of "all".
var Named = []string{ScenarioGrowth}

// ParseScenarios reads --scenario: comma-separated names, "all" standing for
// every scenario of Scenarios. Growth, when named, runs last whatever its
// place in the list, since it leaves its seeded orders in the database.
func ParseScenarios(s string) ([]string, error) {
	var out []string
	add := func(name string) {
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		switch {
		case name == "all":
			for _, n := range Scenarios {
				add(n)
			}
		case slices.Contains(Scenarios, name) || slices.Contains(Named, name):
			add(name)
		default:
			return nil, fmt.Errorf("bench: unknown scenario %q (want all or one of %s)", name, strings.Join(append(slices.Clone(Scenarios), Named...), ", "))
		}
	}
	if i := slices.Index(out, ScenarioGrowth); i >= 0 {
		out = append(slices.Delete(out, i, i+1), ScenarioGrowth)
	}
	return out, nil
}

// Options are the settings of one bench run.
type Options struct {
	Scenarios    []string
	Clients      int           // concurrent workers
	Merchants    int           // merchants the spread scenarios use
	Duration     time.Duration // how long each scenario runs, when Count is 0
	Count        int           // requests per scenario; 0: run for Duration
	Presign      bool          // sign every request before the clock starts
	PresignCount int           // requests signed ahead when running for Duration
	NotifyCount  int           // K of the notify scenario when Count is 0
	Warmup       time.Duration // load before the measured part, not counted
	// BaselineConns is the baseline's PostgreSQL pool size; 0: Clients.
	// Its Clients goroutines share the pool, as the gateway's requests
	// share its --db-max-conns.
	BaselineConns int
	// GrowthOrders is how many completed payouts the growth scenario seeds;
	// 0: DefaultGrowthOrders.
	GrowthOrders int

	// DB is the database the gateway runs on: a PostgreSQL URL or a SQLite
	// file. The baseline and the commit rate run on it.
	DB string

	// Spawn mode: Exe is the kasir binary, started as `Exe serve --db DB
	// ... ServeArgs...`; PlatformKey is passed as --platform-key. LogDir
	// receives the children's logs.
	Exe         string
	ServeArgs   []string
	PlatformKey string
	LogDir      string

	// Target mode (Target set): the gateway's merchant API and ops listener,
	// e.g. http://127.0.0.1:8080 and http://127.0.0.1:9090.
	Target string
	Ops    string

	// Progress receives the live line, about once a second; nil: none.
	Progress io.Writer
}

// Core is what the bench needs of the gateway core, opened in-process on
// the same database: onboarding, funding and the checks. cmd/kasir provides
// it.
type Core interface {
	// CreateMerchant onboards a merchant whose dialect A app verifies with
	// publicKeyPEM, and returns its merchant id and app id.
	CreateMerchant(ctx context.Context, name, publicKeyPEM string) (merchantID, appID string, err error)
	// SetFee sets the merchant's default payout fee.
	SetFee(ctx context.Context, merchantID string, fixed, bps int64) error
	// Credit funds the merchant's available balance.
	Credit(ctx context.Context, merchantID, currency string, amount int64) error
	// Available returns the merchant's available balance.
	Available(ctx context.Context, merchantID, currency string) (int64, error)
	// CheckLedger runs the ledger check and returns what it found wrong,
	// nothing when it passed, with a one-line summary.
	CheckLedger(ctx context.Context) (summary string, problems []string, err error)
	// PlatformKey returns the public key notifications are signed with.
	PlatformKey(ctx context.Context) (*rsa.PublicKey, error)
	// Resend makes the notifications of a transaction due at at, as `kasir
	// notify resend` does, and returns how many; 0 when there are none, or
	// when a dispatcher holds them right now.
	Resend(ctx context.Context, transactionID string, at time.Time) (int, error)
}

func (o *Options) validate() error {
	switch {
	case len(o.Scenarios) == 0:
		return fmt.Errorf("bench: no scenario")
	case o.Clients < 1:
		return fmt.Errorf("bench: --clients must be at least 1")
	case o.Merchants < 1:
		return fmt.Errorf("bench: --merchants must be at least 1")
	case o.Count < 0:
		return fmt.Errorf("bench: --count must not be negative")
	case o.Count == 0 && o.Duration <= 0:
		return fmt.Errorf("bench: give a --duration or a --count")
	case o.Presign && o.Count == 0 && o.PresignCount < 1:
		return fmt.Errorf("bench: --presign-count must be at least 1")
	case o.Warmup < 0:
		return fmt.Errorf("bench: --warmup must not be negative")
	case o.Target == "" && o.Exe == "":
		return fmt.Errorf("bench: no gateway: neither a binary to spawn nor a --target")
	case o.Target != "" && o.Ops == "":
		return fmt.Errorf("bench: --target needs --ops, the gateway's ops listener")
	case o.DB == "":
		return fmt.Errorf("bench: --db is required")
	}
	if slices.Contains(o.Scenarios, ScenarioGrowth) {
		switch {
		case !isPostgres(o.DB):
			return fmt.Errorf("bench: the growth scenario runs on PostgreSQL only (it seeds its orders with PostgreSQL's SQL); give --db a postgres:// URL")
		case o.Target != "":
			return fmt.Errorf("bench: the growth scenario restarts its gateway, so it cannot drive a --target")
		case o.GrowthOrders < 0:
			return fmt.Errorf("bench: --growth-orders must not be negative")
		case o.GrowthOrders == 0:
			o.GrowthOrders = DefaultGrowthOrders
		}
	}
	if o.BaselineConns < 1 {
		o.BaselineConns = o.Clients
	}
	if o.NotifyCount < 1 {
		o.NotifyCount = 2000
	}
	return nil
}
