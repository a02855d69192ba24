// Package postgres is Kasir's storage on PostgreSQL, through a pgx pool.
//
// Every query is written once, as a method of queries, which runs on the
// pool outside a transaction and on a pgx.Tx inside one. Times are stored as
// TIMESTAMPTZ, to the microsecond, and read back in UTC.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/keys"
	"github.com/kasir-gateway/kasir/notify"
)

var (
	_ gateway.Store    = (*Store)(nil)
	_ gateway.Tx       = (*tx)(nil)
	_ notify.Store     = (*Store)(nil)
	_ sim.Store        = (*Store)(nil)
	_ sim.PaymentStore = (*Store)(nil)
	_ keys.SecretStore = (*Store)(nil)
	_ dbtx             = (*pgxpool.Pool)(nil)
	_ dbtx             = (pgx.Tx)(nil)
	_ gateway.Reader   = queries{}
)

// defaultMaxConns is the pool size when neither an Option nor the URL's
// pool_max_conns sets one.
const defaultMaxConns = 16

// Store is the PostgreSQL store. It is safe for concurrent use; Close it when
// done.
type Store struct {
	queries
	pool *pgxpool.Pool
}

// Option configures Open.
type Option func(*pgxpool.Config)

// WithMaxConns sets the most connections the pool opens.
func WithMaxConns(n int32) Option {
	return func(c *pgxpool.Config) { c.MaxConns = n }
}

// Open connects to the database at url (a postgres:// URL or a key=value
// DSN) and checks that it answers. Query parameters that pgx does not know,
// such as search_path, are sent as run-time parameters of every connection.
// The pool holds at most 16 connections unless the URL's pool_max_conns or
// WithMaxConns says otherwise. An unreachable server wraps
// gateway.ErrUnavailable. Open does not migrate; call Migrate.
func Open(ctx context.Context, url string, opts ...Option) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = defaultMaxConns
	}
	for _, o := range opts {
		o(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, translate("open", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, translate("connect", err)
	}
	return &Store{queries: queries{db: pool}, pool: pool}, nil
}

// Close closes every connection of the pool, waiting for those in use.
func (s *Store) Close() { s.pool.Close() }

// dbtx is what queries need of a connection: both *pgxpool.Pool and pgx.Tx
// have it.
type dbtx interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// queries holds every statement of the store; its methods are the
// gateway.Reader ones, and tx adds the writes.
type queries struct {
	db dbtx
}

// tx is the gateway.Tx handed to InTx's fn.
type tx struct {
	queries
}

// InTx runs fn in one READ COMMITTED transaction. It commits when fn returns
// nil; otherwise it rolls back and returns fn's error unchanged. A panic in
// fn rolls back and panics again.
func (s *Store) InTx(ctx context.Context, fn func(gateway.Tx) error) error {
	return s.inTx(ctx, func(q queries) error { return fn(&tx{queries: q}) })
}

func (s *Store) inTx(ctx context.Context, fn func(queries) error) (err error) {
	ptx, err := s.pool.Begin(ctx)
	if err != nil {
		return translate("begin", err)
	}
	committed := false
	defer func() {
		if !committed {
			// Roll back even when ctx is done, so the connection returns clean.
			_ = ptx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err := fn(queries{db: ptx}); err != nil {
		return err
	}
	committed = true
	if err := ptx.Commit(ctx); err != nil {
		return translate("commit", err)
	}
	return nil
}

// AcquireNodeID takes the next number of the node_ids sequence, modulo 1024.
func (s *Store) AcquireNodeID(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.QueryRow(ctx, `SELECT nextval('node_ids') % 1024`).Scan(&id); err != nil {
		return 0, translate("acquire node id", err)
	}
	return id, nil
}

// ExecRawForTest runs one statement outside any transaction. It exists only
// so that store/storetest can corrupt data on purpose (to prove that
// CheckLedger notices); nothing else may call it.
func (s *Store) ExecRawForTest(ctx context.Context, sql string, args ...any) error {
	_, err := s.db.Exec(ctx, sql, args...)
	return translate("exec raw", err)
}

// translate turns a pgx error into the store's errors: no rows wraps
// gateway.ErrNotFound, a unique violation is a *gateway.DuplicateError, a
// failure to reach the server wraps gateway.ErrUnavailable. It returns nil
// for nil.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("postgres: %s: %w", op, gateway.ErrNotFound)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &gateway.DuplicateError{Key: duplicateKey(pgErr.ConstraintName)}
	}
	if unavailable(err) {
		return fmt.Errorf("postgres: %s: %w: %w", op, gateway.ErrUnavailable, err)
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// duplicateKey names the uniqueness rule behind a constraint, in the terms of
// gateway.DuplicateError.
func duplicateKey(constraint string) string {
	switch constraint {
	case "payouts_app_id_mch_order_id_key":
		return "mch_order_id"
	case "payouts_idempotency":
		return "idempotency_id"
	case "payouts_pkey":
		return "transaction_id"
	case "payments_app_id_mch_order_id_key", "payments_dynamic_mch_order_id":
		return "mch_order_id"
	case "static_codes_app_id_mch_order_id_key":
		return "mch_order_id"
	case "static_codes_pkey":
		return "static_code_id"
	case "payments_pkey":
		return "transaction_id"
	case "payments_channel_code_channel_ref_key":
		return "channel_ref"
	case "refunds_mch_refund_order_id":
		return "mch_refund_order_id"
	case "refunds_pkey":
		return "transaction_id"
	case "sim_payments_pkey":
		return "sim_payment_id"
	case "apps_pkey":
		return "app_id"
	case "merchants_pkey":
		return "merchant_id"
	case "merchants_merchant_no_key":
		return "merchant_no"
	case "entries_pkey":
		return "entry_id"
	case "holds_pkey":
		return "hold_id"
	}
	return constraint
}

// unavailable reports whether err means the server could not be reached or
// the connection was lost, as opposed to a statement failing.
func unavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// Class 08 is connection exceptions; 57P01-57P03 a server going away.
		return strings.HasPrefix(pgErr.Code, "08") || pgErr.Code == "57P01" ||
			pgErr.Code == "57P02" || pgErr.Code == "57P03"
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false // the caller gave up; the server may be fine
	}
	var netErr net.Error
	// An unexpected EOF is the server going away in the middle of a query.
	return errors.As(err, &netErr) || errors.Is(err, io.ErrUnexpectedEOF) || pgconn.SafeToRetry(err)
}

// nullTime maps the zero time to NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// fromNull maps NULL to the zero time, and any other time to UTC.
func fromNull(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// nullString maps "" to NULL.
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
