package reports_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/reports"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// rawExecer is the test-only statement runner both stores have.
type rawExecer interface {
	ExecRawForTest(ctx context.Context, query string, args ...any) error
}

// bulkPayouts inserts n PENDING payouts of app1, transaction ids D<day>nnnnnnn,
// created a millisecond apart from start, with one statement per engine.
func bulkPayouts(t *testing.T, b *bundle, engine string, day string, start time.Time, n int) {
	t.Helper()
	raw, ok := b.st.(rawExecer)
	if !ok {
		t.Fatalf("%T has no ExecRawForTest", b.st)
	}
	const cols = `transaction_id, app_id, merchant_id, mch_order_id, country_code, currency, amount, fee,
		pay_method, transfer_code, account_no, status, channel_state, created_at, updated_at`
	var err error
	switch engine {
	case "postgres":
		err = raw.ExecRawForTest(b.ctx, `
			INSERT INTO payouts (`+cols+`)
			SELECT 'D' || $1 || lpad(g::text, 7, '0'), 'app1', 'M1', 'order-' || $1 || g, 'PH', 'PHP', 100000 + g, 1500,
				'BANK', 'BDO', '00123' || lpad(g::text, 7, '0'), 'PENDING', 'NEW',
				$2::timestamptz + g * interval '1 millisecond', $2::timestamptz + g * interval '1 millisecond'
			FROM generate_series(1, $3::int) g`, day, start, n)
	case "sqlite":
		err = raw.ExecRawForTest(b.ctx, `
			WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < ?3)
			INSERT INTO payouts (`+cols+`)
			SELECT 'D' || ?1 || substr('0000000' || n, -7), 'app1', 'M1', 'order-' || ?1 || n, 'PH', 'PHP', 100000 + n, 1500,
				'BANK', 'BDO', '00123' || substr('0000000' || n, -7), 'PENDING', 'NEW', ?2 + n, ?2 + n
			FROM g`, day, start.UnixMilli(), n)
	default:
		t.Fatalf("no bulk insert for engine %s", engine)
	}
	if err != nil {
		t.Fatalf("bulk insert: %v", err)
	}
}

// heapProbe is an io.Writer that discards what it gets and, every so many
// writes, collects garbage and records the live heap: what the report holds
// while it streams.
type heapProbe struct {
	writes, lines int
	peak          uint64
}

func (p *heapProbe) Write(b []byte) (int, error) {
	for _, c := range b {
		if c == '\n' {
			p.lines++
		}
	}
	p.writes++
	if p.writes%32 == 0 {
		p.sample()
	}
	return len(b), nil
}

func (p *heapProbe) sample() {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p.peak = max(p.peak, ms.HeapAlloc)
}

// streamPeak writes the PH payout report of date and returns the live heap
// at its largest, less the live heap before it began.
func streamPeak(t *testing.T, b *bundle, date string, wantRows int) uint64 {
	t.Helper()
	probe := &heapProbe{}
	probe.sample()
	base := probe.peak
	probe.peak = 0
	if err := reports.Write(b.ctx, b.st, probe, reports.Query{AppID: "app1", Country: "PH", Date: date, Type: reports.TypePayout}); err != nil {
		t.Fatal(err)
	}
	if probe.lines != wantRows+1 {
		t.Fatalf("%s: %d lines, want %d rows and a header", date, probe.lines, wantRows)
	}
	if probe.peak < base {
		return 0
	}
	return probe.peak - base
}

// TestConstantMemory streams a report of 10,000 and one of 100,000 payouts
// and checks that the live heap while streaming does not grow with the rows:
// holding 100,000 payouts would take tens of megabytes. It does not run in
// parallel, so that no other test's garbage counts.
func TestConstantMemory(t *testing.T) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			b := setup(t, eng)
			bulkPayouts(t, b, eng.Name, "1", at(1, 0, 0), 10_000)
			bulkPayouts(t, b, eng.Name, "2", at(1, 0, 0).AddDate(0, 0, 1), 100_000)
			small := streamPeak(t, b, "2026-11-23", 10_000)
			large := streamPeak(t, b, "2026-11-24", 100_000)
			t.Logf("live heap while streaming: 10,000 rows +%d KiB, 100,000 rows +%d KiB", small>>10, large>>10)
			const slack = 2 << 20
			if large > small+slack {
				t.Errorf("streaming 100,000 rows held %d KiB more than 10,000 rows: the report is not streamed", (large-small)>>10)
			}
		})
	}
}
