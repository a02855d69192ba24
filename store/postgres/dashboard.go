package postgres

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// The dashboard's reads: the transactions page, an order's ledger entries,
// the operator console's merchants, static codes, notification endpoints
// and volumes. Every value is a parameter; the SQL around them is put
// together from the fixed pieces below.

var _ dashboard.Store = (*Store)(nil)

// Page sizes of ListOrders and ListStaticCodes.
const (
	defaultPage = 50
	maxPage     = 200
	// maxLatencies is how many of the latest attempts DeliveryLatencies reads.
	maxLatencies = 10000
)

// orderSource is one table of orders and the columns that play each part of
// a dashboard.Order.
type orderSource struct {
	typ      dashboard.OrderType
	table    string
	id       string // the transaction id
	mchID    string // the merchant's order id
	channel  string
	fee      string
	original string // a further column Query matches, or ""
	statuses []string
}

var orderSources = []orderSource{
	{dashboard.TypePayout, "payouts", "transaction_id", "mch_order_id", "transfer_code", "fee", "",
		[]string{"PENDING", "COMPLETED", "FAILED"}},
	{dashboard.TypePayment, "payments", "transaction_id", "mch_order_id", "channel_code", "fee", "",
		[]string{"PENDING", "COMPLETED", "FAILED", "EXPIRED"}},
	{dashboard.TypeRefund, "refunds", "refund_transaction_id", "mch_refund_order_id", "channel_code", "fee_refunded",
		"original_transaction_id", []string{"PENDING", "COMPLETE", "FAILED", "CANCEL"}},
}

// params collects a statement's arguments and names each $n.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// pageSize is limit within 1..maxPage, defaultPage when unset.
func pageSize(limit int) int {
	if limit <= 0 {
		return defaultPage
	}
	return min(limit, maxPage)
}

// ListOrders returns a page of payouts, payments and refunds, newest first.
// Each table is read on its own, filtered, in (created_at, transaction id)
// order and cut at the page size plus one, so that the merchant's (or the
// gateway's) newest orders come from an index however large the tables;
// the union of those few rows is then ordered and cut again. Tables that
// cannot hold an order of the asked type or status are not read.
func (q queries) ListOrders(ctx context.Context, f dashboard.OrderFilter) (dashboard.OrderPage, error) {
	switch f.Type {
	case "", dashboard.TypePayout, dashboard.TypePayment, dashboard.TypeRefund:
	default:
		return dashboard.OrderPage{}, fmt.Errorf("postgres: list orders: unknown order type %q", f.Type)
	}
	limit := pageSize(f.Limit)
	// Each value is one parameter, which every table's SELECT uses.
	var p params
	var conds []func(src orderSource) string
	if f.MerchantID != "" {
		v := p.add(f.MerchantID)
		conds = append(conds, func(orderSource) string { return "merchant_id = " + v })
	}
	if f.Status != "" {
		v := p.add(f.Status)
		conds = append(conds, func(orderSource) string { return "status = " + v })
	}
	if f.Country != "" {
		v := p.add(f.Country)
		conds = append(conds, func(orderSource) string { return "country_code = " + v })
	}
	if f.Channel != "" {
		v := p.add(f.Channel)
		conds = append(conds, func(src orderSource) string { return src.channel + " = " + v })
	}
	if !f.From.IsZero() {
		v := p.add(f.From)
		conds = append(conds, func(orderSource) string { return "created_at >= " + v })
	}
	if !f.To.IsZero() {
		v := p.add(f.To)
		conds = append(conds, func(orderSource) string { return "created_at < " + v })
	}
	if f.Query != "" {
		v := p.add(f.Query)
		conds = append(conds, func(src orderSource) string {
			c := src.id + " = " + v + " OR " + src.mchID + " = " + v
			if src.original != "" {
				c += " OR " + src.original + " = " + v
			}
			return "(" + c + ")"
		})
	}
	if !f.Before.IsZero() {
		// With BeforeID "" this is created_at < Before: no id is below "".
		at, id := p.add(f.Before), p.add(f.BeforeID)
		conds = append(conds, func(src orderSource) string {
			return "(created_at, " + src.id + ") < (" + at + "::timestamptz, " + id + "::text)"
		})
	}
	n := p.add(limit + 1)
	var selects []string
	for _, src := range orderSources {
		if f.Type != "" && f.Type != src.typ || f.Status != "" && !slices.Contains(src.statuses, f.Status) {
			continue
		}
		where := "true"
		for _, c := range conds {
			where += " AND " + c(src)
		}
		selects = append(selects, `(
			SELECT '`+string(src.typ)+`' AS type, `+src.id+` AS transaction_id, `+src.mchID+` AS mch_order_id,
				merchant_id, app_id, country_code, currency, amount, `+src.fee+` AS fee, `+src.channel+` AS channel,
				status, created_at, finished_at
			FROM `+src.table+`
			WHERE `+where+`
			ORDER BY created_at DESC, `+src.id+` DESC
			LIMIT `+n+`)`)
	}
	if len(selects) == 0 {
		return dashboard.OrderPage{}, nil
	}
	rows, err := q.db.Query(ctx, `
		SELECT type, transaction_id, mch_order_id, merchant_id, app_id, country_code, currency, amount, fee,
			channel, status, created_at, finished_at
		FROM (`+strings.Join(selects, " UNION ALL ")+`) o
		ORDER BY created_at DESC, transaction_id DESC
		LIMIT `+n, p...)
	if err != nil {
		return dashboard.OrderPage{}, translate("list orders", err)
	}
	orders, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dashboard.Order, error) {
		var o dashboard.Order
		var typ string
		var finished *time.Time
		err := r.Scan(&typ, &o.TransactionID, &o.MchOrderID, &o.MerchantID, &o.AppID, &o.Country, &o.Currency,
			&o.Amount, &o.Fee, &o.Channel, &o.Status, &o.CreatedAt, &finished)
		o.Type, o.CreatedAt, o.FinishedAt = dashboard.OrderType(typ), o.CreatedAt.UTC(), fromNull(finished)
		return o, err
	})
	if err != nil {
		return dashboard.OrderPage{}, translate("list orders", err)
	}
	page := dashboard.OrderPage{Orders: orders}
	if len(orders) > limit {
		page.Orders, page.More = orders[:limit], true
	}
	return page, nil
}

