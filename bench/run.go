package bench

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/client"
)

// bench is one run in progress.
type bench struct {
	opts  Options
	core  Core
	fleet *fleet
	hc    *http.Client
}

// Run onboards the bench merchants through core, runs the scenarios of opts
// one after the other, then measures the limits. It returns the report and
// an error when the run could not be carried out (then the report holds the
// scenarios done so far); failed checks are not errors: Report.OK tells.
func Run(ctx context.Context, opts Options, core Core) (*Report, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	rep := &Report{Machine: machine(), OK: true, Gateway: "spawned per scenario: " + filepath.Base(opts.Exe) + " serve"}
	if opts.Target != "" {
		rep.Gateway = "at " + opts.Target
	}
	var err error
	if rep.Machine.Database, rep.Machine.DBVersion, err = dbVersion(ctx, opts.DB); err != nil {
		return nil, err
	}
	b := &bench{opts: opts, core: core, hc: newHTTPClient(opts.Clients)}
	// Growth loads the spread merchants, as mix does; setupFleet onboards
	// them for the scenarios that use them.
	fleetOpts := opts
	if slices.Contains(opts.Scenarios, ScenarioGrowth) {
		fleetOpts.Scenarios = append(slices.Clone(opts.Scenarios), ScenarioMix)
	}
	if b.fleet, err = setupFleet(ctx, core, fleetOpts, time.Now().Format("20060102-150405")); err != nil {
		return nil, err
	}
	for _, name := range opts.Scenarios {
		s, err := b.scenario(ctx, name)
		if s != nil {
			rep.Scenarios = append(rep.Scenarios, *s)
			for _, c := range s.Checks {
				rep.OK = rep.OK && c.Pass
			}
			if rep.ReadyMS == 0 {
				rep.ReadyMS = s.ReadyMS
			}
		}
		if err != nil {
			rep.OK = false
			return rep, fmt.Errorf("bench: scenario %s: %w", name, err)
		}
	}
	l := &Limits{CommitClients: opts.Clients, CommitS: 3}
	if l.RSASignPerCore, l.RSAVerifyPerCore, err = rsaRates(b.fleet.key); err != nil {
		return rep, err
	}
	if l.CommitPerS, l.CommitErrors, err = commitRate(ctx, opts.DB, opts.Clients, 3*time.Second); err != nil {
		return rep, fmt.Errorf("bench: commit rate: %w", err)
	}
	rep.Limits = l
	return rep, nil
}

// dbVersion names the database engine and its version.
func dbVersion(ctx context.Context, db string) (engine, version string, err error) {
	if isPostgres(db) {
		conn, err := pgx.Connect(ctx, db)
		if err != nil {
			return "", "", fmt.Errorf("bench: %w", err)
		}
		defer conn.Close(ctx)
		err = conn.QueryRow(ctx, "SHOW server_version").Scan(&version)
		return "postgres", "PostgreSQL " + version, err
	}
	lite, err := sql.Open("sqlite", db+"?_pragma=query_only(1)")
	if err != nil {
		return "", "", fmt.Errorf("bench: %w", err)
	}
	defer lite.Close()
	err = lite.QueryRowContext(ctx, "SELECT sqlite_version()").Scan(&version)
	return "sqlite", "SQLite " + version, err
}

// share is worker w's part of n requests over workers.
func share(n, workers, w int) int {
	s := n / workers
	if w < n%workers {
		s++
	}
	return s
}

// presign builds and signs every worker's part of total requests, on every
// core.
func presign(wl workload, workers, total int, prefix string) ([][]request, error) {
	out := make([][]request, workers)
	jobs := make(chan int)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range runtime.GOMAXPROCS(0) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for w := range jobs {
				m := wl.merchantOf(w)
				reqs := make([]request, share(total, workers, w))
				for seq := range reqs {
					reqs[seq] = wl.build(w, seq, prefix)
					if err := m.sign(&reqs[seq]); err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
				}
				out[w] = reqs
			}
		}()
	}
	for w := range workers {
		jobs <- w
	}
	close(jobs)
	wg.Wait()
	return out, firstErr
}

// gatewayRun is the gateway of one scenario: spawned, or the target.
type gatewayRun struct {
	base, ops string
	child     *child
	rss       *rssSampler
	stopped   bool
}

