package gateway_test

// The deterministic simulation: from a seed, thousands of random steps
// (payouts, payments, static codes, refunds, channel answers and callbacks
// duplicated, reordered, late or lost, timeouts, a failing notification
// endpoint, clock jumps) run through the core against a reference model of
// what every balance and order must be (simmodel_test.go). On a difference
// the test prints the seed and the shortest failing sequence it can find,
// with the command that replays it.
//
//	go test ./gateway -run 'TestSimulation$'                      # CI: new seeds for -sim.duration (15s)
//	go test ./gateway -run 'TestSimulation$' -sim.duration=10m    # the long run
//	go test ./gateway -run 'TestSimulation$' -sim.seed=N          # replay (and shrink) one seed
//
// Other flags: -sim.seeds (a count instead of a duration), -sim.base (the
// first seed; random by default), -sim.ops (steps per seed), -sim.keep (the
// steps of a shrunk sequence), -sim.engine (sqlite or postgres for
// -sim.seed), -sim.pgseeds (seeds also run on PostgreSQL), -sim.inject
// (plant a known bug), -sim.shrink (time to spend shrinking).

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/store/postgres"
	"github.com/kasir-gateway/kasir/store/sqlite"
	"github.com/kasir-gateway/kasir/store/storetest"
)

var (
	simSeedFlag     = flag.Uint64("sim.seed", 0, "simulation: run only this seed, and shrink it if it fails")
	simSeedsFlag    = flag.Int("sim.seeds", 0, "simulation: run this many seeds (0: as many as -sim.duration allows)")
	simDurationFlag = flag.Duration("sim.duration", 15*time.Second, "simulation: how long to run new seeds on SQLite")
	simBaseFlag     = flag.Uint64("sim.base", 0, "simulation: the first seed of a many-seed run (0: random)")
	simOpsFlag      = flag.Int("sim.ops", 2000, "simulation: steps per seed")
	simKeepFlag     = flag.String("sim.keep", "", "simulation: replay only these steps of -sim.seed (comma-separated indexes)")
	simEngineFlag   = flag.String("sim.engine", "sqlite", "simulation: the engine -sim.seed runs on (sqlite or postgres)")
	simPGSeedsFlag  = flag.Int("sim.pgseeds", 2, "simulation: seeds also run on PostgreSQL")
	simInjectFlag   = flag.Bool("sim.inject", false, "simulation: plant a known bug (a failed order's hold is never released)")
	simShrinkFlag   = flag.Duration("sim.shrink", 2*time.Minute, "simulation: how long to spend shrinking a failing sequence")
)

func TestSimulation(t *testing.T) {
	t.Parallel()
	if *simSeedFlag != 0 {
		eng := simSQLite(t)
		if *simEngineFlag == "postgres" {
			eng = simPostgres(t)
		}
		keep, err := simParseKeep(*simKeepFlag)
		if err != nil {
			t.Fatal(err)
		}
		simOne(t, eng, *simSeedFlag, *simOpsFlag, keep, *simInjectFlag)
		return
	}
	base := *simBaseFlag
	for base == 0 {
		var b [8]byte
		rand.Read(b[:])
		base = binary.LittleEndian.Uint64(b[:]) >> 40 // short enough to type
	}
	duration := *simDurationFlag
	if testing.Short() {
		duration = min(duration, 3*time.Second)
	}
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		simMany(t, simSQLite(t), base, duration)
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		for i := range *simPGSeedsFlag {
			if _, ok := simOne(t, simPostgres(t), base+uint64(i), *simOpsFlag/3, nil, *simInjectFlag); !ok {
				return
			}
		}
	})
}