// LedgerEntries returns the entries with this ref and their postings,
// entries by time and id, postings in the order they were written.
func (q queries) LedgerEntries(ctx context.Context, ref string) ([]ledger.Entry, error) {
	rows, err := q.db.Query(ctx, `
		SELECT e.id, e.kind, e.ref, e.created_at, p.account_id, p.currency, p.amount
		FROM entries e JOIN postings p ON p.entry_id = e.id
		WHERE e.ref = $1
		ORDER BY e.created_at, e.id, p.seq`,
		ref)
	if err != nil {
		return nil, translate("ledger entries", err)
	}
	var entries []ledger.Entry
	var e ledger.Entry
	var p ledger.Posting
	_, err = pgx.ForEachRow(rows, []any{&e.ID, &e.Kind, &e.Ref, &e.At, &p.Account, &p.Currency, &p.Amount}, func() error {
		if n := len(entries); n == 0 || entries[n-1].ID != e.ID {
			entries = append(entries, ledger.Entry{ID: e.ID, Kind: e.Kind, Ref: e.Ref, At: e.At.UTC()})
		}
		last := &entries[len(entries)-1]
		last.Postings = append(last.Postings, p)
		return nil
	})
	return entries, translate("ledger entries", err)
}

// ListMerchants returns every merchant by name and id, each with its apps
// (oldest first) and fees (by channel). The three tables are read one after
// another, not in one snapshot: a merchant created meanwhile may show
// without its app.
func (q queries) ListMerchants(ctx context.Context) ([]dashboard.MerchantSummary, error) {
	rows, err := q.db.Query(ctx, `SELECT `+merchantColumns+` FROM merchants ORDER BY name, id`)
	if err != nil {
		return nil, translate("list merchants", err)
	}
	merchants, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dashboard.MerchantSummary, error) {
		m, err := scanMerchant(r)
		return dashboard.MerchantSummary{Merchant: m}, err
	})
	if err != nil {
		return nil, translate("list merchants", err)
	}
	index := make(map[string]int, len(merchants))
	for i, m := range merchants {
		index[m.ID] = i
	}
	rows, err = q.db.Query(ctx, `SELECT `+appColumns+` FROM apps ORDER BY merchant_id, created_at, app_id`)
	if err != nil {
		return nil, translate("list apps", err)
	}
	apps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.App, error) { return scanApp(r) })
	if err != nil {
		return nil, translate("list apps", err)
	}
	for _, a := range apps {
		if i, ok := index[a.MerchantID]; ok {
			merchants[i].Apps = append(merchants[i].Apps, a)
		}
	}
	rows, err = q.db.Query(ctx, `SELECT merchant_id, channel, fixed, bps FROM fees ORDER BY merchant_id, channel`)
	if err != nil {
		return nil, translate("list fees", err)
	}
	var fee gateway.Fee
	_, err = pgx.ForEachRow(rows, []any{&fee.MerchantID, &fee.Channel, &fee.Fixed, &fee.BPS}, func() error {
		if i, ok := index[fee.MerchantID]; ok {
			merchants[i].Fees = append(merchants[i].Fees, fee)
		}
		return nil
	})
	if err != nil {
		return nil, translate("list fees", err)
	}
	return merchants, nil
}

