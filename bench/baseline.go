package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kasir-gateway/kasir/ledger"
)

// The baseline is the SQL of one create-payout transaction, run straight
// against the database with no gateway in front: what the gateway would do
// if parsing, verifying, pricing and answering cost nothing. It mirrors the
// store as of issue 6's start (commit 9ba95fc): gateway/payout.go
// createPayout runs, in one transaction,
//
//	store/postgres/payouts.go InsertPayout   INSERT payouts (32 columns)
//	store/postgres/ledger.go  InsertHold     INSERT holds
//	store/postgres/ledger.go  PostEntry      INSERT entries; per posting, in account order
//	                                         (available, then held), applyPosting's UPDATE
//	                                         accounts (with its create-and-retry when the
//	                                         account is missing); INSERT postings via unnest
//	store/postgres/outbox.go  InsertOutbox   INSERT outbox (the submission)
//
// and store/sqlite the same statements (postings one INSERT each, the
// account created before the UPDATE, times as Unix milliseconds, BEGIN
// IMMEDIATE). When the store changes, this file keeps the old transaction:
// the baseline is a fixed yardstick, not a copy of the current code.
//
// The rows differ from a gateway's in two ways only: the ids start with
// BENCH (so they can be removed afterwards) and the submission's
// next_attempt_at is a day ahead (so that a running gateway's dispatcher
// leaves it alone). After the run every row is deleted and the balances are
// restored in one transaction.

const pgBaselinePayout = `
	INSERT INTO payouts (transaction_id, app_id, merchant_id, mch_order_id, idempotency_id, country_code,
		currency, amount, fee, pay_method, transfer_code, account_no, account_name, account_type, mobile,
		notify_url, remark, status, failed_code, failed_message, channel_state, channel_ref,
		created_at, updated_at, finished_at, submitted_at,
		cci_account_no, id_type, id_card, email, dialect, connector)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
		$20, $21, $22, $23, $24, $25, $26, $27, $28, $29, $30, $31, $32)`

const pgBaselineHold = `
	INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
	VALUES ($1, $2, $3, $4, 'PENDING', $5, $5)`

const pgBaselineEntry = `INSERT INTO entries (id, kind, ref, created_at) VALUES ($1, $2, $3, $4)`

const pgBaselineUpdate = `
	UPDATE accounts SET balance = balance + $2
	WHERE id = $1 AND (NOT non_negative OR balance + $2 >= 0)`

const pgBaselineCreateAccount = `
	INSERT INTO accounts (id, currency, balance, non_negative) VALUES ($1, $2, 0, $3)
	ON CONFLICT (id) DO NOTHING`

const pgBaselinePostings = `
	INSERT INTO postings (entry_id, seq, account_id, currency, amount)
	SELECT $1, p.seq, p.account_id, p.currency, p.amount
	FROM unnest($2::integer[], $3::text[], $4::text[], $5::bigint[]) AS p (seq, account_id, currency, amount)`

