package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// seedPlan is where the seeded orders go.
type seedPlan struct {
	merchants []*merchant
	orders    int64
	big       int64     // orders i < big: the big day of merchants[0]
	bigFrom   time.Time // the big day's local midnight
	from      time.Time // the others: from here over growthDays, round the merchants
	span      time.Duration
	bigDate   string
	small     *merchant // the small report's app, on smallDate
	smallDate string
	loc       *time.Location
}

func newSeedPlan(ms []*merchant, orders int64, now time.Time) *seedPlan {
	loc := gateway.Countries[country].Location
	y, m, d := now.In(loc).Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, loc)
	p := &seedPlan{merchants: ms, orders: orders, big: max(orders/10, 1), loc: loc,
		bigFrom: today.AddDate(0, 0, -1), from: today.AddDate(0, 0, -growthDays), small: ms[len(ms)-1]}
	p.span = today.Sub(p.from)
	p.bigDate = p.bigFrom.Format(dateLayout)
	p.smallDate = p.bigFrom.AddDate(0, 0, -growthSmallBack).Format(dateLayout)
	return p
}

// dateLayout is a report's date: yyyy-MM-dd.
const dateLayout = "2006-01-02"

// seedRows is the SELECT of the seeded orders i in [@lo, @hi): for each, k
// (its merchant's index in the plan), its transaction id, creation time,
// amount and fee. Order i < @big is on the big day of merchant 0; order
// i >= @big is the j-th, j = i - @big, of the rest, on merchant j mod @m at
// j/@rest of the span after @from. Transaction ids are the gateway's: the
// milliseconds since its epoch, a node (1023 for the big day's, 1022 for the
// rest) and a sequence, the order's number within its part mod 4096 (orders
// of one part in one millisecond are consecutive, so they never share one).
const seedRows = `
	SELECT t.i, t.k, t.created_at, t.amount, @fixed::bigint + (t.amount * @bps::bigint + 5000) / 10000 AS fee,
		'D' || (((t.at_ms - @epoch::bigint) << 22) | (t.node << 12) | (t.seq % 4096)) AS txid
	FROM (
		SELECT i,
			CASE WHEN i < @big::bigint THEN 0 ELSE (i - @big::bigint) % @m::bigint END AS k,
			CASE WHEN i < @big::bigint THEN @big_from_ms::bigint + i * 86400000 / @big::bigint
				ELSE @from_ms::bigint + (i - @big::bigint) * @span_ms::bigint / @rest::bigint END AS at_ms,
			timestamptz 'epoch' + (CASE WHEN i < @big::bigint THEN @big_from_ms::bigint + i * 86400000 / @big::bigint
				ELSE @from_ms::bigint + (i - @big::bigint) * @span_ms::bigint / @rest::bigint END) * interval '1 millisecond' AS created_at,
			CASE WHEN i < @big::bigint THEN 1023::bigint ELSE 1022::bigint END AS node,
			CASE WHEN i < @big::bigint THEN i ELSE i - @big::bigint END AS seq,
			10000 + (i * 7919) % 990001 AS amount
		FROM generate_series(@lo::bigint, @hi::bigint - 1) AS i
	) t`