func (b *bench) startGateway(ctx context.Context, name string) (*gatewayRun, error) {
	if b.opts.Target != "" {
		g := &gatewayRun{base: b.opts.Target, ops: b.opts.Ops}
		g.rss = sampleRSS(func() (int64, error) {
			v, err := metric(b.hc, g.ops, "process_resident_memory_bytes")
			return int64(v), err
		})
		return g, nil
	}
	c, err := spawn(ctx, b.opts, filepath.Join(b.opts.LogDir, "serve-"+name+".log"))
	if err != nil {
		return nil, err
	}
	g := &gatewayRun{base: c.base, ops: c.ops, child: c}
	pid := c.cmd.Process.Pid
	g.rss = sampleRSS(func() (int64, error) { return procStatus(pid, "VmRSS") })
	return g, nil
}

// finish stops sampling and, for a spawned gateway, reads its VmHWM and
// stops it. peak is the VmHWM, or the largest sample for a target.
func (g *gatewayRun) finish() (peak, sampled int64, err error) {
	if g.stopped {
		return 0, 0, nil
	}
	g.stopped = true
	sampled = g.rss.finish()
	if g.child == nil {
		return sampled, sampled, nil
	}
	peak, err = procStatus(g.child.cmd.Process.Pid, "VmHWM")
	if stopErr := g.child.stop(); err == nil {
		err = stopErr
	}
	return max(peak, sampled), sampled, err
}

// drainWait bounds how long a scenario waits for the gateway's submissions.
const drainWait = 3 * time.Minute

