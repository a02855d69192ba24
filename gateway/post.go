package gateway

import (
	"context"

	"github.com/kasir-gateway/kasir/ledger"
)

// postEntries posts several entries in one transaction, locking every
// account they touch in one sorted order first. Each entry sorts its own
// accounts, but two entries posted one after the other would lock in two
// runs (the second's accounts after the first's), which can deadlock on
// PostgreSQL against a transaction locking the same accounts in one run.
func postEntries(ctx context.Context, tx Tx, entries ...ledger.Entry) error {
	if len(entries) > 1 {
		if err := tx.LockAccounts(ctx, ledger.Accounts(entries...)); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if err := tx.PostEntry(ctx, e); err != nil {
			return err
		}
	}
	return nil
}