// The simulation has teeth: with a planted bug (the entry that releases a
// failed order's hold is dropped) a run fails on the balances, shrinking
// brings it down to a few steps, and those steps pass without the bug.
func TestSimulationCatchesPlantedBug(t *testing.T) {
	t.Parallel()
	eng := simSQLite(t)
	all := simGenerate(1, 300, simMerchants)
	idx := make([]int, len(all))
	for i := range idx {
		idx[i] = i
	}
	try := func(idx []int) error {
		_, _, err := simTry(t, eng, 1, simPick(all, idx), true)
		return err
	}
	if err := try(idx); simCheckOf(err) != "balance" {
		t.Fatalf("with the planted bug the run ended with %v; want a balance difference", err)
	}
	small, err, runs := simShrink(try, idx, "balance", 30*time.Second, 300)
	if len(small) > 3 || simCheckOf(err) != "balance" {
		t.Fatalf("shrunk to %d steps in %d runs, failing with %v; want at most 3 failing on the balances", len(small), runs, err)
	}
	if _, _, err := simTry(t, eng, 1, simPick(all, small), false); err != nil {
		t.Fatalf("without the bug the shrunk steps %v fail too: %v", small, err)
	}
}

// simMany runs seeds from base on eng for d (or -sim.seeds of them),
// stopping at the first that fails. The first seed runs twice, to see that
// a run is a function of its seed.
func simMany(t *testing.T, eng simEngine, base uint64, d time.Duration) {
	deadline := time.Now().Add(d)
	ran, first := 0, uint64(0)
	for seed := base; ; seed++ {
		if n := *simSeedsFlag; (n > 0 && ran >= n) || (n == 0 && ran > 0 && time.Now().After(deadline)) {
			break
		}
		digest, ok := simOne(t, eng, seed, *simOpsFlag, nil, *simInjectFlag)
		if !ok {
			return
		}
		if ran == 0 {
			first = digest
		}
		ran++
	}
	again, _, err := simTry(t, eng, base, simGenerate(base, *simOpsFlag, simMerchants), *simInjectFlag)
	if again != first || err != nil {
		t.Errorf("seed %d is not deterministic: two runs gave digests %x and %x (%v)", base, first, again, err)
	}
	t.Logf("%d seeds from %d, %d steps each, on %s, passed (replay one with -sim.seed=N)", ran, base, *simOpsFlag, eng.name)
}

// simOne runs seed's sequence (only the steps in keep, when given) and on a
// failure reports it with a shrunk sequence; it returns the run's digest
// and whether it passed.
func simOne(t *testing.T, eng simEngine, seed uint64, n int, keep []int, inject bool) (uint64, bool) {
	all := simGenerate(seed, n, simMerchants)
	if keep == nil {
		for i := range all {
			keep = append(keep, i)
		}
	}
	try := func(idx []int) error {
		_, _, err := simTry(t, eng, seed, simPick(all, idx), inject)
		return err
	}
	digest, summary, err := simTry(t, eng, seed, simPick(all, keep), inject)
	if err == nil {
		if *simSeedFlag != 0 {
			t.Logf("seed %d on %s passed: %s", seed, eng.name, summary)
		}
		return digest, true
	}
	t.Errorf("simulation: seed %d on %s failed: %v", seed, eng.name, err)
	start := time.Now()
	small, smallErr, runs := simShrink(try, keep, simCheckOf(err), *simShrinkFlag, 5000)
	var b strings.Builder
	fmt.Fprintf(&b, "setup from the seed: %s\n", strings.SplitN(summary, "\n", 2)[0])
	fmt.Fprintf(&b, "shrunk from %d to %d steps in %d runs (%s); they fail with:\n    %v\n", len(keep), len(small), runs,
		time.Since(start).Round(time.Millisecond), smallErr)
	for _, i := range small {
		fmt.Fprintf(&b, "  #%-5d %s\n", i, all[i])
	}
	cmd := fmt.Sprintf("go test ./gateway -run 'TestSimulation$' -sim.seed=%d -sim.ops=%d", seed, n)
	if eng.name != "sqlite" {
		cmd += " -sim.engine=" + eng.name
	}
	if inject {
		cmd += " -sim.inject"
	}
	fmt.Fprintf(&b, "replay the shrunk sequence:\n  %s -sim.keep=%s\nreplay and shrink the whole seed:\n  %s",
		cmd, simFormatKeep(small), cmd)
	t.Error(b.String())
	return digest, false
}

