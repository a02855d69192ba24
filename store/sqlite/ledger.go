package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// PostEntry validates e, inserts it and its postings and moves each
// account's balance, creating accounts on first use, in e.Sorted() order.
// It returns e.Validate's error, a *gateway.DuplicateError with Key
// "entry_id" for a reused ID, or *ledger.InsufficientFundsError; after an
// error the caller must roll back.
func (t *tx) PostEntry(ctx context.Context, e ledger.Entry) error {
	if err := e.Validate(); err != nil {
		return err
	}
	_, err := t.db.ExecContext(ctx, `INSERT INTO entries (id, kind, ref, created_at) VALUES (?1, ?2, ?3, ?4)`,
		e.ID, e.Kind, e.Ref, ms(e.At))
	if err != nil {
		return translate("insert entry", err)
	}
	for _, p := range e.Sorted() {
		if err := t.applyPosting(ctx, p); err != nil {
			return err
		}
	}
	for i, p := range e.Postings {
		_, err := t.db.ExecContext(ctx, `
			INSERT INTO postings (entry_id, seq, account_id, currency, amount) VALUES (?1, ?2, ?3, ?4, ?5)`,
			e.ID, i, p.Account, p.Currency, p.Amount)
		if err != nil {
			return translate("insert posting", err)
		}
	}
	return nil
}

// applyPosting adds p to its account's balance unless that takes a
// non-negative account below zero, creating the account first if needed.
func (t *tx) applyPosting(ctx context.Context, p ledger.Posting) error {
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO accounts (id, currency, balance, non_negative) VALUES (?1, ?2, 0, ?3)
		ON CONFLICT (id) DO NOTHING`,
		p.Account, p.Currency, boolInt(ledger.NonNegative(p.Account)))
	if err != nil {
		return translate("create account", err)
	}
	n, err := t.exec(ctx, "update account", `
		UPDATE accounts SET balance = balance + ?2
		WHERE id = ?1 AND (NOT non_negative OR balance + ?2 >= 0)`,
		p.Account, p.Amount)
	if err != nil {
		return err
	}
	if n == 0 {
		return &ledger.InsufficientFundsError{Account: p.Account}
	}
	return nil
}

// InsertHold records h as PENDING, whatever its Status; a
// *gateway.DuplicateError with Key "hold_id" when the ID is taken.
// LockAccounts does nothing: a SQLite write transaction holds the whole
// database from its start (BEGIN IMMEDIATE).
func (t *tx) LockAccounts(ctx context.Context, accounts []string) error { return nil }

func (t *tx) InsertHold(ctx context.Context, h ledger.Hold) error {
	now := ms(time.Now())
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
		VALUES (?1, ?2, ?3, ?4, 'PENDING', ?5, ?5)`,
		h.ID, h.MerchantID, h.Currency, h.Amount, now)
	return translate("insert hold", err)
}

// SettleHold moves a PENDING hold to POSTED or VOIDED and returns it:
// ledger.ErrHoldNotPending when it is already settled, gateway.ErrNotFound
// when there is no such hold.
func (t *tx) SettleHold(ctx context.Context, holdID string, to ledger.HoldStatus) (ledger.Hold, error) {
	if to != ledger.HoldPosted && to != ledger.HoldVoided {
		return ledger.Hold{}, fmt.Errorf("sqlite: settle hold %s to %q: not a final status", holdID, to)
	}
	var h ledger.Hold
	var status string
	err := t.db.QueryRowContext(ctx, `
		UPDATE holds SET status = ?2, updated_at = ?3
		WHERE id = ?1 AND status = 'PENDING'
		RETURNING id, merchant_id, currency, amount, status`,
		holdID, string(to), ms(time.Now())).Scan(&h.ID, &h.MerchantID, &h.Currency, &h.Amount, &status)
	if err == nil {
		h.Status = ledger.HoldStatus(status)
		return h, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return ledger.Hold{}, translate("settle hold", err)
	}
	var exists bool
	if err := t.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM holds WHERE id = ?1)`, holdID).Scan(&exists); err != nil {
		return ledger.Hold{}, translate("settle hold", err)
	}
	if exists {
		return ledger.Hold{}, ledger.ErrHoldNotPending
	}
	return ledger.Hold{}, fmt.Errorf("sqlite: settle hold %s: %w", holdID, gateway.ErrNotFound)
}

func (q queries) AccountBalance(ctx context.Context, account string) (int64, error) {
	var balance int64
	err := q.db.QueryRowContext(ctx, `SELECT balance FROM accounts WHERE id = ?1`, account).Scan(&balance)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return balance, translate("account balance", err)
}

// MerchantBalances matches the merchant's accounts with GLOB rather than
// LIKE, which in SQLite ignores case.
func (q queries) MerchantBalances(ctx context.Context, merchantID string) ([]ledger.Balance, error) {
	rows, err := q.db.QueryContext(ctx, `
		SELECT id, currency, balance FROM accounts WHERE id GLOB ?1 ORDER BY id`,
		"merchant:"+escapeGlob(merchantID)+":*")
	return collect("merchant balances", rows, err, func(r scanner) (ledger.Balance, error) {
		var b ledger.Balance
		return b, r.Scan(&b.Account, &b.Currency, &b.Amount)
	})
}

// escapeGlob makes s match itself literally in a GLOB pattern.
func escapeGlob(s string) string {
	return strings.NewReplacer(`[`, `[[]`, `*`, `[*]`, `?`, `[?]`).Replace(s)
}
