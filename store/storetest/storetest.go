// Package storetest holds the conformance suite that every Kasir store must
// pass, and helpers that give any package's tests a fresh, migrated store:
// NewPostgres (a schema of its own on a real server) and NewSQLite (a file in
// a temporary directory).
package storetest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/keys"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/store/postgres"
	"github.com/kasir-gateway/kasir/store/sqlite"
)

// Store is everything a Kasir store implements.
type Store interface {
	gateway.Store
	notify.Store
	sim.Store
	sim.PaymentStore
	sim.RefundStore
	keys.SecretStore
}

// Engine names a store implementation and opens a fresh, migrated, empty
// store of it for a test; the store is closed when the test ends.
type Engine struct {
	Name string
	Open func(t testing.TB) Store
}

// Engines returns every engine: PostgreSQL and SQLite.
func Engines() []Engine {
	return []Engine{
		{Name: "postgres", Open: func(t testing.TB) Store { return NewPostgres(t) }},
		{Name: "sqlite", Open: func(t testing.TB) Store { return NewSQLite(t) }},
	}
}

// DefaultDatabaseURL is the server NewPostgres uses when
// KASIR_TEST_DATABASE_URL is not set.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// testMaxConns keeps each test's pool small, since many tests (of many
// packages) may hold a store at once.
const testMaxConns = 8

// NewPostgres returns a migrated store in a new schema of its own (see
// PostgresSchema); when the test ends the store is closed and the schema
// dropped.
func NewPostgres(t testing.TB) *postgres.Store {
	t.Helper()
	dsn, _ := PostgresSchema(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, dsn, postgres.WithMaxConns(testMaxConns))
	if err != nil {
		t.Fatalf("storetest: open postgres store: %v", err)
	}
	t.Cleanup(s.Close)
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate postgres: %v", err)
	}
	return s
}

// PostgresSchema creates an empty schema with a random name (t_<hex>) on the
// server named by KASIR_TEST_DATABASE_URL (default DefaultDatabaseURL) and
// returns a connection string whose search_path is that schema, and the
// schema's name. The schema is dropped when the test ends. When the server
// cannot be reached the test fails, or is skipped if KASIR_SKIP_POSTGRES=1.
func PostgresSchema(t testing.TB) (dsn, schema string) {
	t.Helper()
	base := os.Getenv("KASIR_TEST_DATABASE_URL")
	if base == "" {
		base = DefaultDatabaseURL
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	schema = "t_" + randomHex(8)
	if err := adminExec(ctx, base, `CREATE SCHEMA `+schema); err != nil {
		postgresUnreachable(t, base, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := adminExec(ctx, base, `DROP SCHEMA `+schema+` CASCADE`); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	return WithSearchPath(base, schema), schema
}

// NewSQLite returns a migrated store on a new file in t.TempDir(), closed
// when the test ends.
func NewSQLite(t testing.TB) *sqlite.Store {
	t.Helper()
	ctx := context.Background()
	s, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "kasir.db"))
	if err != nil {
		t.Fatalf("storetest: open sqlite store: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("storetest: close sqlite store: %v", err)
		}
	})
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("storetest: migrate sqlite: %v", err)
	}
	return s
}

// WithSearchPath returns the connection string base with its search_path
// set to schema. pgx sends parameters it does not know itself, such as
// search_path, to the server as run-time parameters.
func WithSearchPath(base, schema string) string {
	if u, err := url.Parse(base); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return strings.TrimSpace(base) + " search_path=" + schema // a key=value DSN
}

// adminExec runs one statement on a connection of its own.
func adminExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

func postgresUnreachable(t testing.TB, dsn string, err error) {
	t.Helper()
	if os.Getenv("KASIR_SKIP_POSTGRES") == "1" {
		t.Skipf("storetest: skipping PostgreSQL tests (KASIR_SKIP_POSTGRES=1): %s: %v", redact(dsn), err)
	}
	t.Fatalf("storetest: cannot use PostgreSQL at %s: %v\n"+
		"Start a server there (e.g. docker run -d -p 5432:5432 -e POSTGRES_HOST_AUTH_METHOD=trust -e POSTGRES_DB=test postgres:16),\n"+
		"point KASIR_TEST_DATABASE_URL at one, or set KASIR_SKIP_POSTGRES=1 to skip the PostgreSQL tests.",
		redact(dsn), err)
}

// redact hides a URL's password.
func redact(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return dsn
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}