// simTry runs ops on a fresh store of eng and returns the run's digest and
// summary.
func simTry(t *testing.T, eng simEngine, seed uint64, ops []simOp, inject bool) (uint64, string, error) {
	st, closeStore := eng.open(t)
	defer closeStore()
	e, err := simRun(context.Background(), st, seed, ops, inject)
	if e == nil {
		return 0, "", err
	}
	return e.trace.Sum64(), e.summary(), err
}

func simPick(all []simOp, idx []int) []simOp {
	ops := make([]simOp, len(idx))
	for i, j := range idx {
		ops[i] = all[j]
	}
	return ops
}

// simShrink removes chunks of steps, halving their size down to single
// steps, while the remaining steps still fail the same check, until it has
// spent budget or maxRuns runs. It returns the smallest failing selection,
// its failure and how many runs it took.
func simShrink(try func([]int) error, keep []int, check string, budget time.Duration, maxRuns int) ([]int, error, int) {
	deadline := time.Now().Add(budget)
	runs := 0
	var last error
	for chunk := len(keep) / 2; chunk >= 1; {
		removed := false
		for start := 0; start < len(keep) && runs < maxRuns && time.Now().Before(deadline); {
			cand := append(append([]int(nil), keep[:start]...), keep[min(start+chunk, len(keep)):]...)
			runs++
			if err := try(cand); err != nil && simCheckOf(err) == check {
				keep, last, removed = cand, err, true
				continue
			}
			start += chunk
		}
		if runs >= maxRuns || !time.Now().Before(deadline) {
			break
		}
		if !removed {
			chunk /= 2
		}
	}
	if last == nil {
		last = try(keep)
	}
	return keep, last, runs
}

func simFormatKeep(idx []int) string {
	s := make([]string, len(idx))
	for i, j := range idx {
		s[i] = strconv.Itoa(j)
	}
	return strings.Join(s, ",")
}

func simParseKeep(s string) ([]int, error) {
	if s == "" {
		return nil, nil
	}
	var idx []int
	for _, f := range strings.Split(s, ",") {
		i, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || i < 0 || i >= *simOpsFlag {
			return nil, fmt.Errorf("-sim.keep: %q is not a step index below -sim.ops=%d", f, *simOpsFlag)
		}
		idx = append(idx, i)
	}
	return idx, nil
}

// simEngine opens fresh, migrated stores of one engine; each is closed by
// the function open returns with it.
type simEngine struct {
	name string
	open func(t *testing.T) (storetest.Store, func())
}

// simSQLite opens each store on a new file of a directory of its own
// (/dev/shm when there is one: a run writes thousands of transactions).
func simSQLite(t *testing.T) simEngine {
	dir, err := os.MkdirTemp("/dev/shm", "kasir-sim-")
	if err != nil {
		dir = t.TempDir()
	} else {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	n := 0
	return simEngine{name: "sqlite", open: func(t *testing.T) (storetest.Store, func()) {
		n++
		path := filepath.Join(dir, fmt.Sprintf("sim%d.db", n))
		s, err := sqlite.Open(context.Background(), path)
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s, func() {
			s.Close()
			for _, suffix := range []string{"", "-wal", "-shm"} {
				os.Remove(path + suffix)
			}
		}
	}}
}

// simPostgres opens each store in a new schema, dropped when the test ends.
func simPostgres(t *testing.T) simEngine {
	return simEngine{name: "postgres", open: func(t *testing.T) (storetest.Store, func()) {
		dsn, _ := storetest.PostgresSchema(t)
		// A run commits thousands of transactions that nothing needs to
		// survive a crash of the server; pgx sends the setting at connect.
		if strings.Contains(dsn, "://") {
			dsn += "&synchronous_commit=off"
		} else {
			dsn += " synchronous_commit=off"
		}
		s, err := postgres.Open(context.Background(), dsn, postgres.WithMaxConns(4))
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s, s.Close
	}}
}
