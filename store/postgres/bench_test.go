package postgres_test

import (
	"context"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/store/storetest"
)

// The store benchmarks (storetest.BenchPostEntry, BenchClaimOutbox) on
// PostgreSQL.

func BenchmarkPostEntry(b *testing.B)   { storetest.BenchPostEntry(b, benchStore) }
func BenchmarkClaimOutbox(b *testing.B) { storetest.BenchClaimOutbox(b, benchStore) }

// benchStore returns a fresh, migrated store in a schema of its own
// (storetest.NewPostgres). When no server answers, a benchmark run outside
// CI skips; under CI (CI set, as CI services do) the decision is
// storetest's, as for the PostgreSQL tests: fail, unless
// KASIR_SKIP_POSTGRES=1.
func benchStore(tb testing.TB) storetest.Store {
	tb.Helper()
	if err := serverAnswers(); err != nil && !underCI() {
		tb.Skipf("no PostgreSQL answers at %s (%v); set KASIR_TEST_DATABASE_URL to benchmark PostgreSQL", redacted(benchURL()), err)
	}
	return storetest.NewPostgres(tb)
}

func benchURL() string {
	if u := os.Getenv("KASIR_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return storetest.DefaultDatabaseURL
}

// redacted hides a URL's password.
func redacted(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		return u.Redacted()
	}
	return "KASIR_TEST_DATABASE_URL"
}

func underCI() bool {
	ci := os.Getenv("CI")
	return ci != "" && ci != "0" && ci != "false"
}

// serverAnswers connects once per test binary to tell whether a server
// answers.
var serverAnswers = sync.OnceValue(func() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, benchURL())
	if err != nil {
		return err
	}
	return conn.Close(ctx)
})
