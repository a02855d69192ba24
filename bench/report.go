package bench

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
)

// Report is a bench run's outcome; its JSON is what --json prints.
type Report struct {
	Machine   Machine          `json:"machine"`
	Gateway   string           `json:"gateway"`  // how the gateway ran: spawned, or the target's URL
	ReadyMS   float64          `json:"ready_ms"` // the first spawned gateway's start-up; 0 with a target
	Scenarios []ScenarioReport `json:"scenarios"`
	Limits    *Limits          `json:"limits,omitempty"`
	OK        bool             `json:"ok"` // every check of every scenario passed
}

// Machine is where the run happened.
type Machine struct {
	Cores     int    `json:"cores"`
	CPU       string `json:"cpu,omitempty"`
	GoVersion string `json:"go_version"`
	OS        string `json:"os"`
	Arch      string `json:"arch"`
	Database  string `json:"database"` // postgres or sqlite
	DBVersion string `json:"db_version,omitempty"`
}

// ScenarioReport is one scenario's figures.
type ScenarioReport struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Clients     int    `json:"clients"`
	Merchants   int    `json:"merchants"`
	Requested   int    `json:"requested"` // requests to send with --count (K for notify); 0 when timed
	Figures
	Presigned bool    `json:"presigned"`
	PresignS  float64 `json:"presign_s,omitempty"`
	WarmupOK  int64   `json:"warmup_ok"`
	// PeakRSSMB is the gateway's peak resident set: VmHWM of the spawned
	// child at the end of the scenario, or the largest sample of a target's
	// process_resident_memory_bytes.
	PeakRSSMB       float64 `json:"peak_rss_mb"`
	SampledRSSMaxMB float64 `json:"sampled_rss_max_mb"`
	ReadyMS         float64 `json:"ready_ms"`       // this scenario's gateway start-up, spawned only
	OutboxDrainS    float64 `json:"outbox_drain_s"` // after the load, until no submission waited
	// OutboxLeft is how many submissions still waited when the bench gave up
	// waiting (3 minutes); the next scenario's gateway inherits them.
	OutboxLeft   int64           `json:"outbox_left"`
	Baseline     *BaselineResult `json:"baseline,omitempty"`
	BaselineNote string          `json:"baseline_note,omitempty"`
	Checks       []Check         `json:"checks,omitempty"`
	Notify       *NotifyResult   `json:"notify,omitempty"`
	Growth       *GrowthResult   `json:"growth,omitempty"`
}

// Figures are what one measured load saw.
type Figures struct {
	Sent      int64            `json:"sent"`
	OK        int64            `json:"ok"`
	Errors    map[string]int64 `json:"errors"`
	DurationS float64          `json:"duration_s"`
	RatePerS  float64          `json:"rate_per_s"` // acknowledged requests per second
	P50MS     float64          `json:"p50_ms"`
	P90MS     float64          `json:"p90_ms"`
	P99MS     float64          `json:"p99_ms"`
	MaxMS     float64          `json:"max_ms"`
}

// Check is one pass/fail verdict.
type Check struct {
	Name   string `json:"name"`
	Pass   bool   `json:"pass"`
	Detail string `json:"detail"`
}

func machine() Machine {
	m := Machine{Cores: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS, Arch: runtime.GOARCH}
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	return m
}