// drainSubmissions waits, up to drainWait, until the gateway has no payout
// submission waiting in its outbox, so that the next part starts quiet; it
// returns how long that took and how many were left. Every 5 s it says how
// many are left on progress.
func (g *gatewayRun) drainSubmissions(ctx context.Context, hc *http.Client, name string, progress io.Writer) (time.Duration, float64, error) {
	start := time.Now()
	lastSaid := start
	for {
		v, err := metric(hc, g.ops, `kasir_outbox_backlog{topic="submit"}`)
		if err == nil && v == 0 || errors.Is(err, errNoSample) {
			return time.Since(start), 0, nil
		}
		if time.Since(start) > drainWait {
			return time.Since(start), v, nil
		}
		if progress != nil && time.Since(lastSaid) >= 5*time.Second {
			lastSaid = time.Now()
			fmt.Fprintf(progress, "bench %s: after the load, %.0f payout submissions still wait in the gateway's outbox\n", name, v)
		}
		select {
		case <-ctx.Done():
			return time.Since(start), v, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

const mb = 1 << 20

// scenario runs one scenario: its gateway, warm-up, measured load, the
// scenario's own part (the notify drain, the hot checks), then the baseline.
func (b *bench) scenario(ctx context.Context, name string) (*ScenarioReport, error) {
	o := b.opts
	if name == ScenarioGrowth {
		return b.growth(ctx)
	}
	s := &ScenarioReport{Name: name, Clients: o.Clients, Presigned: o.Presign}
	var rcv *receiver
	if name == ScenarioNotify {
		key, err := b.core.PlatformKey(ctx)
		if err != nil {
			return nil, err
		}
		if rcv, err = startReceiver(key); err != nil {
			return nil, err
		}
		defer rcv.close()
	}
	notifyURL := ""
	if rcv != nil {
		notifyURL = rcv.url
	}
	wl := workloadOf(name, b.fleet, notifyURL)
	s.Merchants = distinctMerchants(wl, o.Clients)
	switch name {
	case ScenarioMix:
		s.Description = "mix: " + mixDescription
	case ScenarioHot:
		s.Description = "hot: every client pays out of one merchant"
	}
	count := o.Count
	if name == ScenarioNotify && count == 0 {
		count = o.NotifyCount
	}
	timed := count == 0
	s.Requested = count
	sources, presignS, err := b.sources(wl, count, name+"-m")
	if err != nil {
		return nil, err
	}
	s.PresignS = presignS

	gw, err := b.startGateway(ctx, name)
	if err != nil {
		return nil, err
	}
	defer gw.finish()
	if gw.child != nil {
		s.ReadyMS = ms(gw.child.ready)
	}
	c := &caller{hc: b.hc, base: gw.base, expectedFee: expectedFee}
	var warm phaseResult
	if name != ScenarioNotify {
		if warm, err = b.warmup(ctx, c, wl, name+"-w"); err != nil {
			return nil, err
		}
		s.WarmupOK = okOf(warm)
	}
	started := time.Now()
	res, err := b.measure(ctx, c, name, sources, timed)
	if err != nil {
		return s, err
	}
	s.Figures = figuresOf(res)

	var hotSpent, hotPayouts int64
	var hotErr error
	switch name {
	case ScenarioNotify:
		var ids []string
		for _, t := range res.tallies {
			ids = append(ids, t.txIDs...)
		}
		n, err := drainNotifications(ctx, rcv, b.core, ids, started)
		s.Notify = &n
		if err != nil {
			return s, err
		}
	case ScenarioHot:
		hotSpent, hotPayouts, hotErr = b.hotSpent(ctx, gw, append(warm.tallies, res.tallies...))
	}
	drain, left, err := gw.drainSubmissions(ctx, b.hc, name, o.Progress)
	s.OutboxDrainS, s.OutboxLeft = drain.Seconds(), int64(left)
	if err != nil {
		return s, err
	}
	peak, sampled, err := gw.finish()
	s.PeakRSSMB, s.SampledRSSMaxMB = float64(peak)/mb, float64(sampled)/mb
	if err != nil {
		return s, err
	}

	if name == ScenarioHot {
		s.Checks = b.hotChecks(ctx, hotSpent, hotPayouts, hotErr)
	}
	if name == ScenarioPayouts || name == ScenarioHot {
		ms := b.fleet.spread
		if name == ScenarioHot {
			ms = []*merchant{b.fleet.hot}
		}
		d := res.elapsed
		if s.Baseline, err = runBaseline(ctx, o.DB, o.Clients, o.BaselineConns, ms, d, count); err != nil {
			return s, err
		}
		if s.Baseline.RatePerS > 0 {
			s.Baseline.Ratio = s.RatePerS / s.Baseline.RatePerS
		}
	} else {
		s.BaselineNote = "none (the baseline is the create-payout transaction, run for payouts and hot)"
	}
	return s, nil
}

// sources returns each worker's requests of a measured load of count
// requests (0: timed), their order ids starting with prefix: signed
// beforehand with --presign (--presign-count of them when timed), taking
// presignS seconds, else signed as they are sent.
func (b *bench) sources(wl workload, count int, prefix string) (src []source, presignS float64, err error) {
	o := b.opts
	src = make([]source, o.Clients)
	if o.Presign {
		total := count
		if count == 0 {
			total = o.PresignCount
		}
		start := time.Now()
		signed, err := presign(wl, o.Clients, total, prefix)
		if err != nil {
			return nil, 0, err
		}
		for w := range src {
			src[w] = presignedSource(signed[w])
		}
		return src, time.Since(start).Seconds(), nil
	}
	for w := range src {
		src[w] = liveSource(wl.merchantOf(w), func(seq int) request { return wl.build(w, seq, prefix) }, share(count, o.Clients, w))
	}
	return src, 0, nil
}

// warmup sends wl's requests for --warmup, if any, signed as they go and
// not recorded; their order ids start with prefix.
func (b *bench) warmup(ctx context.Context, c *caller, wl workload, prefix string) (phaseResult, error) {
	o := b.opts
	if o.Warmup <= 0 {
		return phaseResult{}, nil
	}
	ws := make([]source, o.Clients)
	for w := range ws {
		ws[w] = liveSource(wl.merchantOf(w), func(seq int) request { return wl.build(w, seq, prefix) }, 0)
	}
	return c.runPhase(ctx, ws, time.Now().Add(o.Warmup), false, false, nil)
}

// measure runs the measured load of sources, for --duration when timed
// (a presigned load also stops when its first worker runs out), with the
// live line on --progress under name.
func (b *bench) measure(ctx context.Context, c *caller, name string, sources []source, timed bool) (phaseResult, error) {
	lv := &live{}
	stop := make(chan struct{})
	started := time.Now()
	go progress(b.opts.Progress, name, lv, started, stop)
	defer close(stop)
	var deadline time.Time
	if timed {
		deadline = started.Add(b.opts.Duration)
	}
	return c.runPhase(ctx, sources, deadline, timed && b.opts.Presign, true, lv)
}

// figuresOf adds up a measured phase: counts, rate and exact percentiles.
func figuresOf(res phaseResult) Figures {
	f := Figures{Errors: map[string]int64{}, DurationS: res.elapsed.Seconds()}
	var all []time.Duration
	for _, t := range res.tallies {
		all = append(all, t.lat...)
		f.OK += t.ok
		f.Sent += t.ok
		for k, v := range t.errs {
			f.Errors[k] += v
			f.Sent += v
		}
	}
	if res.elapsed > 0 {
		f.RatePerS = float64(f.OK) / res.elapsed.Seconds()
	}
	l := exactLatencies(all)
	f.P50MS, f.P90MS, f.P99MS, f.MaxMS = l.P50, l.P90, l.P99, l.Max
	return f
}

// okOf counts a phase's acknowledged requests.
func okOf(res phaseResult) int64 {
	var n int64
	for _, t := range res.tallies {
		n += t.ok
	}
	return n
}

// distinctMerchants counts the merchants the workers call as.
func distinctMerchants(wl workload, workers int) int {
	seen := map[*merchant]bool{}
	for w := range workers {
		seen[wl.merchantOf(w)] = true
	}
	return len(seen)
}

// hotSpent adds up amount plus fee of the hot merchant's acknowledged
// payouts, after finding out, by mchOrderId, what became of those whose
// answer was lost. It must run while the gateway does.
func (b *bench) hotSpent(ctx context.Context, gw *gatewayRun, tallies []*tally) (spent, payouts int64, err error) {
	sdk := b.fleet.hot.at(gw.base, b.hc, b.fleet.key)
	for _, t := range tallies {
		spent += t.spent
		payouts += int64(len(t.txIDs))
		if t.feeBad > 0 {
			err = errors.Join(err, fmt.Errorf("%d payouts were charged a fee other than %d", t.feeBad, expectedFee))
		}
		for _, r := range t.unknown {
			p, cerr := sdk.CheckPayout(ctx, client.CheckRequest{MchOrderID: r.mchOrderID, CountryCode: country})
			switch {
			case client.ErrorCode(cerr) == client.CodeNotFound:
			case cerr != nil:
				err = errors.Join(err, fmt.Errorf("payout %s, whose answer was lost, could not be checked: %w", r.mchOrderID, cerr))
			case p.TransactionStatus != client.StatusFailed:
				spent += p.Amount + p.Fee
				payouts++
			}
		}
	}
	return spent, payouts, err
}

// hotChecks are the hot scenario's verdicts: the merchant's balance is
// exact, and the ledger check passes.
func (b *bench) hotChecks(ctx context.Context, spent, payouts int64, sumErr error) []Check {
	bal := Check{Name: "balance"}
	avail, err := b.core.Available(ctx, b.fleet.hot.id, currency)
	switch {
	case err != nil:
		bal.Detail = "could not read the balance: " + err.Error()
	case sumErr != nil:
		bal.Detail = sumErr.Error()
	default:
		bal.Pass = avail == creditAmount-spent
		op := "=="
		if !bal.Pass {
			op = "!="
		}
		bal.Detail = fmt.Sprintf("available %d %s credited %d - %d (amount+fee of %d acknowledged payouts)", avail, op, int64(creditAmount), spent, payouts)
	}
	return []Check{bal, b.ledgerCheck(ctx)}
}

// ledgerCheck runs the ledger check through the core.
func (b *bench) ledgerCheck(ctx context.Context) Check {
	led := Check{Name: "ledger"}
	summary, problems, err := b.core.CheckLedger(ctx)
	switch {
	case err != nil:
		led.Detail = "could not run the ledger check: " + err.Error()
	case len(problems) > 0:
		led.Detail = fmt.Sprintf("%s; %d problems, first: %s", summary, len(problems), problems[0])
	default:
		led.Pass, led.Detail = true, summary
	}
	return led
}