// seedInsert inserts the seeded orders i in [@lo, @hi) with all their rows,
// as a completed payout leaves them, and returns per merchant index k the
// orders, their amount plus fee, amounts and fees.
const seedInsert = `
	WITH r AS MATERIALIZED (
		SELECT s.*, s.amount + s.fee AS total,
			(@apps::text[])[s.k + 1] AS app_id, (@merchants::text[])[s.k + 1] AS merchant_id,
			(@available::text[])[s.k + 1] AS available, (@held::text[])[s.k + 1] AS held,
			s.created_at + interval '40 milliseconds' AS submitted_at,
			s.created_at + interval '1 second' + (s.i % 2000) * interval '1 millisecond' AS finished_at
		FROM (` + seedRows + `) s),
	pay AS (
		INSERT INTO payouts (transaction_id, app_id, merchant_id, mch_order_id, idempotency_id, country_code,
			currency, amount, fee, pay_method, transfer_code, account_no, account_name, account_type, mobile,
			notify_url, remark, status, failed_code, failed_message, channel_state, channel_ref,
			created_at, updated_at, finished_at, submitted_at,
			cci_account_no, id_type, id_card, email, dialect, connector)
		SELECT txid, app_id, merchant_id, 'seed-' || i, NULL, @country::text,
			@currency::text, amount, fee, 'BANK', @bank::text, lpad(((i * 104729) % 10000000000)::text, 10, '0'), 'Juan Dela Cruz', '', '',
			'', '', 'COMPLETED', 0, '', 'DONE', 'SIM' || txid,
			created_at, finished_at, finished_at, submitted_at,
			'', '', '', '', '', 'sim'
		FROM r),
	hold AS (
		INSERT INTO holds (id, merchant_id, currency, amount, status, created_at, updated_at)
		SELECT txid, merchant_id, @currency::text, total, 'POSTED', created_at, finished_at FROM r),
	entry AS (
		INSERT INTO entries (id, kind, ref, created_at)
		SELECT txid || ':hold', 'hold', txid, created_at FROM r
		UNION ALL SELECT txid || ':post', 'post', txid, finished_at FROM r),
	posting AS (
		INSERT INTO postings (entry_id, seq, account_id, currency, amount)
		SELECT txid || ':hold', 0, available, @currency::text, -total FROM r
		UNION ALL SELECT txid || ':hold', 1, held, @currency::text, total FROM r
		UNION ALL SELECT txid || ':post', 0, held, @currency::text, -total FROM r
		UNION ALL SELECT txid || ':post', 1, @channel::text, @currency::text, amount FROM r
		UNION ALL SELECT txid || ':post', 2, @revenue::text, @currency::text, fee FROM r),
	submission AS (
		INSERT INTO outbox (topic, app_id, transaction_id, event, url, payload, status, attempts,
			next_attempt_at, created_at, delivered_at, last_error)
		SELECT 'submit', app_id, txid, '', '', NULL, 'DELIVERED', 1, created_at, created_at, submitted_at, '' FROM r
		RETURNING id, delivered_at),
	attempt AS (
		INSERT INTO outbox_attempts (outbox_id, at, http_status, response, latency_us, ok)
		SELECT id, delivered_at, 0, 'submitted', 30000, true FROM submission)
	SELECT k, count(*), sum(total)::bigint, sum(amount)::bigint, sum(fee)::bigint FROM r GROUP BY k`

// args are the named arguments of seedRows and seedInsert for [lo, hi).
func (p *seedPlan) args(lo, hi int64) pgx.NamedArgs {
	var apps, ids, available, held []string
	for _, m := range p.merchants {
		apps, ids = append(apps, m.appID), append(ids, m.id)
		available, held = append(available, ledger.MerchantAvailable(m.id, currency)), append(held, ledger.MerchantHeld(m.id, currency))
	}
	return pgx.NamedArgs{
		"lo": lo, "hi": hi, "big": p.big, "m": len(p.merchants), "rest": max(p.orders-p.big, 1),
		"big_from_ms": p.bigFrom.UnixMilli(), "from_ms": p.from.UnixMilli(), "span_ms": p.span.Milliseconds(),
		"epoch": idEpochMS, "fixed": feeFixed, "bps": feeBPS,
		"apps": apps, "merchants": ids, "available": available, "held": held,
		"country": country, "currency": currency, "bank": payoutBank,
		"channel": ledger.Channel(payoutBank, currency), "revenue": ledger.PlatformRevenue(currency),
	}
}

// idEpochMS is the gateway's transaction id epoch, 2020-01-01 UTC, in Unix
// milliseconds.
var idEpochMS = time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC).UnixMilli()

// seedTables are the tables seeding writes, reported with their sizes.
var seedTables = []string{"payouts", "holds", "entries", "postings", "outbox", "outbox_attempts", "accounts"}

