package bench

import (
	"strings"
	"testing"
	"time"
)

// TestGrowthChecks: throughput passes at 80% of the empty rate, not below;
// the reports must count what the database holds; the big download may
// raise the peak RSS by less than the limit only.
func TestGrowthChecks(t *testing.T) {
	t.Parallel()
	good := func() *GrowthResult {
		return &GrowthResult{
			Orders: 1000, MinRatio: growthMinRatio, MaxRSSRiseMB: growthMaxRSSRiseMB, Ratio: 0.8,
			Empty: GrowthPhase{Figures: Figures{OK: 100, RatePerS: 100}}, Full: GrowthPhase{Figures: Figures{OK: 80, RatePerS: 80}},
			Downloads: []Download{{Name: "small", Rows: 10, DBRows: 10, PeakRSSMB: 20}, {Name: "big", Rows: 100, DBRows: 100, PeakRSSMB: 40}},
			RSSRiseMB: 20,
		}
	}
	for _, tc := range []struct {
		name   string
		change func(*GrowthResult)
		want   [3]bool
	}{
		{"OK", func(*GrowthResult) {}, [3]bool{true, true, true}},
		{"Slower", func(g *GrowthResult) { g.Ratio = 0.79 }, [3]bool{false, true, true}},
		{"NothingEmpty", func(g *GrowthResult) { g.Empty.OK, g.Ratio = 0, 0 }, [3]bool{false, true, true}},
		{"RowLost", func(g *GrowthResult) { g.Downloads[1].Rows-- }, [3]bool{true, false, true}},
		{"RSSRose", func(g *GrowthResult) { g.RSSRiseMB = growthMaxRSSRiseMB }, [3]bool{true, true, false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := good()
			tc.change(g)
			got := growthChecks(g)
			if len(got) != 3 || got[0].Pass != tc.want[0] || got[1].Pass != tc.want[1] || got[2].Pass != tc.want[2] {
				t.Fatalf("checks %+v, want passes %v", got, tc.want)
			}
		})
	}
}

// TestGrowthOptions: growth needs PostgreSQL and a spawned gateway, and
// seeds DefaultGrowthOrders unless told.
func TestGrowthOptions(t *testing.T) {
	t.Parallel()
	base := Options{Scenarios: []string{ScenarioGrowth}, Clients: 1, Merchants: 1, Duration: time.Second, Exe: "kasir",
		DB: "postgres://127.0.0.1/x"}
	o := base
	if err := o.validate(); err != nil || o.GrowthOrders != DefaultGrowthOrders {
		t.Fatalf("validate: %v, %d orders", err, o.GrowthOrders)
	}
	o = base
	o.DB = "/tmp/kasir.db"
	if err := o.validate(); err == nil || !strings.Contains(err.Error(), "PostgreSQL only") {
		t.Fatalf("on SQLite: %v", err)
	}
	o = base
	o.Target, o.Ops = "http://127.0.0.1:1", "http://127.0.0.1:2"
	if err := o.validate(); err == nil || !strings.Contains(err.Error(), "--target") {
		t.Fatalf("with a target: %v", err)
	}
}

// TestSeedPlan: a tenth of the orders on the big day of the first merchant,
// the rest over growthDays before today; the small report's day is another.
func TestSeedPlan(t *testing.T) {
	t.Parallel()
	ms := []*merchant{{id: "M1"}, {id: "M2"}, {id: "M3"}}
	now := time.Date(2026, 11, 24, 1, 30, 0, 0, time.UTC) // 09:30 in Manila
	p := newSeedPlan(ms, 20000, now)
	if p.big != 2000 || p.bigDate != "2026-11-23" || p.smallDate != "2026-10-24" || p.small != ms[2] {
		t.Fatalf("plan: big %d on %s, small %s of %s", p.big, p.bigDate, p.smallDate, p.small.id)
	}
	if p.span != growthDays*24*time.Hour || !p.from.Add(p.span).Equal(p.bigFrom.AddDate(0, 0, 1)) {
		t.Fatalf("spread from %v over %v; big day from %v", p.from, p.span, p.bigFrom)
	}
	if q := newSeedPlan(ms, 5, now); q.big != 1 {
		t.Fatalf("5 orders: %d on the big day", q.big)
	}
}
