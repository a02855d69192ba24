package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// PostEntry validates e, inserts it and its postings and moves each
// account's balance, creating accounts on first use. Accounts are updated in
// e.Sorted() order, which is the order their rows are locked in, so that
// concurrent entries cannot deadlock. It returns e.Validate's error, a
// *gateway.DuplicateError with Key "entry_id" for a reused ID, or
// *ledger.InsufficientFundsError; after an error the caller must roll back.
func (t *tx) PostEntry(ctx context.Context, e ledger.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	_, err := t.db.Exec(ctx, `INSERT INTO entries (id, kind, ref, created_at) VALUES ($1, $2, $3, $4)`,
		e.ID, e.Kind, e.Ref, e.At)
	if err != nil {
		return translate("insert entry", err)
	}
	for _, p := range e.Sorted() {
		if err := t.applyPosting(ctx, p); err != nil {
			return err
		}
	}
	seqs := make([]int32, len(e.Postings))
	accounts := make([]string, len(e.Postings))
	currencies := make([]string, len(e.Postings))
	amounts := make([]int64, len(e.Postings))
	for i, p := range e.Postings {
		seqs[i], accounts[i], currencies[i], amounts[i] = int32(i), p.Account, p.Currency, p.Amount
	}
	_, err = t.db.Exec(ctx, `
		INSERT INTO postings (entry_id, seq, account_id, currency, amount)
		SELECT $1, p.seq, p.account_id, p.currency, p.amount
		FROM unnest($2::integer[], $3::text[], $4::text[], $5::bigint[]) AS p (seq, account_id, currency, amount)`,
		e.ID, seqs, accounts, currencies, amounts)
	return translate("insert postings", err)
}

// applyPosting adds p to its account's balance unless that takes a
// non-negative account below zero. The update is tried first since the
// account usually exists; when it matched no row, the account is created (a
// no-op if it did exist) and the update tried once more, so a second miss
// means insufficient funds.
func (t *tx) applyPosting(ctx context.Context, p ledger.Posting) error {
	const update = `
		UPDATE accounts SET balance = balance + $2
		WHERE id = $1 AND (NOT non_negative OR balance + $2 >= 0)`
	tag, err := t.db.Exec(ctx, update, p.Account, p.Amount)
	if err != nil {
		return translate("update account", err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	_, err = t.db.Exec(ctx, `
		INSERT INTO accounts (id, currency, balance, non_negative) VALUES ($1, $2, 0, $3)
		ON CONFLICT (id) DO NOTHING`,
		p.Account, p.Currency, ledger.NonNegative(p.Account))
	if err != nil {
		return translate("create account", err)
	}
	if tag, err = t.db.Exec(ctx, update, p.Account, p.Amount); err != nil {
		return translate("update account", err)
	}
	if tag.RowsAffected() == 0 {
		return &ledger.InsufficientFundsError{Account: p.Account}
	}
	return nil
}

// InsertHold records h as PENDING, whatever its Status; a
// *gateway.DuplicateError with Key "hold_id" when the ID is taken.
// LockAccounts locks the existing accounts of the list, in the list's order,
// until the transaction ends.
func (t *tx) LockAccounts(ctx context.Context, accounts []string) error {
	for _, id := range accounts {
		// One statement per account keeps the lock order the list's: a
		// single "= ANY ... ORDER BY ... FOR UPDATE" does not promise it.
		if _, err := t.db.Exec(ctx, `SELECT 1 FROM accounts WHERE id = $1 FOR UPDATE`, id); err != nil {
			return translate("lock account", err)
		}
	}
	return nil
}

func (t *tx) InsertHold(ctx context.Context, h ledger.Hold) error {
	now := time.Now()
	_, err := t.db.Exec(ctx, `
		INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'PENDING', $5, $5)`,
		h.ID, h.MerchantID, h.Currency, h.Amount, now)
	return translate("insert hold", err)
}

// SettleHold moves a PENDING hold to POSTED or VOIDED and returns it:
// ledger.ErrHoldNotPending when it is already settled, gateway.ErrNotFound
// when there is no such hold.
func (t *tx) SettleHold(ctx context.Context, holdID string, to ledger.HoldStatus) (ledger.Hold, error) {
	if to != ledger.HoldPosted && to != ledger.HoldVoided {
		return ledger.Hold{}, fmt.Errorf("postgres: settle hold %s to %q: not a final status", holdID, to)
	}
	var h ledger.Hold
	var status string
	err := t.db.QueryRow(ctx, `
		UPDATE holds SET status = $2, updated_at = $3
		WHERE id = $1 AND status = 'PENDING'
		RETURNING id, merchant_id, currency, amount, status`,
		holdID, string(to), time.Now()).Scan(&h.ID, &h.MerchantID, &h.Currency, &h.Amount, &status)
	if err == nil {
		h.Status = ledger.HoldStatus(status)
		return h, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return ledger.Hold{}, translate("settle hold", err)
	}
	var exists bool
	if err := t.db.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM holds WHERE id = $1)`, holdID).Scan(&exists); err != nil {
		return ledger.Hold{}, translate("settle hold", err)
	}
	if exists {
		return ledger.Hold{}, ledger.ErrHoldNotPending
	}
	return ledger.Hold{}, fmt.Errorf("postgres: settle hold %s: %w", holdID, gateway.ErrNotFound)
}

func (q queries) AccountBalance(ctx context.Context, account string) (int64, error) {
	var balance int64
	err := q.db.QueryRow(ctx, `SELECT balance FROM accounts WHERE id = $1`, account).Scan(&balance)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return balance, translate("account balance", err)
}

func (q queries) MerchantBalances(ctx context.Context, merchantID string) ([]ledger.Balance, error) {
	rows, err := q.db.Query(ctx, `
		SELECT id, currency, balance FROM accounts
		WHERE id LIKE $1 ESCAPE '\'
		ORDER BY id COLLATE "C"`,
		"merchant:"+escapeLike(merchantID)+":%")
	if err != nil {
		return nil, translate("merchant balances", err)
	}
	balances, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ledger.Balance, error) {
		var b ledger.Balance
		return b, r.Scan(&b.Account, &b.Currency, &b.Amount)
	})
	return balances, translate("merchant balances", err)
}

// escapeLike makes s match itself literally in a LIKE pattern with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
