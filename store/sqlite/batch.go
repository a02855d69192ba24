package sqlite

import (
	"context"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// The batch methods of gateway.Tx. SQLite runs in this process, so a batch
// saves no round trips here; what it saves is the commit (and its fsync) per
// payout, since the whole batch is one transaction.

// InsertPayouts inserts each payout unless it conflicts on a unique key;
// ON CONFLICT DO NOTHING without a target covers every unique index.
func (t *tx) InsertPayouts(ctx context.Context, ps []gateway.Payout) ([]bool, error) {
	stored := make([]bool, len(ps))
	for i, p := range ps {
		n, err := t.exec(ctx, "insert payouts", insertPayout+` ON CONFLICT DO NOTHING`, payoutArgs(p)...)
		if err != nil {
			return nil, err
		}
		stored[i] = n == 1
	}
	return stored, nil
}

func (t *tx) DeletePayouts(ctx context.Context, ids []string) error {
	for _, id := range ids {
		if _, err := t.exec(ctx, "delete payouts", `DELETE FROM payouts WHERE transaction_id = ?1`, id); err != nil {
			return err
		}
	}
	return nil
}

// LockBalances reads the balances; the write transaction (BEGIN IMMEDIATE)
// holds the whole database already.
func (t *tx) LockBalances(ctx context.Context, accounts []string) (map[string]int64, error) {
	balances := make(map[string]int64, len(accounts))
	if len(accounts) == 0 {
		return balances, nil
	}
	args := make([]any, len(accounts))
	for i, a := range accounts {
		args[i] = a
	}
	rows, err := t.db.QueryContext(ctx, `SELECT id, balance FROM accounts WHERE id IN (?`+strings.Repeat(",?", len(accounts)-1)+`)`, args...)
	if err != nil {
		return nil, translate("lock balances", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var balance int64
		if err := rows.Scan(&id, &balance); err != nil {
			return nil, translate("lock balances", err)
		}
		balances[id] = balance
	}
	return balances, translate("lock balances", rows.Err())
}

// PostEntries inserts the entries and postings and moves each account once
// by its sum, creating it on first use; a merchant account that the sum
// would take below zero is refused as the CHECK of the accounts table
// would, with *ledger.InsufficientFundsError.
func (t *tx) PostEntries(ctx context.Context, es []ledger.Entry) error {
	sums := map[string]int64{}
	for _, e := range es {
		if err := e.Validate(); err != nil {
			return err
		}
		for _, p := range e.Postings {
			sums[p.Account] += p.Amount
		}
		if _, err := t.db.ExecContext(ctx, `INSERT INTO entries (id, kind, ref, created_at) VALUES (?1, ?2, ?3, ?4)`,
			e.ID, e.Kind, e.Ref, ms(e.At)); err != nil {
			return translate("insert entry", err)
		}
	}
	for _, a := range ledger.Accounts(es...) {
		if err := t.applyPosting(ctx, ledger.Posting{Account: a, Currency: ledger.CurrencyOf(a), Amount: sums[a]}); err != nil {
			return err
		}
	}
	for _, e := range es {
		for i, p := range e.Postings {
			if _, err := t.db.ExecContext(ctx, `
				INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (?1, ?2, ?3, ?4, ?5)`,
				e.ID, i, p.Account, p.Currency, p.Amount); err != nil {
				return translate("insert posting", err)
			}
		}
	}
	return nil
}

func (t *tx) InsertHolds(ctx context.Context, hs []ledger.Hold) error {
	for _, h := range hs {
		if err := t.InsertHold(ctx, h); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) InsertOutboxBatch(ctx context.Context, msgs []gateway.OutboxMessage) error {
	for _, m := range msgs {
		if err := t.InsertOutbox(ctx, m); err != nil {
			return err
		}
	}
	return nil
}