// ListStaticCodes returns up to limit static codes of the merchant (of every
// merchant for ""), newest first; limit <= 0 means 50.
func (q queries) ListStaticCodes(ctx context.Context, merchantID string, limit int) ([]gateway.StaticCode, error) {
	if limit <= 0 {
		limit = defaultPage
	}
	var p params
	where := "true"
	if merchantID != "" {
		where = "merchant_id = " + p.add(merchantID)
	}
	rows, err := q.db.Query(ctx, `
		SELECT `+staticCodeColumns+` FROM static_codes
		WHERE `+where+`
		ORDER BY created_at DESC, id DESC
		LIMIT `+p.add(limit), p...)
	if err != nil {
		return nil, translate("list static codes", err)
	}
	codes, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.StaticCode, error) { return scanStaticCode(r) })
	return codes, translate("list static codes", err)
}

// appScope is the condition that restricts outbox rows (alias o) to a
// merchant's apps, adding merchantID to p; "" for every merchant.
func appScope(p *params, merchantID string) string {
	if merchantID == "" {
		return ""
	}
	return " AND o.app_id IN (SELECT app_id FROM apps WHERE merchant_id = " + p.add(merchantID) + ")"
}

// Endpoints groups the window's notifications by URL: those PENDING now,
// and those created or tried since the given time. Pending and Dead count
// these messages; Attempts and Failures their attempts since that time;
// LastError is the response of their latest failed attempt, or failing that
// the latest last error recorded on one of them; LastAttemptAt is their
// latest attempt. The most failures come first, then by URL.
func (q queries) Endpoints(ctx context.Context, merchantID string, since time.Time) ([]dashboard.EndpointHealth, error) {
	p := params{since}
	rows, err := q.db.Query(ctx, `
		WITH ids AS (
			SELECT id FROM outbox WHERE status = 'PENDING'
			UNION SELECT id FROM outbox WHERE topic = 'notify' AND created_at >= $1
			UNION SELECT outbox_id FROM outbox_attempts WHERE at >= $1
		), msgs AS (
			SELECT o.id, o.url, o.status, o.last_error, o.created_at
			FROM outbox o JOIN ids ON ids.id = o.id
			WHERE o.topic = 'notify'`+appScope(&p, merchantID)+`
		), att AS (
			SELECT m.url, a.id, a.at, a.ok, a.response
			FROM msgs m JOIN outbox_attempts a ON a.outbox_id = m.id
		), per_message AS (
			SELECT url, count(*) FILTER (WHERE status = 'PENDING') AS pending,
				count(*) FILTER (WHERE status = 'DEAD') AS dead
			FROM msgs GROUP BY url
		), per_attempt AS (
			SELECT url, count(*) FILTER (WHERE at >= $1) AS attempts,
				count(*) FILTER (WHERE at >= $1 AND NOT ok) AS failures, max(at) AS last_at
			FROM att GROUP BY url
		), last_failure AS (
			SELECT DISTINCT ON (url) url, response FROM att WHERE NOT ok ORDER BY url, at DESC, id DESC
		), last_error AS (
			SELECT DISTINCT ON (url) url, last_error FROM msgs WHERE last_error <> ''
			ORDER BY url, created_at DESC, id DESC
		)
		SELECT m.url, m.pending, m.dead, coalesce(a.attempts, 0) AS attempts, coalesce(a.failures, 0) AS failures,
			coalesce(f.response, e.last_error, ''), a.last_at
		FROM per_message m
			LEFT JOIN per_attempt a USING (url)
			LEFT JOIN last_failure f USING (url)
			LEFT JOIN last_error e USING (url)
		ORDER BY failures DESC, m.url`, p...)
	if err != nil {
		return nil, translate("endpoints", err)
	}
	endpoints, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dashboard.EndpointHealth, error) {
		var h dashboard.EndpointHealth
		var last *time.Time
		err := r.Scan(&h.URL, &h.Pending, &h.Dead, &h.Attempts, &h.Failures, &h.LastError, &last)
		h.LastAttemptAt = fromNull(last)
		return h, err
	})
	return endpoints, translate("endpoints", err)
}

