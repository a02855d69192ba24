package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

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
	} {
		code, _, errOut := runCLI(t, freshDB(t, "sqlite"), tc.args...)
		if code == 0 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want non-zero and %q", tc.args, code, errOut, tc.want)
		}
	}
}
