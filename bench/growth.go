package bench

// The growth scenario answers issue 6's target "with 10 million orders
// already stored, create and check throughput within 80% of an empty
// database's, and report download memory flat in the number of rows". On
// one database (PostgreSQL only) it:
//
//  1. measures create and check payout, one to one, on the database as it
//     is (empty but for the merchants and any earlier scenario's orders),
//     through a spawned gateway: "empty";
//  2. seeds --growth-orders completed payouts straight into the database
//     with set-based SQL, each with everything the gateway would have
//     written for it: the payout, its hold (posted), its hold and post
//     entries with their five postings, its submission in the outbox
//     (delivered) and that submission's attempt; the merchants are funded
//     first, through the core, with exactly what their seeded payouts cost,
//     and the account balances move by the postings' sums, so the ledger
//     check passes as before. Then ANALYZE;
//  3. measures the same load again on a new gateway process: "full". The
//     throughput check passes when full/empty >= growthMinRatio;
//  4. on another new gateway process, downloads two payout reports through
//     the real link, as a merchant would: a day of one app holding few rows,
//     then the day of one app holding a tenth of the seeded orders, reading
//     each CSV to the end; the gateway's peak RSS (VmHWM) after each must not
//     have risen by growthMaxRSSRise or more from the small to the big one;
//  5. runs the ledger check.
//
// The seeded orders: a tenth of them (the big day) belong to the first
// spread merchant's app, spread over the day before today (local time of
// the bench's country); the rest go round the spread merchants' apps and
// over the 90 days before today. So each app's day holds about
// rest/(90*merchants) rows: with 10 million over 64 merchants, 1,560, and
// the big day over a million. The small report is the last spread
// merchant's, 30 days before the big day. The seeded transaction ids have
// the gateway's form (time, node, sequence) with node numbers 1022 and 1023,
// which no gateway of a fresh database reaches; the sim_transfers rows of the
// simulator's own book are not seeded: a real channel keeps its own.

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/client"
)

// DefaultGrowthOrders is how many orders the growth scenario seeds unless
// Options.GrowthOrders says.
const DefaultGrowthOrders = 10_000_000

const (
	// growthMinRatio is the throughput target: full rate / empty rate.
	growthMinRatio = 0.8
	// growthMaxRSSRiseMB bounds how much the big report download may raise
	// the gateway's peak RSS over the small one's.
	growthMaxRSSRiseMB = 32
	// growthDays is how far back the seeded orders go.
	growthDays = 90
	// growthChunk is how many orders one seeding statement inserts.
	growthChunk = 250_000
	// growthSeedConns is how many connections insert them at once.
	growthSeedConns = 2
	// growthSmallBack is how many days before the big day the small report's
	// day is.
	growthSmallBack = 30
)

// GrowthResult is what the growth scenario found.
type GrowthResult struct {
	Orders   int64   `json:"orders"` // completed payouts seeded
	SeedS    float64 `json:"seed_s"` // inserting them, funding included
	SeedPerS float64 `json:"seed_per_s"`
	// ForeignKeysChecked: the seeding ran the foreign keys' triggers, row
	// by row (without a superuser they cannot be turned off).
	ForeignKeysChecked bool        `json:"foreign_keys_checked"`
	AnalyzeS           float64     `json:"analyze_s"`
	Tables             []TableSize `json:"tables"` // after seeding
	Empty              GrowthPhase `json:"empty"`
	Full               GrowthPhase `json:"full"`
	Ratio              float64     `json:"ratio"` // Full.RatePerS / Empty.RatePerS
	MinRatio           float64     `json:"min_ratio"`
	// Downloads are the small report, then the big one.
	Downloads    []Download `json:"downloads"`
	RSSRiseMB    float64    `json:"rss_rise_mb"` // the big download's peak RSS less the small one's
	MaxRSSRiseMB float64    `json:"max_rss_rise_mb"`
	LedgerCheckS float64    `json:"ledger_check_s"`
}

// GrowthPhase is one measured load of the growth scenario, on its own
// gateway process.
type GrowthPhase struct {
	Figures
	WarmupOK        int64   `json:"warmup_ok"`
	PresignS        float64 `json:"presign_s,omitempty"`
	ReadyMS         float64 `json:"ready_ms"`
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	SampledRSSMaxMB float64 `json:"sampled_rss_max_mb"`
	OutboxDrainS    float64 `json:"outbox_drain_s"`
	OutboxLeft      int64   `json:"outbox_left"`
}

// TableSize is one table after seeding.
type TableSize struct {
	Name string  `json:"name"`
	Rows int64   `json:"rows"` // PostgreSQL's estimate after ANALYZE (reltuples)
	MB   float64 `json:"mb"`   // pg_total_relation_size: with its indexes and TOAST
}

