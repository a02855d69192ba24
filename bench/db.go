package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
)

// FreshSchema creates an empty schema, kasir_bench_<unix>_<random>, in the
// PostgreSQL database of dbURL, and returns dbURL with its search_path set
// to it (which the gateway sends on every connection) and a function that
// drops the schema with everything in it.
func FreshSchema(ctx context.Context, dbURL string) (string, func(context.Context) error, error) {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "", nil, fmt.Errorf("bench: --db: %w", err)
	}
	b := make([]byte, 2)
	rand.Read(b)
	schema := fmt.Sprintf("kasir_bench_%d_%s", time.Now().Unix(), hex.EncodeToString(b))
	q := u.Query()
	q.Del("search_path")
	u.RawQuery = q.Encode()
	base := u.String()
	exec := func(ctx context.Context, sql string) error {
		conn, err := pgx.Connect(ctx, base)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		return nil
	}
	if err := exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, err
	}
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	drop := func(ctx context.Context) error { return exec(ctx, "DROP SCHEMA "+schema+" CASCADE") }
	return u.String(), drop, nil
}
