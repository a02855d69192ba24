package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/bench"
)

// TestBench runs `kasir bench --scenario all` with the built binary, as a
// user would, on SQLite and on a fresh PostgreSQL schema, with a small count,
// and checks what its JSON report says happened: every request acknowledged,
// the hot merchant's balance exact and the ledger check passed, every
// notification received and verified, and the gateway's start-up and memory
// measured. SQLite runs with a warm-up and live signing, PostgreSQL
// presigned.
func TestBench(t *testing.T) {
	t.Parallel()
	bin := kasirBinary(t)
	const count = 24
	for _, engine := range engines {
		t.Run(engine, func(t *testing.T) {
			t.Parallel()
			args := []string{"bench", "--scenario", "all", "--count", "24", "--clients", "4", "--merchants", "3", "--json"}
			if engine == "postgres" {
				args = append(args, "--db", freshDB(t, engine), "--presign", "--warmup", "0")
			} else {
				args = append(args, "--warmup", "300ms")
			}
			ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, args...)
			cmd.Dir = t.TempDir()
			cmd.Env = append(os.Environ(), "KASIR_LOG_LEVEL=warn")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			if err := cmd.Run(); err != nil {
				t.Fatalf("kasir %s: %v\nstderr:\n%s", strings.Join(args, " "), err, stderr.String())
			}
			var rep bench.Report
			if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
				t.Fatalf("--json printed no report: %v\n%s", err, stdout.String())
			}
			if !rep.OK || rep.ReadyMS <= 0 || rep.Machine.Database != engine || rep.Machine.Cores < 1 {
				t.Errorf("report: ok %t, ready %v ms, machine %+v", rep.OK, rep.ReadyMS, rep.Machine)
			}
			var names []string
			for _, s := range rep.Scenarios {
				names = append(names, s.Name)
				if s.Requested != count || s.Sent != count || s.OK != count || len(s.Errors) != 0 {
					t.Errorf("%s: requested %d, sent %d, ok %d, errors %v; want all %d acknowledged", s.Name, s.Requested, s.Sent, s.OK, s.Errors, count)
				}
				if s.ReadyMS <= 0 || s.PeakRSSMB <= 0 || s.SampledRSSMaxMB <= 0 || s.PeakRSSMB < s.SampledRSSMaxMB {
					t.Errorf("%s: ready %v ms, peak RSS %v MB, sampled %v MB", s.Name, s.ReadyMS, s.PeakRSSMB, s.SampledRSSMaxMB)
				}
				if s.P50MS <= 0 || s.P90MS < s.P50MS || s.P99MS < s.P90MS || s.MaxMS < s.P99MS {
					t.Errorf("%s: latencies p50 %v, p90 %v, p99 %v, max %v", s.Name, s.P50MS, s.P90MS, s.P99MS, s.MaxMS)
				}
				if engine == "sqlite" && s.Name != bench.ScenarioNotify && s.WarmupOK == 0 {
					t.Errorf("%s: the warm-up acknowledged nothing", s.Name)
				}
				wantBaseline := s.Name == bench.ScenarioPayouts || s.Name == bench.ScenarioHot
				wantConns := map[string]int{"sqlite": 1, "postgres": 4}[engine]
				if b := s.Baseline; wantBaseline && (b == nil || b.Transactions != count || len(b.Errors) != 0 || b.RatePerS <= 0 || b.Ratio <= 0 || b.Conns != wantConns) {
					t.Errorf("%s: baseline %+v, want %d transactions", s.Name, b, count)
				} else if !wantBaseline && b != nil {
					t.Errorf("%s: a baseline %+v", s.Name, b)
				}
			}
			if !slices.Equal(names, bench.Scenarios) {
				t.Fatalf("scenarios %v, want %v", names, bench.Scenarios)
			}
			hot := rep.Scenarios[slices.Index(names, bench.ScenarioHot)]
			if len(hot.Checks) != 2 || !hot.Checks[0].Pass || !hot.Checks[1].Pass ||
				hot.Checks[0].Name != "balance" || hot.Checks[1].Name != "ledger" || hot.Merchants != 1 {
				t.Errorf("hot: %d merchants, checks %+v", hot.Merchants, hot.Checks)
			}
			n := rep.Scenarios[slices.Index(names, bench.ScenarioNotify)].Notify
			if n == nil || n.K != count || n.Received != count || n.BadSignatures != 0 || n.RatePerS <= 0 {
				t.Errorf("notify: %+v, want all %d received and verified", n, count)
			}
			if l := rep.Limits; l == nil || l.RSASignPerCore <= 0 || l.RSAVerifyPerCore <= 0 || l.CommitPerS <= 0 || l.CommitClients != 4 {
				t.Errorf("limits: %+v", l)
			}
			// The table went to stderr.
			if !strings.Contains(stderr.String(), "result: every check passed") || !strings.Contains(stderr.String(), "check balance: PASS") {
				t.Errorf("stderr lacks the table:\n%s", stderr.String())
			}
		})
	}
}

