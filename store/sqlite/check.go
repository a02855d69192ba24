package sqlite

import (
	"context"
	"slices"

	"github.com/kasir-gateway/kasir/ledger"
)

// The ledger check's queries. Each is one statement, so each sees one
// consistent snapshot even while entries are being posted.
const (
	// Entries with fewer than two postings, or whose postings do not sum to
	// zero in some currency.
	checkUnbalanced = `
		SELECT e.id FROM entries e LEFT JOIN postings p ON p.entry_id = e.id
		GROUP BY e.id HAVING count(p.entry_id) < 2
		UNION
		SELECT entry_id FROM postings GROUP BY entry_id, currency HAVING sum(amount) <> 0`
	// Accounts whose balance is not the sum of their postings.
	checkDrifted = `
		SELECT a.id FROM accounts a
		LEFT JOIN (SELECT account_id, sum(amount) AS total FROM postings GROUP BY account_id) p
			ON p.account_id = a.id
		WHERE a.balance <> coalesce(p.total, 0)`
	checkNegative = `SELECT id FROM accounts WHERE non_negative AND balance < 0`
	// Held accounts whose balance is not the sum of their merchant's PENDING
	// holds in that currency, including pending holds with no held account.
	checkHolds = `
		SELECT coalesce(a.id, h.account) FROM
			(SELECT id, balance FROM accounts WHERE id GLOB 'merchant:*:held:*') a
		FULL JOIN
			(SELECT 'merchant:' || merchant_id || ':held:' || currency AS account, sum(amount) AS total
			 FROM holds WHERE status = 'PENDING' GROUP BY merchant_id, currency) h
			ON h.account = a.id
		WHERE coalesce(a.balance, 0) <> coalesce(h.total, 0)`
)

// CheckLedger counts entries and accounts and lists every inconsistency
// the ledger.CheckReport describes, each list sorted.
func (q queries) CheckLedger(ctx context.Context) (ledger.CheckReport, error) {
	var r ledger.CheckReport
	err := q.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM entries), (SELECT count(*) FROM accounts)`).
		Scan(&r.Entries, &r.Accounts)
	if err != nil {
		return r, translate("check ledger", err)
	}
	for _, c := range []struct {
		dst   *[]string
		query string
	}{
		{&r.UnbalancedEntries, checkUnbalanced},
		{&r.DriftedAccounts, checkDrifted},
		{&r.NegativeAccounts, checkNegative},
		{&r.HoldMismatches, checkHolds},
	} {
		rows, err := q.db.QueryContext(ctx, c.query)
		ids, err := collect("check ledger", rows, err, func(r scanner) (string, error) {
			var id string
			return id, r.Scan(&id)
		})
		if err != nil {
			return r, err
		}
		slices.Sort(ids)
		*c.dst = ids
	}
	return r, nil
}
