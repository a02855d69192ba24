package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// The batch methods of gateway.Tx. Each sends its statements as one pgx
// batch: one round trip to the server however many rows, which is most of
// what a batch of payouts saves over the same payouts one by one.

// InsertPayouts inserts each payout unless it conflicts on a unique key.
// Without a conflict target, ON CONFLICT DO NOTHING covers every unique
// index, the partial one on idempotency_id included.
func (t *tx) InsertPayouts(ctx context.Context, ps []gateway.Payout) ([]bool, error) {
	b := &pgx.Batch{}
	for _, p := range ps {
		b.Queue(insertPayout+` ON CONFLICT DO NOTHING`, payoutArgs(p)...)
	}
	stored := make([]bool, len(ps))
	err := t.runBatch(ctx, "insert payouts", b, func(i int, br pgx.BatchResults) error {
		tag, err := br.Exec()
		stored[i] = tag.RowsAffected() == 1
		return err
	})
	return stored, err
}

func (t *tx) DeletePayouts(ctx context.Context, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := t.db.Exec(ctx, `DELETE FROM payouts WHERE transaction_id = ANY($1)`, ids)
	return translate("delete payouts", err)
}

// LockBalances locks with one statement per account, queued in the list's
// order, so that the rows are locked in that order (a single "= ANY ...
// FOR UPDATE" does not promise one).
func (t *tx) LockBalances(ctx context.Context, accounts []string) (map[string]int64, error) {
	b := &pgx.Batch{}
	for _, id := range accounts {
		b.Queue(`SELECT balance FROM accounts WHERE id = $1 FOR UPDATE`, id)
	}
	balances := make(map[string]int64, len(accounts))
	err := t.runBatch(ctx, "lock balances", b, func(i int, br pgx.BatchResults) error {
		var balance int64
		err := br.QueryRow().Scan(&balance)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		balances[accounts[i]] = balance
		return err
	})
	return balances, err
}

// PostEntries inserts the entries and their postings and moves each account
// once by its sum, creating it on first use; the accounts table's CHECK keeps merchant accounts non-negative (a violation is
// reported as *ledger.InsufficientFundsError). Accounts are upserted in
// sorted order, the order every transaction locks them in.
func (t *tx) PostEntries(ctx context.Context, es []ledger.Entry) error {
	if len(es) == 0 {
		return nil
	}
	var (
		ids, kinds, refs                 []string
		ats                              []time.Time
		pEntries, pAccounts, pCurrencies []string
		pSeqs                            []int32
		pAmounts                         []int64
		sums                             = map[string]int64{}
	)
	for _, e := range es {
		if err := e.Validate(); err != nil {
			return err
		}
		ids, kinds, refs, ats = append(ids, e.ID), append(kinds, e.Kind), append(refs, e.Ref), append(ats, e.At)
		for i, p := range e.Postings {
			pEntries, pSeqs, pAccounts = append(pEntries, e.ID), append(pSeqs, int32(i)), append(pAccounts, p.Account)
			pCurrencies, pAmounts = append(pCurrencies, p.Currency), append(pAmounts, p.Amount)
			sums[p.Account] += p.Amount
		}
	}
	accounts := ledger.Accounts(es...)
	b := &pgx.Batch{}
	b.Queue(`
		INSERT INTO entries (id, kind, ref, created_at)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])`,
		ids, kinds, refs, ats)
	for _, a := range accounts {
		// Two statements: an upsert would check the CHECK on the row it
		// proposes (the sum alone) before it finds the existing one.
		b.Queue(`
			INSERT INTO accounts (id, currency, balance, non_negative) VALUES ($1, $2, 0, $3)
			ON CONFLICT (id) DO NOTHING`,
			a, ledger.CurrencyOf(a), ledger.NonNegative(a))
		b.Queue(`UPDATE accounts SET balance = balance + $2 WHERE id = $1`, a, sums[a])
	}
	b.Queue(`
		INSERT INTO postings (entry_id, seq, account_id, currency, amount)
		SELECT * FROM unnest($1::text[], $2::integer[], $3::text[], $4::text[], $5::bigint[])`,
		pEntries, pSeqs, pAccounts, pCurrencies, pAmounts)
	return t.runBatch(ctx, "post entries", b, func(i int, br pgx.BatchResults) error {
		_, err := br.Exec()
		var pgErr *pgconn.PgError
		if i >= 1 && i <= 2*len(accounts) && errors.As(err, &pgErr) && pgErr.Code == "23514" {
			return &ledger.InsufficientFundsError{Account: accounts[(i-1)/2]}
		}
		return err
	})
}

func (t *tx) InsertHolds(ctx context.Context, hs []ledger.Hold) error {
	if len(hs) == 0 {
		return nil
	}
	ids, merchants, currencies, amounts := make([]string, len(hs)), make([]string, len(hs)), make([]string, len(hs)), make([]int64, len(hs))
	for i, h := range hs {
		ids[i], merchants[i], currencies[i], amounts[i] = h.ID, h.MerchantID, h.Currency, h.Amount
	}
	_, err := t.db.Exec(ctx, `
		INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
		SELECT h.id, h.merchant_id, h.currency, h.amount, 'PENDING', $5, $5
		FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS h (id, merchant_id, currency, amount)`,
		ids, merchants, currencies, amounts, time.Now())
	return translate("insert holds", err)
}

func (t *tx) InsertOutboxBatch(ctx context.Context, ms []gateway.OutboxMessage) error {
	b := &pgx.Batch{}
	for _, m := range ms {
		if m.Status == "" {
			m.Status = gateway.OutboxPending
		}
		b.Queue(insertOutbox, outboxArgs(m)...)
	}
	return t.runBatch(ctx, "insert outbox", b, func(_ int, br pgx.BatchResults) error {
		_, err := br.Exec()
		return err
	})
}

// runBatch sends b and hands each queued statement's result to read, in
// order; read takes exactly one result. It returns the first error,
// translated.
func (q queries) runBatch(ctx context.Context, op string, b *pgx.Batch, read func(i int, br pgx.BatchResults) error) error {
	if b.Len() == 0 {
		return nil
	}
	br := q.db.SendBatch(ctx, b)
	var first error
	for i := 0; i < b.Len() && first == nil; i++ {
		first = read(i, br)
	}
	if err := br.Close(); first == nil {
		first = err
	}
	var short *ledger.InsufficientFundsError
	if errors.As(first, &short) {
		return first
	}
	if first != nil {
		return translate(op, first)
	}
	return nil
}