// Download is one report downloaded through its link.
type Download struct {
	Name      string  `json:"name"` // small or big
	AppID     string  `json:"app_id"`
	Date      string  `json:"date"`    // the report's day, in the country's zone
	Rows      int64   `json:"rows"`    // CSV lines after the header
	DBRows    int64   `json:"db_rows"` // the app's payouts of that day, counted in the database
	Bytes     int64   `json:"bytes"`
	Seconds   float64 `json:"seconds"`     // the GET, from sending it to the last byte
	PeakRSSMB float64 `json:"peak_rss_mb"` // the gateway's VmHWM after the download
}

// growthDescription says what the growth scenario sends.
const growthDescription = "growth: create payout and check payout, one to one (each check names the payout its client created just before), on the empty database and after seeding; the table row is the seeded one"

// growthWorkload is the growth scenario's load: worker i as spread merchant
// i mod merchants, its even requests creating payouts, each odd one checking
// the payout before it.
func growthWorkload(f *fleet) workload {
	return workload{spread(f.spread), func(w, seq int, prefix string) request {
		if seq%2 == 1 {
			return checkRequest(orderID(prefix, w, seq-1))
		}
		return payoutRequest(orderID(prefix, w, seq), "")
	}}
}

// growth runs the growth scenario.
func (b *bench) growth(ctx context.Context) (*ScenarioReport, error) {
	o := b.opts
	wl := growthWorkload(b.fleet)
	g := &GrowthResult{MinRatio: growthMinRatio, MaxRSSRiseMB: growthMaxRSSRiseMB}
	s := &ScenarioReport{
		Name: ScenarioGrowth, Description: growthDescription, Clients: o.Clients, Presigned: o.Presign,
		Merchants: distinctMerchants(wl, o.Clients), Requested: o.Count, Growth: g,
		BaselineNote: "none (the growth scenario's yardstick is its own run on the empty database)",
	}
	plan := newSeedPlan(b.fleet.spread, int64(o.GrowthOrders), time.Now())
	var err error
	if g.Empty, err = b.growthLoad(ctx, wl, "growth-empty"); err != nil {
		return s, err
	}
	if err := b.seed(ctx, plan, g); err != nil {
		return s, err
	}
	if g.Full, err = b.growthLoad(ctx, wl, "growth-full"); err != nil {
		return s, err
	}
	f := g.Full
	s.Figures, s.WarmupOK, s.PresignS, s.ReadyMS = f.Figures, f.WarmupOK, f.PresignS, f.ReadyMS
	s.PeakRSSMB, s.SampledRSSMaxMB, s.OutboxDrainS, s.OutboxLeft = f.PeakRSSMB, f.SampledRSSMaxMB, f.OutboxDrainS, f.OutboxLeft
	if g.Empty.RatePerS > 0 {
		g.Ratio = f.RatePerS / g.Empty.RatePerS
	}
	if g.Downloads, err = b.downloads(ctx, plan); err != nil {
		return s, err
	}
	g.RSSRiseMB = g.Downloads[1].PeakRSSMB - g.Downloads[0].PeakRSSMB
	b.say("bench growth: running the ledger check")
	start := time.Now()
	led := b.ledgerCheck(ctx)
	g.LedgerCheckS = time.Since(start).Seconds()
	s.Checks = append(growthChecks(g), led)
	return s, nil
}

// say prints a line on --progress, if any.
func (b *bench) say(format string, args ...any) {
	if b.opts.Progress != nil {
		fmt.Fprintf(b.opts.Progress, format+"\n", args...)
	}
}

// growthChecks are the growth scenario's verdicts on its figures.
func growthChecks(g *GrowthResult) []Check {
	thr := Check{Name: "throughput", Pass: g.Empty.OK > 0 && g.Ratio >= g.MinRatio}
	thr.Detail = fmt.Sprintf("with %d orders seeded %.0f/s, empty %.0f/s: %.2f of it (target >= %.2f); p99 %.2f ms, empty %.2f ms",
		g.Orders, g.Full.RatePerS, g.Empty.RatePerS, g.Ratio, g.MinRatio, g.Full.P99MS, g.Empty.P99MS)
	small, big := g.Downloads[0], g.Downloads[1]
	rows := Check{Name: "report rows", Pass: small.Rows == small.DBRows && big.Rows == big.DBRows && big.Rows > small.Rows}
	rows.Detail = fmt.Sprintf("small: %d CSV rows, %d in the database; big: %d CSV rows, %d in the database",
		small.Rows, small.DBRows, big.Rows, big.DBRows)
	mem := Check{Name: "report memory", Pass: g.RSSRiseMB < g.MaxRSSRiseMB}
	mem.Detail = fmt.Sprintf("gateway peak RSS %.1f MB after %d rows, %.1f MB after %d rows: %+.1f MB (limit: less than %.0f MB)",
		small.PeakRSSMB, small.Rows, big.PeakRSSMB, big.Rows, g.RSSRiseMB, g.MaxRSSRiseMB)
	return []Check{thr, rows, mem}
}