const pgBaselineOutbox = `
	INSERT INTO outbox (topic, app_id, transaction_id, event, url, payload, status, attempts,
		next_attempt_at, created_at, delivered_at, last_error)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// The SQLite statements, as store/sqlite writes them.
const (
	liteBaselinePayout = `
	INSERT INTO payouts (transaction_id, app_id, merchant_id, mch_order_id, idempotency_id, country_code,
		currency, amount, fee, pay_method, transfer_code, account_no, account_name, account_type, mobile,
		notify_url, remark, status, failed_code, failed_message, channel_state, channel_ref,
		created_at, updated_at, finished_at, submitted_at,
		cci_account_no, id_type, id_card, email, dialect, connector)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
		?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)`
	liteBaselineHold = `
	INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
	VALUES (?1, ?2, ?3, ?4, 'PENDING', ?5, ?5)`
	liteBaselineEntry         = `INSERT INTO entries (id, kind, ref, created_at) VALUES (?1, ?2, ?3, ?4)`
	liteBaselineCreateAccount = `
	INSERT INTO accounts (id, currency, balance, non_negative) VALUES (?1, ?2, 0, ?3)
	ON CONFLICT (id) DO NOTHING`
	liteBaselineUpdate = `
	UPDATE accounts SET balance = balance + ?2
	WHERE id = ?1 AND (NOT non_negative OR balance + ?2 >= 0)`
	liteBaselinePosting = `
	INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (?1, ?2, ?3, ?4, ?5)`
	liteBaselineOutbox = `
	INSERT INTO outbox (topic, app_id, transaction_id, event, url, payload, status, attempts,
		next_attempt_at, created_at, delivered_at, last_error)
	VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`
)

// BaselineResult is the baseline of a scenario.
type BaselineResult struct {
	Transactions int64            `json:"transactions"`
	Errors       map[string]int64 `json:"errors,omitempty"`
	DurationS    float64          `json:"duration_s"`
	RatePerS     float64          `json:"rate_per_s"`
	Ratio        float64          `json:"ratio"` // the gateway's rate / the baseline's
	Conns        int              `json:"conns"` // the pool's size (1 on SQLite)
}

// baselinePayout is one transaction's values.
type baselinePayout struct {
	txID, appID, merchantID, mchOrderID string
	amount, fee                         int64
	now                                 time.Time
}

func (p baselinePayout) available() string { return ledger.MerchantAvailable(p.merchantID, currency) }
func (p baselinePayout) held() string      { return ledger.MerchantHeld(p.merchantID, currency) }

// baselineRunner runs one engine's transaction and its cleanup.
type baselineRunner interface {
	payout(ctx context.Context, p baselinePayout) error
	cleanup(ctx context.Context, prefix string) error
	close()
}

// runBaseline runs the transaction from clients goroutines over a pool of
// conns connections (one on SQLite), worker i paying out of ms[i mod
// len(ms)], for count transactions (if > 0) or duration.
func runBaseline(ctx context.Context, db string, clients, conns int, ms []*merchant, duration time.Duration, count int) (*BaselineResult, error) {
	var r baselineRunner
	var err error
	if isPostgres(db) {
		r, err = newPGBaseline(ctx, db, conns)
	} else {
		r, err = newLiteBaseline(ctx, db)
	}
	if err != nil {
		return nil, err
	}
	defer r.close()
	tag := make([]byte, 3)
	rand.Read(tag)
	prefix := "BENCH" + hex.EncodeToString(tag)
	var seq atomic.Int64
	var done atomic.Int64
	var mu sync.Mutex
	errs := map[string]int64{}
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(duration)
	for w := range clients {
		n := count / clients
		if w < count%clients {
			n++
		}
		m := ms[w%len(ms)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				if count > 0 && i >= n || count == 0 && !time.Now().Before(deadline) {
					return
				}
				s := seq.Add(1)
				p := baselinePayout{
					txID: fmt.Sprintf("%s%012d", prefix, s), appID: m.appID, merchantID: m.id,
					mchOrderID: fmt.Sprintf("%s-%d", prefix, s), amount: payoutAmount, fee: expectedFee, now: time.Now(),
				}
				if err := r.payout(ctx, p); err != nil {
					mu.Lock()
					errs[errClass(err)]++
					mu.Unlock()
					continue
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if !isPostgres(db) {
		conns = 1
	}
	res := &BaselineResult{Conns: conns, Transactions: done.Load(), DurationS: elapsed.Seconds(), RatePerS: float64(done.Load()) / elapsed.Seconds()}
	if len(errs) > 0 {
		res.Errors = errs
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
	defer cancel()
	if err := r.cleanup(cctx, prefix); err != nil {
		return res, fmt.Errorf("bench: remove the baseline's rows: %w", err)
	}
	return res, ctx.Err()
}

// errClass names an error for the baseline's error counts.
func errClass(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80]
	}
	return s
}

func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// pgBaseline runs the transaction on a pgx pool of one connection per
// client.
type pgBaseline struct{ pool *pgxpool.Pool }

func newPGBaseline(ctx context.Context, db string, clients int) (*pgBaseline, error) {
	pool, err := openPool(ctx, db, clients)
	if err != nil {
		return nil, err
	}
	return &pgBaseline{pool}, nil
}

// openPool opens a pool of n connections, all connected before it returns
// so that no measurement pays for a connect.
func openPool(ctx context.Context, db string, n int) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(db)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	cfg.MaxConns, cfg.MinConns = int32(n), int32(n)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	conns := make([]*pgxpool.Conn, 0, n)
	defer func() {
		for _, c := range conns {
			c.Release()
		}
	}()
	for range n {
		c, err := pool.Acquire(ctx)
		if err != nil {
			pool.Close()
			return nil, fmt.Errorf("bench: connect: %w", err)
		}
		conns = append(conns, c)
	}
	return pool, nil
}

func (b *pgBaseline) close() { b.pool.Close() }

func (b *pgBaseline) payout(ctx context.Context, p baselinePayout) error {
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		total := p.amount + p.fee
		if _, err := tx.Exec(ctx, pgBaselinePayout,
			p.txID, p.appID, p.merchantID, p.mchOrderID, nil, country,
			currency, p.amount, p.fee, "BANK", payoutBank, payoutAcct, "Juan Dela Cruz",
			"", "", "", "", "PENDING", 0, "",
			"NEW", "", p.now, p.now, nil, nil,
			"", "", "", "", "", ""); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, pgBaselineHold, p.txID, p.merchantID, currency, total, p.now); err != nil {
			return err
		}
		entry := p.txID + ":hold"
		if _, err := tx.Exec(ctx, pgBaselineEntry, entry, "hold", p.txID, p.now); err != nil {
			return err
		}
		for _, post := range []struct {
			account string
			amount  int64
		}{{p.available(), -total}, {p.held(), total}} {
			if err := pgApplyPosting(ctx, tx, post.account, post.amount); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, pgBaselinePostings, entry, []int32{0, 1}, []string{p.available(), p.held()},
			[]string{currency, currency}, []int64{-total, total}); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgBaselineOutbox, "submit", p.appID, p.txID, "", "", nil, "PENDING", 0,
			p.now.Add(24*time.Hour), p.now, nil, "")
		return err
	})
}

// pgApplyPosting is store/postgres applyPosting: the update first, and when
// it matched no row the account's creation and the update once more.
func pgApplyPosting(ctx context.Context, tx pgx.Tx, account string, amount int64) error {
	tag, err := tx.Exec(ctx, pgBaselineUpdate, account, amount)
	if err != nil || tag.RowsAffected() == 1 {
		return err
	}
	if _, err := tx.Exec(ctx, pgBaselineCreateAccount, account, currency, ledger.NonNegative(account)); err != nil {
		return err
	}
	if tag, err = tx.Exec(ctx, pgBaselineUpdate, account, amount); err == nil && tag.RowsAffected() == 0 {
		err = fmt.Errorf("insufficient funds in %s", account)
	}
	return err
}

// cleanup removes the rows of ids starting with prefix and undoes their
// postings' effect on the balances.
func (b *pgBaseline) cleanup(ctx context.Context, prefix string) error {
	like := prefix + "%"
	return pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		for _, q := range []string{
			`UPDATE accounts a SET balance = a.balance - s.total
			 FROM (SELECT account_id, sum(amount) AS total FROM postings WHERE entry_id LIKE $1 GROUP BY account_id) s
			 WHERE a.id = s.account_id`,
			`DELETE FROM postings WHERE entry_id LIKE $1`,
			`DELETE FROM entries WHERE id LIKE $1`,
			`DELETE FROM holds WHERE id LIKE $1`,
			`DELETE FROM outbox WHERE transaction_id LIKE $1`,
			`DELETE FROM payouts WHERE transaction_id LIKE $1`,
		} {
			if _, err := tx.Exec(ctx, q, like); err != nil {
				return err
			}
		}
		return nil
	})
}

// liteBaseline runs the transaction on SQLite's single writer connection,
// opened as store/sqlite opens its writer.
type liteBaseline struct{ db *sql.DB }

func openLite(ctx context.Context, path string) (*sql.DB, error) {
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=synchronous(FULL)&_pragma=journal_mode(WAL)&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("bench: open %s: %w", path, err)
	}
	return db, nil
}

func newLiteBaseline(ctx context.Context, path string) (*liteBaseline, error) {
	db, err := openLite(ctx, path)
	if err != nil {
		return nil, err
	}
	return &liteBaseline{db}, nil
}

func (b *liteBaseline) close() { b.db.Close() }

func liteTx(ctx context.Context, db *sql.DB, fn func(*sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

func (b *liteBaseline) payout(ctx context.Context, p baselinePayout) error {
	now := p.now.UnixMilli()
	return liteTx(ctx, b.db, func(tx *sql.Tx) error {
		total := p.amount + p.fee
		if _, err := tx.ExecContext(ctx, liteBaselinePayout,
			p.txID, p.appID, p.merchantID, p.mchOrderID, nil, country,
			currency, p.amount, p.fee, "BANK", payoutBank, payoutAcct, "Juan Dela Cruz",
			"", "", "", "", "PENDING", 0, "",
			"NEW", "", now, now, nil, nil,
			"", "", "", "", "", ""); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, liteBaselineHold, p.txID, p.merchantID, currency, total, now); err != nil {
			return err
		}
		entry := p.txID + ":hold"
		if _, err := tx.ExecContext(ctx, liteBaselineEntry, entry, "hold", p.txID, now); err != nil {
			return err
		}
		for _, post := range []struct {
			account string
			amount  int64
		}{{p.available(), -total}, {p.held(), total}} {
			if _, err := tx.ExecContext(ctx, liteBaselineCreateAccount, post.account, currency, boolInt(ledger.NonNegative(post.account))); err != nil {
				return err
			}
			res, err := tx.ExecContext(ctx, liteBaselineUpdate, post.account, post.amount)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil || n == 0 {
				return fmt.Errorf("insufficient funds in %s (%v)", post.account, err)
			}
		}
		for i, post := range []struct {
			account string
			amount  int64
		}{{p.available(), -total}, {p.held(), total}} {
			if _, err := tx.ExecContext(ctx, liteBaselinePosting, entry, i, post.account, currency, post.amount); err != nil {
				return err
			}
		}
		_, err := tx.ExecContext(ctx, liteBaselineOutbox, "submit", p.appID, p.txID, "", "", nil, "PENDING", 0,
			p.now.Add(24*time.Hour).UnixMilli(), now, nil, "")
		return err
	})
}

func (b *liteBaseline) cleanup(ctx context.Context, prefix string) error {
	like := prefix + "%"
	return liteTx(ctx, b.db, func(tx *sql.Tx) error {
		for _, q := range []string{
			`UPDATE accounts SET balance = balance - (SELECT sum(amount) FROM postings p WHERE p.account_id = accounts.id AND p.entry_id LIKE ?1)
			 WHERE id IN (SELECT account_id FROM postings WHERE entry_id LIKE ?1)`,
			`DELETE FROM postings WHERE entry_id LIKE ?1`,
			`DELETE FROM entries WHERE id LIKE ?1`,
			`DELETE FROM holds WHERE id LIKE ?1`,
			`DELETE FROM outbox WHERE transaction_id LIKE ?1`,
			`DELETE FROM payouts WHERE transaction_id LIKE ?1`,
		} {
			if _, err := tx.ExecContext(ctx, q, like); err != nil {
				return err
			}
		}
		return nil
	})
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
