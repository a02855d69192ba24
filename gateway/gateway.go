// Package gateway is Kasir's core: merchants, payouts and their life, fees,
// holds and the outbox events that tell merchants what happened. It knows no
// HTTP and no SQL: API dialects call it, stores and channel connectors serve it.
//
// A payout's life is decided in payout.go: CreatePayout validates and holds the
// money, SubmitPayout hands it to its channel after commit, ApplyPayoutResult
// settles it, and Reconcile queries channels about payouts that stay PENDING.
package gateway

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// Clock tells the time; tests inject their own.
type Clock interface{ Now() time.Time }

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Route is a connector that serves a payout channel, by the name operators
// give it ("sim" for the simulator, an upstream gateway's name otherwise).
// A payout records the name of the connector that holds it.
type Route struct {
	Name      string
	Connector Connector
}

// Router finds the connectors of payout channels.
type Router interface {
	// Routes returns the connectors of a payout channel in the order to try
	// them: a payout goes to the first that takes it, and to the next only
	// when one certainly did not (ErrNotSent). None when the channel is not
	// served (KindChannelUnavailable).
	Routes(channel string) []Route
	// Named returns a connector by name, for payouts it holds already; false
	// when no connector has that name any more.
	Named(name string) (Connector, bool)
}

// Observer is told about order transitions after they commit, for metrics.
type Observer interface {
	OrderTransition(kind string, status Status)
}

// Config holds the core's tunables.
type Config struct {
	// ReconcileAfter is how long a payout may stay PENDING with its channel
	// before the reconciler queries the channel about it.
	ReconcileAfter time.Duration
	// NotFoundGrace is how long after submission a channel may keep answering
	// "no such transaction" before the payout is failed with -10006.
	NotFoundGrace time.Duration
	// PaymentExpiry overrides the default lifetime of dynamic payment orders
	// per channelType (QR, EWALLET, ...); a request's expireTime wins over both.
	PaymentExpiry map[string]time.Duration
	// RefundFee says what happens to a payment's fee when it is refunded:
	// RefundFeeKeep (the default; the platform keeps it) or RefundFeeRefund
	// (the merchant gets the refunded share of it back).
	RefundFee string
	// NonceWindow is how long a dialect B nonceStr is remembered: a request
	// repeating one within it is refused as a replay.
	NonceWindow time.Duration
	// NotifyPolicy is applied to the notify URLs of orders and apps when they
	// are given (see checkNotifyTarget); the zero policy allows any address.
	NotifyPolicy AddrPolicy
	// PayoutBatch is the most payouts booked in one transaction (see
	// payout_batch.go); 1 books each alone. Default 64.
	PayoutBatch int
	// CacheTTL is how long enabled apps and payout fees are remembered (see
	// ttlCache); negative: not at all. Default 1s.
	CacheTTL time.Duration
	// PayoutBatchParallel is the most payout batches booked at once: 1 suits
	// SQLite's single writer; on PostgreSQL a few let one batch build while
	// others commit. Default 4.
	PayoutBatchParallel int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{ReconcileAfter: time.Minute, NotFoundGrace: 10 * time.Minute, NonceWindow: 24 * time.Hour,
		PayoutBatch: 64, PayoutBatchParallel: 4, CacheTTL: time.Second}
}

// Gateway is the core. Its methods are safe for concurrent use.
type Gateway struct {
	store    Store
	router   Router
	clock    Clock
	log      *slog.Logger
	cfg      Config
	observer Observer
	onQueued func()
	sealer   KeySealer

	idsMu sync.Mutex
	ids   *IDs // made on first use: read-only users never take a node id

	batcher *payoutBatcher // nil when PayoutBatch is 1
	apps    ttlCache[App]
	fees    ttlCache[Fee]
}

// Options are New's optional collaborators.
type Options struct {
	Clock    Clock        // default SystemClock
	Logger   *slog.Logger // default slog.Default()
	Config   Config       // zero fields take DefaultConfig's values
	Observer Observer     // default none
	// OnQueued is called after a transaction that queued outbox messages
	// commits, so that the dispatcher can deliver them at once.
	OnQueued func()
	// KeySealer encrypts dialect B apiKeys at rest; default PlainSealer.
	KeySealer KeySealer
}

// New returns a Gateway over store whose channels are found through router.
// The first operation that makes an id reserves a node id from the store.
func New(ctx context.Context, store Store, router Router, opts Options) (*Gateway, error) {
	g := &Gateway{store: store, router: router, clock: opts.Clock, log: opts.Logger, cfg: opts.Config, observer: opts.Observer, onQueued: opts.OnQueued, sealer: opts.KeySealer}
	if g.clock == nil {
		g.clock = SystemClock{}
	}
	if g.log == nil {
		g.log = slog.Default()
	}
	def := DefaultConfig()
	if g.cfg.ReconcileAfter <= 0 {
		g.cfg.ReconcileAfter = def.ReconcileAfter
	}
	if g.cfg.NotFoundGrace <= 0 {
		g.cfg.NotFoundGrace = def.NotFoundGrace
	}
	if g.cfg.NonceWindow <= 0 {
		g.cfg.NonceWindow = def.NonceWindow
	}
	if g.sealer == nil {
		g.sealer = PlainSealer{}
	}
	if g.cfg.PayoutBatch <= 0 {
		g.cfg.PayoutBatch = def.PayoutBatch
	}
	if g.cfg.PayoutBatchParallel <= 0 {
		g.cfg.PayoutBatchParallel = def.PayoutBatchParallel
	}
	if g.cfg.CacheTTL == 0 {
		g.cfg.CacheTTL = def.CacheTTL
	}
	g.apps.ttl, g.fees.ttl = g.cfg.CacheTTL, g.cfg.CacheTTL
	if g.cfg.PayoutBatch > 1 {
		g.batcher = &payoutBatcher{g: g, max: g.cfg.PayoutBatch, parallel: g.cfg.PayoutBatchParallel}
	}
	return g, nil
}

// newID returns a fresh id with the prefix, reserving this gateway's node
// id on first use.
func (g *Gateway) newID(ctx context.Context, prefix string) (string, error) {
	g.idsMu.Lock()
	if g.ids == nil {
		node, err := g.store.AcquireNodeID(ctx)
		if err != nil {
			g.idsMu.Unlock()
			return "", g.storeErr("acquire node id", err)
		}
		g.ids = NewIDs(node, g.clock)
	}
	ids := g.ids
	g.idsMu.Unlock()
	return ids.Next(prefix), nil
}

// Store returns the gateway's store, for adapters that read through it.
func (g *Gateway) Store() Store { return g.store }

// now returns the clock's time at millisecond precision, the precision every
// store keeps.
func (g *Gateway) now() time.Time { return g.clock.Now().Truncate(time.Millisecond) }

func (g *Gateway) queued() {
	if g.onQueued != nil {
		g.onQueued()
	}
}

func (g *Gateway) observe(kind string, s Status) {
	if g.observer != nil {
		g.observer.OrderTransition(kind, s)
	}
}