// TestBenchFlags refuses what cannot run.
func TestBenchFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"bench", "--scenario", "payouts,nope"}, `unknown scenario "nope"`},
		{[]string{"bench", "--clients", "0"}, "--clients must be at least 1"},
		{[]string{"bench", "--target", "http://127.0.0.1:1"}, "--target needs --ops"},
		{[]string{"bench", "--scenario", "growth"}, "growth scenario runs on PostgreSQL only"},
	} {
		code, _, errOut := runCLI(t, freshDB(t, "sqlite"), tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// TestBenchGrowth runs `kasir bench --scenario growth` with the built binary
// on a fresh PostgreSQL schema, seeding 20,000 orders, and keeps the bench's
// schema to look at what it left: every seeded payout is there with its
// ledger rows, `kasir ledger check` passes on it, and `kasir report` prints
// as many rows for each downloaded day as the download counted. The
// throughput verdict compares two short timed runs, so it is only required
// to be there, not to pass.
func TestBenchGrowth(t *testing.T) {
	t.Parallel()
	bin := kasirBinary(t)
	const orders, count = 20000, 40
	args := []string{"bench", "--scenario", "growth", "--growth-orders", strconv.Itoa(orders), "--count", strconv.Itoa(count),
		"--clients", "4", "--merchants", "3", "--warmup", "0", "--json", "--keep", "--db", freshDB(t, "postgres")}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "KASIR_LOG_LEVEL=warn")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	kept := keptBench(t, stderr.String())
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("--json printed no report (%v): %v\nstderr:\n%s", runErr, err, stderr.String())
	}
	if len(rep.Scenarios) != 1 || rep.Scenarios[0].Growth == nil {
		t.Fatalf("scenarios %+v, want growth alone", rep.Scenarios)
	}
	s := rep.Scenarios[0]
	g := s.Growth
	checks := map[string]bench.Check{}
	for _, c := range s.Checks {
		checks[c.Name] = c
	}
	for _, name := range []string{"report rows", "report memory", "ledger"} {
		if !checks[name].Pass {
			t.Errorf("check %s: %+v", name, checks[name])
		}
	}
	if thr, ok := checks["throughput"]; !ok || thr.Pass != (g.Ratio >= 0.8) || rep.OK != thr.Pass {
		t.Errorf("throughput %+v with ratio %v, report ok %t", thr, g.Ratio, rep.OK)
	}
	if runErr != nil && (rep.OK || checks["throughput"].Pass) {
		t.Fatalf("kasir %s: %v\nstderr:\n%s", strings.Join(args, " "), runErr, stderr.String())
	}
	if g.Orders != orders || g.SeedS <= 0 || g.MinRatio != 0.8 || g.MaxRSSRiseMB != 32 {
		t.Errorf("seeded %d orders in %v s, min ratio %v, max RSS rise %v", g.Orders, g.SeedS, g.MinRatio, g.MaxRSSRiseMB)
	}
	for name, p := range map[string]bench.GrowthPhase{"empty": g.Empty, "full": g.Full} {
		if p.Sent != count || p.OK != count || len(p.Errors) != 0 || p.RatePerS <= 0 || p.P99MS < p.P50MS || p.P50MS <= 0 ||
			p.PeakRSSMB <= 0 || p.ReadyMS <= 0 {
			t.Errorf("%s: %+v, want all %d acknowledged", name, p, count)
		}
	}
	if s.OK != g.Full.OK || s.RatePerS != g.Full.RatePerS || g.Ratio != g.Full.RatePerS/g.Empty.RatePerS {
		t.Errorf("the row is not the full phase: ok %d, rate %v; ratio %v", s.OK, s.RatePerS, g.Ratio)
	}
	sizes := map[string]int64{}
	for _, tb := range g.Tables {
		if tb.MB <= 0 {
			t.Errorf("table %+v", tb)
		}
		sizes[tb.Name] = tb.Rows
	}
	if sizes["payouts"] < orders || sizes["postings"] < 5*orders {
		t.Errorf("table rows %v", sizes)
	}

	// What the schema holds.
	conn, err := pgx.Connect(ctx, kept)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var payouts, completed, posted, entries, postings, submissions int64
	if err := conn.QueryRow(ctx, `
		SELECT count(*), count(*) FILTER (WHERE p.status = 'COMPLETED' AND p.fee = 1000 + (p.amount * 50 + 5000) / 10000),
			(SELECT count(*) FROM holds h JOIN payouts p ON p.transaction_id = h.id WHERE p.mch_order_id LIKE 'seed-%' AND h.status = 'POSTED' AND h.amount = p.amount + p.fee),
			(SELECT count(*) FROM entries e JOIN payouts p ON p.transaction_id = e.ref WHERE p.mch_order_id LIKE 'seed-%'),
			(SELECT count(*) FROM postings x JOIN entries e ON e.id = x.entry_id JOIN payouts p ON p.transaction_id = e.ref WHERE p.mch_order_id LIKE 'seed-%'),
			(SELECT count(*) FROM outbox o JOIN payouts p ON p.transaction_id = o.transaction_id WHERE p.mch_order_id LIKE 'seed-%' AND o.status = 'DELIVERED')
		FROM payouts p WHERE p.mch_order_id LIKE 'seed-%'`).Scan(&payouts, &completed, &posted, &entries, &postings, &submissions); err != nil {
		t.Fatal(err)
	}
	if payouts != orders || completed != orders || posted != orders || entries != 2*orders || postings != 5*orders || submissions != orders {
		t.Errorf("seeded: %d payouts, %d completed with the bench fee, %d holds posted, %d entries, %d postings, %d submissions; want %d orders",
			payouts, completed, posted, entries, postings, submissions, orders)
	}
	if code, out, errOut := runCLI(t, kept, "ledger", "check"); code != 0 || !strings.Contains(out, "ledger check OK") {
		t.Errorf("kasir ledger check: exit %d\n%s%s", code, out, errOut)
	}
	if len(g.Downloads) != 2 || g.Downloads[1].Rows < orders/10 || g.Downloads[0].Rows >= g.Downloads[1].Rows {
		t.Fatalf("downloads %+v, want a small one and one of at least %d rows", g.Downloads, orders/10)
	}
	for _, d := range g.Downloads {
		code, out, errOut := runCLI(t, kept, "report", "--app", d.AppID, "--date", d.Date, "--type", "payout")
		if code != 0 {
			t.Fatalf("kasir report: exit %d: %s", code, errOut)
		}
		if rows := int64(strings.Count(out, "\n") - 1); rows != d.Rows || d.Bytes != int64(len(out)) || d.PeakRSSMB <= 0 {
			t.Errorf("%s report: kasir report prints %d rows, %d bytes; the download: %+v", d.Name, rows, len(out), d)
		}
	}
}

// keptBench reads where a `kasir bench --keep` kept its database and files,
// and removes them when the test ends; it returns the database.
func keptBench(t *testing.T, stderr string) string {
	t.Helper()
	var db string
	for _, line := range strings.Split(stderr, "\n") {
		if rest, ok := strings.CutPrefix(line, "bench: kept the database "); ok {
			db = strings.TrimSpace(rest)
		} else if rest, ok := strings.CutPrefix(line, "bench: kept "); ok {
			dir, _, _ := strings.Cut(rest, " ")
			if strings.Contains(dir, "kasir-bench-") {
				t.Cleanup(func() { os.RemoveAll(dir) })
			}
		}
	}
	if db == "" {
		t.Fatalf("no kept database in stderr:\n%s", stderr)
	}
	u, err := url.Parse(db)
	if err != nil {
		t.Fatal(err)
	}
	schema := u.Query().Get("search_path")
	if !strings.HasPrefix(schema, "kasir_bench_") {
		t.Fatalf("kept %s, not a bench schema", db)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		if c, err := pgx.Connect(ctx, db); err == nil {
			c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE")
			c.Close(ctx)
		}
	})
	return db
}