// Volume counts the orders created in [from, to) (a zero time leaves that
// end open) by UTC day, type, channel and currency, in that order. Amount
// sums the succeeded orders' amounts: for payments the amount paid.
func (q queries) Volume(ctx context.Context, merchantID string, from, to time.Time) ([]dashboard.VolumeRow, error) {
	var p params
	where := "true"
	if !from.IsZero() {
		where += " AND created_at >= " + p.add(from)
	}
	if !to.IsZero() {
		where += " AND created_at < " + p.add(to)
	}
	if merchantID != "" {
		where += " AND merchant_id = " + p.add(merchantID)
	}
	rows, err := q.db.Query(ctx, `
		SELECT date_trunc('day', created_at, 'UTC') AS day, type, channel, currency, count(*),
			count(*) FILTER (WHERE status IN ('COMPLETED', 'COMPLETE')),
			count(*) FILTER (WHERE status IN ('FAILED', 'EXPIRED', 'CANCEL')),
			coalesce(sum(amount) FILTER (WHERE status IN ('COMPLETED', 'COMPLETE')), 0)::bigint
		FROM (
			SELECT 'payout' AS type, transfer_code AS channel, currency, amount, status, created_at
			FROM payouts WHERE `+where+`
			UNION ALL
			SELECT 'payment', channel_code, currency, CASE WHEN status = 'COMPLETED' THEN paid_amount ELSE amount END,
				status, created_at
			FROM payments WHERE `+where+`
			UNION ALL
			SELECT 'refund', channel_code, currency, amount, status, created_at
			FROM refunds WHERE `+where+`
		) o
		GROUP BY 1, 2, 3, 4
		ORDER BY 1, 2, 3, 4`, p...)
	if err != nil {
		return nil, translate("volume", err)
	}
	volume, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (dashboard.VolumeRow, error) {
		var v dashboard.VolumeRow
		var typ string
		err := r.Scan(&v.Day, &typ, &v.Channel, &v.Currency, &v.Count, &v.Succeeded, &v.Failed, &v.Amount)
		v.Day, v.Type = v.Day.UTC(), dashboard.OrderType(typ)
		return v, err
	})
	return volume, translate("volume", err)
}

// DeliveryLatencies returns the latencies of the notification attempts made
// since the given time, at most the latest 10,000 of them, shortest first.
// The attempts are read newest first, each message looked up by its key, so
// that the read stops at the 10,000th: a join lets the planner read every
// notification to match them with a day's attempts.
func (q queries) DeliveryLatencies(ctx context.Context, merchantID string, since time.Time) ([]time.Duration, error) {
	p := params{since, maxLatencies}
	rows, err := q.db.Query(ctx, `
		SELECT latency_us FROM (
			SELECT a.latency_us FROM outbox_attempts a
			WHERE a.at >= $1 AND (
				SELECT o.topic = 'notify'`+appScope(&p, merchantID)+` FROM outbox o WHERE o.id = a.outbox_id)
			ORDER BY a.at DESC, a.id DESC
			LIMIT $2
		) l
		ORDER BY latency_us`, p...)
	if err != nil {
		return nil, translate("delivery latencies", err)
	}
	latencies, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (time.Duration, error) {
		var us int64
		err := r.Scan(&us)
		return time.Duration(us) * time.Microsecond, err
	})
	return latencies, translate("delivery latencies", err)
}
