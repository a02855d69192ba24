package postgres_test

import (
	"context"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/postgres"
	"github.com/kasir-gateway/kasir/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t testing.TB) storetest.Store { return storetest.NewPostgres(t) })
}

func TestMigrateTwice(t *testing.T) {
	t.Parallel()
	s := storetest.NewPostgres(t) // migrated once already
	for range 2 {
		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate again: %v", err)
		}
	}
}

// TestMigrateConcurrent migrates one fresh schema from several stores at
// once, as several processes starting together would; the search_path of
// the URL must put every table in that schema.
func TestMigrateConcurrent(t *testing.T) {
	t.Parallel()
	dsn, schema := storetest.PostgresSchema(t)
	ctx := t.Context()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(ctx, dsn, postgres.WithMaxConns(2))
			if err != nil {
				t.Error(err)
				return
			}
			defer s.Close()
			if err := s.Migrate(ctx); err != nil {
				t.Errorf("Migrate: %v", err)
			}
		})
	}
	wg.Wait()

	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var current string
	var versions int
	var payouts *string
	err = conn.QueryRow(ctx, `SELECT current_schema(), (SELECT count(*) FROM schema_migrations),
		to_regclass($1)::text`, schema+".payouts").Scan(&current, &versions, &payouts)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil {
		t.Fatal(err)
	}
	if current != schema || versions != len(files) || payouts == nil {
		t.Errorf("current_schema %q (want %q), %d migrations recorded (want %d), %s.payouts exists: %v",
			current, schema, versions, len(files), schema, payouts != nil)
	}
}

func TestOpenUnavailable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	_, err := postgres.Open(ctx, "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=2")
	if !errors.Is(err, gateway.ErrUnavailable) {
		t.Errorf("Open on a closed port: %v, want gateway.ErrUnavailable", err)
	}
}