// WriteJSON writes r as one JSON object.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes r for people: a table of the scenarios, then the notes,
// the limits and the checks.
func (r *Report) WriteTable(w io.Writer) error {
	m := r.Machine
	fmt.Fprintf(w, "kasir bench: %s %s, %d cores (%s), %s %s/%s; gateway %s\n\n",
		m.Database, m.DBVersion, m.Cores, m.CPU, m.GoVersion, m.OS, m.Arch, r.Gateway)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "scenario\tclients\tmerchants\tok\trate/s\tp50 ms\tp90 ms\tp99 ms\tmax ms\terrors\trss MB\tready ms\tbaseline/s\tratio\tchecks\t")
	for _, s := range r.Scenarios {
		base, ratio := "-", "-"
		if s.Baseline != nil {
			base, ratio = fmt.Sprintf("%.0f", s.Baseline.RatePerS), fmt.Sprintf("%.2f", s.Baseline.Ratio)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%s\t%.1f\t%s\t%s\t%s\t%s\t\n",
			s.Name, s.Clients, s.Merchants, s.OK, s.RatePerS, s.P50MS, s.P90MS, s.P99MS, s.MaxMS,
			formatErrors(s.Errors), s.PeakRSSMB, readyText(s.ReadyMS), base, ratio, checksText(s.Checks))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, s := range r.Scenarios {
		fmt.Fprintf(w, "%s: %d sent in %.2f s", s.Name, s.Sent, s.DurationS)
		if s.Presigned {
			fmt.Fprintf(w, " (presigned in %.1f s)", s.PresignS)
		}
		if s.OutboxLeft > 0 {
			fmt.Fprintf(w, "; outbox submissions NOT drained: %d still waited %.0f s after the load (the next scenario's gateway inherits them)", s.OutboxLeft, s.OutboxDrainS)
		} else {
			fmt.Fprintf(w, "; outbox submissions drained %.2f s after the load", s.OutboxDrainS)
		}
		fmt.Fprintf(w, "; sampled RSS max %.1f MB\n", s.SampledRSSMaxMB)
		if s.Description != "" {
			fmt.Fprintf(w, "  %s\n", s.Description)
		}
		if b := s.Baseline; b != nil {
			fmt.Fprintf(w, "  baseline: the create-payout transaction's SQL alone, %d clients on %d connections: %d transactions in %.2f s = %.0f/s",
				s.Clients, b.Conns, b.Transactions, b.DurationS, b.RatePerS)
			if len(b.Errors) > 0 {
				fmt.Fprintf(w, ", errors %s", formatErrors(b.Errors))
			}
			fmt.Fprintf(w, "; gateway/baseline = %.2f\n", b.Ratio)
		} else if s.BaselineNote != "" {
			fmt.Fprintf(w, "  baseline: %s\n", s.BaselineNote)
		}
		if n := s.Notify; n != nil {
			fmt.Fprintf(w, "  notifications: %d of K=%d received, first to last in %.3f s = %.0f/s (%d deliveries accepted, %d bad signatures)\n",
				n.Received, n.K, n.DrainS, n.RatePerS, n.Posts, n.BadSignatures)
			fmt.Fprintf(w, "  backlog of K refused once %.2f s after the first payout; made due again in %.2f s; the first arrived %.3f s after the due moment",
				n.BacklogS, n.ResendS, n.FirstAfterS)
			if n.ResendLateS > 0 {
				fmt.Fprintf(w, " (resending overran the due moment by %.2f s: the rate is a lower bound)", n.ResendLateS)
			}
			fmt.Fprintf(w, "\n  method: %s\n", n.Method)
		}
		if g := s.Growth; g != nil {
			writeGrowth(w, g)
		}
		for _, c := range s.Checks {
			fmt.Fprintf(w, "  check %s: %s: %s\n", c.Name, passText(c.Pass), c.Detail)
		}
	}
	if l := r.Limits; l != nil {
		fmt.Fprintf(w, "\nlimits: RSA-2048 on one core: sign %.0f/s, verify %.0f/s; database plain commit rate (one-row INSERT + COMMIT) %.0f/s with %d clients over %.0f s",
			l.RSASignPerCore, l.RSAVerifyPerCore, l.CommitPerS, l.CommitClients, l.CommitS)
		if l.CommitErrors > 0 {
			fmt.Fprintf(w, " (%d failed)", l.CommitErrors)
		}
		fmt.Fprintln(w)
	}
	if r.OK {
		fmt.Fprintln(w, "\nresult: every check passed")
	} else {
		fmt.Fprintln(w, "\nresult: a check FAILED")
	}
	return nil
}

// writeGrowth writes the growth scenario's own lines.
func writeGrowth(w io.Writer, g *GrowthResult) {
	fk := "foreign key triggers off (session_replication_role replica)"
	if g.ForeignKeysChecked {
		fk = "foreign keys checked row by row"
	}
	fmt.Fprintf(w, "  seeded %d completed payouts (each with its hold, 2 entries and 5 postings, its outbox submission and attempt) in %.1f s = %.0f/s, %s; ANALYZE %.1f s\n",
		g.Orders, g.SeedS, g.SeedPerS, fk, g.AnalyzeS)
	fmt.Fprintf(w, "  tables after seeding: %s\n", tablesText(g.Tables))
	for _, ph := range []struct {
		name string
		p    GrowthPhase
	}{{"empty", g.Empty}, {"full ", g.Full}} {
		p := ph.p
		fmt.Fprintf(w, "  %s: %d ok of %d sent in %.2f s = %.0f/s; p50 %.2f, p90 %.2f, p99 %.2f, max %.2f ms; errors %s; peak RSS %.1f MB; ready %.0f ms\n",
			ph.name, p.OK, p.Sent, p.DurationS, p.RatePerS, p.P50MS, p.P90MS, p.P99MS, p.MaxMS, formatErrors(p.Errors), p.PeakRSSMB, p.ReadyMS)
	}
	fmt.Fprintf(w, "  full/empty = %.2f (target >= %.2f); each on a gateway process of its own\n", g.Ratio, g.MinRatio)
	for _, d := range g.Downloads {
		fmt.Fprintf(w, "  report %s: app %s, %s: %d rows (%d in the database), %.1f MB in %.2f s; the gateway's peak RSS after it %.1f MB\n",
			d.Name, d.AppID, d.Date, d.Rows, d.DBRows, float64(d.Bytes)/mb, d.Seconds, d.PeakRSSMB)
	}
	fmt.Fprintf(w, "  ledger check after everything: %.1f s\n", g.LedgerCheckS)
}

func formatErrors(errs map[string]int64) string {
	if len(errs) == 0 {
		return "0"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(errs)) {
		parts = append(parts, fmt.Sprintf("%s:%d", k, errs[k]))
	}
	return strings.Join(parts, " ")
}

func readyText(v float64) string {
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", v)
}

func passText(ok bool) string {
	if ok {
		return "PASS"
	}
	return "FAIL"
}

func checksText(cs []Check) string {
	if len(cs) == 0 {
		return "-"
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Name+" "+passText(c.Pass))
	}
	return strings.Join(parts, ", ")
}
