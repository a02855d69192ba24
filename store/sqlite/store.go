// Package sqlite is Kasir's storage on SQLite, through database/sql and the
// pure-Go modernc.org/sqlite driver.
//
// The database runs in WAL mode with two pools: a writer of one connection,
// which runs every transaction and every write, so that writes of this
// process queue in Go rather than on SQLite's lock; and a reader of several
// read-only connections for reads outside transactions. Every query is
// written once, as a method of queries, and runs on either pool or on a
// transaction. Times are INTEGER milliseconds since the epoch, read back in
// UTC; booleans are 0 or 1.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

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
	_ dbtx             = (*sql.DB)(nil)
	_ dbtx             = (*sql.Tx)(nil)
	_ gateway.Reader   = queries{}
)

// readerConns is the size of the read-only pool.
const readerConns = 8

// Store is the SQLite store. It is safe for concurrent use, also by several
// processes on one file; Close it when done.
type Store struct {
	queries // on the reader pool
	writer  *sql.DB
	reader  *sql.DB
}

// Open opens, creating it if needed, the database file at path. Several
// processes may open one file; their writes wait up to ten seconds for each
// other. ":memory:" is refused, since the two pools would see two different
// databases. Open does not migrate; call Migrate.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") || strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("sqlite: open %q: want a plain file path", path)
	}
	const common = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)"
	writer, err := sql.Open("sqlite", path+"?"+common+"&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)
	// Connect the writer first: it turns WAL on, which the readers rely on.
	if err := writer.PingContext(ctx); err != nil {
		writer.Close()
		return nil, translate("open "+path, err)
	}
	reader, err := sql.Open("sqlite", path+"?"+common+"&_pragma=query_only(1)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	reader.SetMaxOpenConns(readerConns)
	reader.SetMaxIdleConns(readerConns)
	if err := reader.PingContext(ctx); err != nil {
		writer.Close()
		reader.Close()
		return nil, translate("open "+path, err)
	}
	return &Store{queries: queries{db: reader}, writer: writer, reader: reader}, nil
}

// Close closes both pools.
func (s *Store) Close() error {
	return errors.Join(s.reader.Close(), s.writer.Close())
}

// dbtx is what queries need of a connection: *sql.DB and *sql.Tx have it.
type dbtx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
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

// w returns queries on the writer pool, for writes outside InTx.
func (s *Store) w() queries { return queries{db: s.writer} }

// InTx runs fn in one transaction on the writer connection, begun with
// BEGIN IMMEDIATE so that it holds the write lock from the start. It commits
// when fn returns nil; otherwise it rolls back and returns fn's error
// unchanged. A panic in fn rolls back and panics again.
func (s *Store) InTx(ctx context.Context, fn func(gateway.Tx) error) error {
	return s.inTx(ctx, func(q queries) error { return fn(&tx{queries: q}) })
}

func (s *Store) inTx(ctx context.Context, fn func(queries) error) error {
	stx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return translate("begin", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = stx.Rollback()
		}
	}()
	if err := fn(queries{db: stx}); err != nil {
		return err
	}
	committed = true
	if err := stx.Commit(); err != nil {
		return translate("commit", err)
	}
	return nil
}

// AcquireNodeID counts up the node_ids row and returns the count modulo 1024.
func (s *Store) AcquireNodeID(ctx context.Context) (int64, error) {
	var last int64
	err := s.writer.QueryRowContext(ctx, `UPDATE node_ids SET last = last + 1 WHERE id = 1 RETURNING last`).Scan(&last)
	if err != nil {
		return 0, translate("acquire node id", err)
	}
	return last % 1024, nil
}

// ExecRawForTest runs one statement on the writer, outside any
// transaction. It exists only so that store/storetest can corrupt data on
// purpose (to prove that CheckLedger notices); nothing else may call it.
func (s *Store) ExecRawForTest(ctx context.Context, query string, args ...any) error {
	_, err := s.writer.ExecContext(ctx, query, args...)
	return translate("exec raw", err)
}

// translate turns a driver error into the store's errors: no rows wraps
// gateway.ErrNotFound, a unique violation is a *gateway.DuplicateError, a
// database file that cannot be opened or read wraps gateway.ErrUnavailable.
// A busy database (another writer held the lock past the busy timeout) is
// none of these. It returns nil for nil.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("sqlite: %s: %w", op, gateway.ErrNotFound)
	}
	var sqlErr *sqlite.Error
	if errors.As(err, &sqlErr) {
		switch code := sqlErr.Code(); {
		case code == sqlite3.SQLITE_CONSTRAINT_UNIQUE || code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return &gateway.DuplicateError{Key: duplicateKey(sqlErr.Error())}
		case code&0xff == sqlite3.SQLITE_CANTOPEN || code&0xff == sqlite3.SQLITE_IOERR ||
			code&0xff == sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("sqlite: %s: %w: %w", op, gateway.ErrUnavailable, err)
		}
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// duplicateKey names the uniqueness rule in a SQLite message such as
// "UNIQUE constraint failed: payouts.app_id, payouts.mch_order_id (2067)",
// in the terms of gateway.DuplicateError.
func duplicateKey(msg string) string {
	const marker = "constraint failed: "
	cols := msg
	if i := strings.LastIndex(msg, marker); i >= 0 {
		cols = msg[i+len(marker):]
	}
	if i := strings.LastIndex(cols, " ("); i >= 0 {
		cols = cols[:i]
	}
	switch cols {
	case "payouts.app_id, payouts.mch_order_id":
		return "mch_order_id"
	case "payouts.app_id, payouts.idempotency_id":
		return "idempotency_id"
	case "payouts.transaction_id":
		return "transaction_id"
	case "payments.app_id, payments.mch_order_id":
		return "mch_order_id"
	case "static_codes.app_id, static_codes.mch_order_id":
		return "mch_order_id"
	case "static_codes.id":
		return "static_code_id"
	case "payments.transaction_id":
		return "transaction_id"
	case "payments.channel_code, payments.channel_ref":
		return "channel_ref"
	case "refunds.app_id, refunds.mch_refund_order_id":
		return "mch_refund_order_id"
	case "refunds.refund_transaction_id":
		return "transaction_id"
	case "sim_payments.id":
		return "sim_payment_id"
	case "apps.app_id":
		return "app_id"
	case "merchants.id":
		return "merchant_id"
	case "merchants.merchant_no":
		return "merchant_no"
	case "entries.id":
		return "entry_id"
	case "holds.id":
		return "hold_id"
	}
	return cols
}

// ms is t as stored: milliseconds since the epoch.
func ms(t time.Time) int64 { return t.UnixMilli() }

// nullMS stores the zero time as NULL.
func nullMS(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// fromMS reads a stored time, in UTC.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// fromNullMS reads NULL as the zero time.
func fromNullMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return fromMS(v.Int64)
}

// nullString stores "" as NULL.
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// boolInt stores a boolean as 0 or 1.
func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// exec runs a statement and returns how many rows it changed.
func (q queries) exec(ctx context.Context, op, query string, args ...any) (int64, error) {
	res, err := q.db.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, translate(op, err)
	}
	n, err := res.RowsAffected()
	return n, translate(op, err)
}

// scanner is a row to scan: *sql.Row or *sql.Rows.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row of a query and closes it; rows and err are what
// QueryContext returned.
func collect[T any](op string, rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, translate(op, err)
	}
	defer rows.Close()
	var all []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, translate(op, err)
		}
		all = append(all, v)
	}
	return all, translate(op, rows.Err())
}