// growthLoad measures the growth load on a gateway of its own, named name:
// warm-up, the measured load, then until its submissions are drained.
func (b *bench) growthLoad(ctx context.Context, wl workload, name string) (GrowthPhase, error) {
	var p GrowthPhase
	src, presignS, err := b.sources(wl, b.opts.Count, name+"-m")
	if err != nil {
		return p, err
	}
	p.PresignS = presignS
	gw, err := b.startGateway(ctx, name)
	if err != nil {
		return p, err
	}
	defer gw.finish()
	p.ReadyMS = ms(gw.child.ready)
	c := &caller{hc: b.hc, base: gw.base, expectedFee: expectedFee}
	warm, err := b.warmup(ctx, c, wl, name+"-w")
	if err != nil {
		return p, err
	}
	p.WarmupOK = okOf(warm)
	res, err := b.measure(ctx, c, name, src, b.opts.Count == 0)
	if err != nil {
		return p, err
	}
	p.Figures = figuresOf(res)
	drain, left, err := gw.drainSubmissions(ctx, b.hc, name, b.opts.Progress)
	p.OutboxDrainS, p.OutboxLeft = drain.Seconds(), int64(left)
	if err != nil {
		return p, err
	}
	peak, sampled, err := gw.finish()
	p.PeakRSSMB, p.SampledRSSMaxMB = float64(peak)/mb, float64(sampled)/mb
	return p, err
}

// downloads downloads the plan's small report, then its big one, on a
// gateway of their own, and reads the gateway's peak RSS after each.
func (b *bench) downloads(ctx context.Context, p *seedPlan) ([]Download, error) {
	conn, err := pgx.Connect(ctx, b.opts.DB)
	if err != nil {
		return nil, fmt.Errorf("bench: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	gw, err := b.startGateway(ctx, "growth-reports")
	if err != nil {
		return nil, err
	}
	defer gw.finish()
	// No overall timeout: a big report may take minutes; the gateway
	// bounds a download to 10 minutes.
	hc := &http.Client{Transport: b.hc.Transport}
	var out []Download
	for _, d := range []Download{
		{Name: "small", AppID: p.small.appID, Date: p.smallDate},
		{Name: "big", AppID: p.merchants[0].appID, Date: p.bigDate},
	} {
		m := p.small
		if d.Name == "big" {
			m = p.merchants[0]
		}
		day, err := time.ParseInLocation(dateLayout, d.Date, p.loc)
		if err != nil {
			return out, err
		}
		if err := conn.QueryRow(ctx, `
			SELECT count(*) FROM payouts WHERE app_id = $1 AND country_code = $2 AND created_at >= $3 AND created_at < $4`,
			d.AppID, country, day, day.AddDate(0, 0, 1)).Scan(&d.DBRows); err != nil {
			return out, fmt.Errorf("bench: growth: count the report's rows: %w", err)
		}
		b.say("bench growth: downloading the %s report: app %s, %s, %d payouts", d.Name, d.AppID, d.Date, d.DBRows)
		link, err := m.at(gw.base, b.hc, b.fleet.key).ReportDownload(ctx, client.ReportRequest{CountryCode: country, TransDate: d.Date, TransType: client.ReportPayout})
		if err != nil {
			return out, fmt.Errorf("bench: growth: report link: %w", err)
		}
		start := time.Now()
		lines, bytes, err := fetchLines(ctx, hc, link.DownloadURL)
		d.Seconds = time.Since(start).Seconds()
		if err != nil {
			return out, fmt.Errorf("bench: growth: download the %s report: %w", d.Name, err)
		}
		d.Rows, d.Bytes = max(lines-1, 0), bytes
		peak, err := procStatus(gw.child.cmd.Process.Pid, "VmHWM")
		if err != nil {
			return out, err
		}
		d.PeakRSSMB = float64(peak) / mb
		out = append(out, d)
	}
	_, _, err = gw.finish()
	return out, err
}

// fetchLines GETs url and reads the answer to its end, counting its lines
// and bytes.
func fetchLines(ctx context.Context, hc *http.Client, url string) (lines, bytes int64, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return 0, 0, fmt.Errorf("HTTP %d: %s", resp.StatusCode, msg)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := resp.Body.Read(buf)
		bytes += int64(n)
		for _, c := range buf[:n] {
			if c == '\n' {
				lines++
			}
		}
		if err == io.EOF {
			return lines, bytes, nil
		}
		if err != nil {
			return lines, bytes, err
		}
	}
}

// tablesText lists table sizes on one line.
func tablesText(ts []TableSize) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, fmt.Sprintf("%s %d rows %.0f MB", t.Name, t.Rows, t.MB))
	}
	return strings.Join(parts, ", ")
}