// seed funds the plan's merchants with what their seeded orders cost, then
// inserts the orders in chunks of growthChunk, one transaction each, moving
// the balances of the accounts by their postings' sums; then ANALYZE and the
// tables' sizes.
func (b *bench) seed(ctx context.Context, p *seedPlan, g *GrowthResult) error {
	conn, err := pgx.Connect(ctx, b.opts.DB)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	start := time.Now()
	b.say("bench growth: seeding %d orders (funding the %d merchants first)", p.orders, len(p.merchants))
	if err := b.fund(ctx, conn, p); err != nil {
		return err
	}
	if err := b.seedChunks(ctx, p, g, start); err != nil {
		return err
	}
	g.SeedS = time.Since(start).Seconds()
	g.SeedPerS = float64(g.Orders) / g.SeedS
	start = time.Now()
	b.say("bench growth: ANALYZE")
	if _, err := conn.Exec(ctx, "ANALYZE "+strings.Join(seedTables, ", ")); err != nil {
		return fmt.Errorf("bench: growth: analyze: %w", err)
	}
	g.AnalyzeS = time.Since(start).Seconds()
	if g.Tables, err = tableSizes(ctx, conn); err != nil {
		return err
	}
	b.say("bench growth: seeded %d orders in %.0f s (%.0f/s), ANALYZE %.1f s; %s", g.Orders, g.SeedS, g.SeedPerS, g.AnalyzeS, tablesText(g.Tables))
	return nil
}

// fund credits each of the plan's merchants, through the core, with what
// its seeded orders will cost (the sums come from seedRows itself), and
// creates every account their postings name that does not exist yet: a
// merchant that took no payout has no held account.
func (b *bench) fund(ctx context.Context, conn *pgx.Conn, p *seedPlan) error {
	rows, err := conn.Query(ctx, `SELECT k, sum(amount + fee)::bigint FROM (`+seedRows+`) s GROUP BY k ORDER BY k`, p.args(0, p.orders))
	if err != nil {
		return fmt.Errorf("bench: growth: price the seeded orders: %w", err)
	}
	costs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (c [2]int64, err error) {
		return c, r.Scan(&c[0], &c[1])
	})
	if err != nil {
		return fmt.Errorf("bench: growth: price the seeded orders: %w", err)
	}
	for _, c := range costs {
		if err := b.core.Credit(ctx, p.merchants[c[0]].id, currency, c[1]); err != nil {
			return fmt.Errorf("bench: growth: fund merchant %s: %w", p.merchants[c[0]].id, err)
		}
	}
	accounts := []string{ledger.Channel(payoutBank, currency), ledger.PlatformRevenue(currency)}
	for _, m := range p.merchants {
		accounts = append(accounts, ledger.MerchantAvailable(m.id, currency), ledger.MerchantHeld(m.id, currency))
	}
	nonNeg := make([]bool, len(accounts))
	for i, a := range accounts {
		nonNeg[i] = ledger.NonNegative(a)
	}
	if _, err := conn.Exec(ctx, `
		INSERT INTO accounts (id, currency, balance, non_negative)
		SELECT a.id, $3, 0, a.non_negative FROM unnest($1::text[], $2::boolean[]) AS a (id, non_negative)
		ON CONFLICT (id) DO NOTHING`, accounts, nonNeg, currency); err != nil {
		return fmt.Errorf("bench: growth: create the accounts: %w", err)
	}
	return nil
}

