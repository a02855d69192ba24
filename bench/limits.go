package bench

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	_ "modernc.org/sqlite" // the baseline's and commit rate's SQLite driver, as store/sqlite uses
)

// Limits are the physical limits the gateway's figures stand beside.
type Limits struct {
	RSASignPerCore   float64 `json:"rsa2048_sign_per_s_per_core"`
	RSAVerifyPerCore float64 `json:"rsa2048_verify_per_s_per_core"`
	CommitPerS       float64 `json:"db_commit_per_s"`
	CommitClients    int     `json:"db_commit_clients"`
	CommitS          float64 `json:"db_commit_s"`
	CommitErrors     int64   `json:"db_commit_errors,omitempty"`
}

// rsaRates signs and verifies a typical param for about a second each on
// one goroutine (one core) and returns the operations per second.
func rsaRates(key *rsa.PrivateKey) (sign, verify float64, err error) {
	param := payoutRequest("LIMIT-1", "").param
	digest := sha256.Sum256(param)
	var sig []byte
	n, start := 0, time.Now()
	for ; time.Since(start) < time.Second; n++ {
		if sig, err = rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:]); err != nil {
			return 0, 0, err
		}
	}
	sign = float64(n) / time.Since(start).Seconds()
	n, start = 0, time.Now()
	for ; time.Since(start) < time.Second; n++ {
		if err = rsa.VerifyPKCS1v15(&key.PublicKey, crypto.SHA256, digest[:], sig); err != nil {
			return 0, 0, err
		}
	}
	return sign, float64(n) / time.Since(start).Seconds(), nil
}

// commitRate runs one-row INSERT and COMMIT transactions into a scratch
// table from clients goroutines (a pool of that size on PostgreSQL, the one
// writer connection on SQLite) for d, and drops the table after.
func commitRate(ctx context.Context, db string, clients int, d time.Duration) (rate float64, errs int64, err error) {
	tag := make([]byte, 4)
	rand.Read(tag)
	table := "bench_commit_" + hex.EncodeToString(tag)
	var insert func(ctx context.Context) error
	var exec func(ctx context.Context, q string) error
	if isPostgres(db) {
		pool, err := openPool(ctx, db, clients)
		if err != nil {
			return 0, 0, err
		}
		defer pool.Close()
		exec = func(ctx context.Context, q string) error { _, err := pool.Exec(ctx, q); return err }
		q := `INSERT INTO ` + table + ` (at, note) VALUES ($1, $2)`
		insert = func(ctx context.Context) error {
			return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, q, time.Now(), "commit")
				return err
			})
		}
		if err := exec(ctx, `CREATE TABLE `+table+` (id BIGSERIAL PRIMARY KEY, at TIMESTAMPTZ NOT NULL, note TEXT NOT NULL)`); err != nil {
			return 0, 0, fmt.Errorf("bench: %w", err)
		}
	} else {
		lite, err := openLite(ctx, db)
		if err != nil {
			return 0, 0, err
		}
		defer lite.Close()
		exec = func(ctx context.Context, q string) error { _, err := lite.ExecContext(ctx, q); return err }
		q := `INSERT INTO ` + table + ` (at, note) VALUES (?1, ?2)`
		insert = func(ctx context.Context) error {
			return liteTx(ctx, lite, func(tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, q, time.Now().UnixMilli(), "commit")
				return err
			})
		}
		if err := exec(ctx, `CREATE TABLE `+table+` (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, note TEXT NOT NULL)`); err != nil {
			return 0, 0, fmt.Errorf("bench: %w", err)
		}
	}
	defer exec(context.WithoutCancel(ctx), `DROP TABLE `+table)
	var done, failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if insert(ctx) != nil {
					failed.Add(1)
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return float64(done.Load()) / time.Since(start).Seconds(), failed.Load(), ctx.Err()
}