// tableSizes returns the sizes of seedTables.
func tableSizes(ctx context.Context, conn *pgx.Conn) ([]TableSize, error) {
	rows, err := conn.Query(ctx, `
		SELECT t, c.reltuples::bigint, pg_total_relation_size(c.oid)
		FROM unnest($1::text[]) WITH ORDINALITY AS u (t, n) JOIN pg_class c ON c.oid = to_regclass(u.t)
		ORDER BY u.n`, seedTables)
	if err != nil {
		return nil, fmt.Errorf("bench: growth: table sizes: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (t TableSize, err error) {
		var bytes int64
		err = r.Scan(&t.Name, &t.Rows, &bytes)
		t.MB = float64(bytes) / mb
		return t, err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: growth: table sizes: %w", err)
	}
	return out, nil
}

// seedChunks inserts the plan's orders, growthChunk at a time, on
// growthSeedConns connections, saying how far it got after each chunk.
func (b *bench) seedChunks(ctx context.Context, p *seedPlan, g *GrowthResult, start time.Time) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conns, checked, err := b.seedConns(ctx)
	defer func() {
		for _, c := range conns {
			c.Close(context.WithoutCancel(ctx))
		}
	}()
	if err != nil {
		return err
	}
	if g.ForeignKeysChecked = checked; checked {
		b.say("bench growth: not a superuser, so the seeded rows' foreign keys are checked one by one (slower)")
	}
	chunks := make(chan int64)
	go func() {
		defer close(chunks)
		for lo := int64(0); lo < p.orders; lo += growthChunk {
			select {
			case chunks <- lo:
			case <-ctx.Done():
				return
			}
		}
	}()
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for _, conn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range chunks {
				n, err := b.seedChunk(ctx, conn, p, lo, min(lo+growthChunk, p.orders))
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
					cancel()
				}
				g.Orders += n
				if err == nil {
					el := time.Since(start)
					b.say("bench growth: seeded %d of %d orders (%.0f%%) in %.0f s, %.0f/s",
						g.Orders, p.orders, 100*float64(g.Orders)/float64(p.orders), el.Seconds(), float64(g.Orders)/el.Seconds())
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return firstErr
}

// seedConns opens growthSeedConns connections for seeding, each with the
// foreign keys' triggers off when it may: the seeded rows refer to one
// another correctly by construction, and checking each foreign key row by
// row (a trigger per posting) takes most of the time. Turning them off
// takes a superuser, as pg_restore --disable-triggers does; checked tells
// that they stay on. The caller closes the connections, also after an
// error.
func (b *bench) seedConns(ctx context.Context) (conns []*pgx.Conn, checked bool, err error) {
	for range growthSeedConns {
		c, err := pgx.Connect(ctx, b.opts.DB)
		if err != nil {
			return conns, checked, fmt.Errorf("bench: %w", err)
		}
		conns = append(conns, c)
		if _, err := c.Exec(ctx, "SET session_replication_role = replica"); err != nil {
			checked = true
		}
	}
	return conns, checked, nil
}

// seedChunk inserts orders [lo, hi) and moves the balances by their
// postings, in one transaction, and returns how many it inserted.
func (b *bench) seedChunk(ctx context.Context, conn *pgx.Conn, p *seedPlan, lo, hi int64) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, seedInsert, p.args(lo, hi))
		if err != nil {
			return err
		}
		sums, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (s [5]int64, err error) {
			return s, r.Scan(&s[0], &s[1], &s[2], &s[3], &s[4])
		})
		if err != nil {
			return err
		}
		delta := map[string]int64{}
		for _, s := range sums {
			m := p.merchants[s[0]]
			n += s[1]
			delta[ledger.MerchantAvailable(m.id, currency)] -= s[2]
			delta[ledger.Channel(payoutBank, currency)] += s[3]
			delta[ledger.PlatformRevenue(currency)] += s[4]
		}
		ids := slices.Sorted(maps.Keys(delta))
		amounts := make([]int64, len(ids))
		for i, id := range ids {
			amounts[i] = delta[id]
		}
		// Lock in account order, as the store does, then move the balances.
		if _, err := tx.Exec(ctx, `SELECT id FROM accounts WHERE id = ANY($1) ORDER BY id FOR NO KEY UPDATE`, ids); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `
			UPDATE accounts a SET balance = a.balance + d.amount
			FROM unnest($1::text[], $2::bigint[]) AS d (id, amount) WHERE a.id = d.id`, ids, amounts)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("bench: growth: seed orders %d to %d: %w", lo, hi-1, err)
	}
	return n, nil
}
