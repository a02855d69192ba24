package dashboard

import (
	"fmt"
	"html/template"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// registerConsole registers the operator console's pages. Every one is for
// operators only (Handler.operator): a merchant user gets 403, GET or POST.
func (h *Handler) registerConsole() {
	for pattern, fn := range map[string]handlerFunc{
		"GET /console":                            h.consoleOverview,
		"POST /console/ledger-check":              h.ledgerCheck,
		"GET /console/merchants":                  h.consoleMerchants,
		"POST /console/merchants":                 h.createMerchant,
		"GET /console/merchants/{id}":             h.consoleMerchant,
		"POST /console/merchants/{id}/disable":    h.disableMerchant,
		"POST /console/merchants/{id}/enable":     h.enableMerchant,
		"POST /console/merchants/{id}/fee":        h.setMerchantFee,
		"POST /console/merchants/{id}/settlement": h.setMerchantSettlement,
		"POST /console/merchants/{id}/users":      h.createMerchantUser,
		"POST /console/users/{id}/disable":        h.disableUser,
		"POST /console/users/{id}/enable":         h.enableUser,
		"GET /console/channels":                   h.consoleChannels,
		"GET /console/outbox":                     h.consoleOutbox,
		"POST /console/sim/pay":                   h.simPay,
		"POST /console/sim/complete":              h.simComplete,
		"POST /console/sim/fail":                  h.simFail,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		h.mux.HandleFunc(method+" "+Base+path, h.operator(fn))
	}
}

// consoleState is what the console remembers between requests, for as
// long as the process runs: the last ledger check.
type consoleState struct {
	mu      sync.Mutex
	running bool
	last    *ledgerRun
}

// ledgerRun is one run of the full ledger check.
type ledgerRun struct {
	At     time.Time
	Took   time.Duration
	Report ledger.CheckReport
	Err    bool // the check could not run (the error is logged)
}

// OK reports whether the check ran and found nothing wrong.
func (r ledgerRun) OK() bool { return !r.Err && r.Report.OK() }

// TookText is how long the check took.
func (r ledgerRun) TookText() string { return shortDuration(r.Took) }

// Problems lists what the check found, at most 20 lines.
func (r ledgerRun) Problems() []string {
	var out []string
	for _, p := range []struct {
		what string
		ids  []string
	}{
		{"unbalanced entry", r.Report.UnbalancedEntries},
		{"account whose balance differs from its postings", r.Report.DriftedAccounts},
		{"non-negative account below zero", r.Report.NegativeAccounts},
		{"held account that differs from its pending holds", r.Report.HoldMismatches},
	} {
		for _, id := range p.ids {
			if len(out) == 20 {
				return append(out, "… and more (run kasir ledger check for the full list)")
			}
			out = append(out, p.what+": "+id)
		}
	}
	return out
}

// ledgerCheck runs the full ledger check and keeps its result for the
// overview. One check runs at a time.
func (h *Handler) ledgerCheck(w http.ResponseWriter, r *Request) {
	st := &h.console
	st.mu.Lock()
	if st.running {
		st.mu.Unlock()
		h.redirect(w, r, Base+"/console#ledger", "A ledger check is already running; its result shows here when it ends.")
		return
	}
	st.running = true
	st.mu.Unlock()

	at, began := h.opts.Clock.Now(), time.Now()
	report, err := h.opts.Gateway.CheckLedger(r.Context())
	run := &ledgerRun{At: at, Took: time.Since(began), Report: report, Err: err != nil}
	if err != nil {
		h.log.Error("dashboard: ledger check", "err", err)
	}
	st.mu.Lock()
	st.running, st.last = false, run
	st.mu.Unlock()

	var msg string
	switch {
	case run.Err:
		msg = "The ledger check could not run; the error is in the gateway's log."
	case run.OK():
		msg = fmt.Sprintf("Ledger check: balanced (%d entries, %d accounts) in %s.", report.Entries, report.Accounts, run.TookText())
	default:
		msg = fmt.Sprintf("Ledger check found %d problem(s); see below.", len(run.Problems()))
	}
	h.redirect(w, r, Base+"/console#ledger", msg)
}

// overviewData is the console's front page.
type overviewData struct {
	Backlog      []topicCount
	BacklogTotal int64
	Endpoints    int // notification URLs active in the last 24 hours
	Failing      int // of which had failed attempts
	Ledger       *ledgerRun
	LedgerBusy   bool
	Today        volumeTotals
	OrdersChart  template.HTML
	RatesChart   template.HTML
	LatencyChart template.HTML
	Latency      latencyStats
	Sandbox      bool
	FailCodes    []failCode
}

// failCode is a failed code the simulator's Fail button offers.
type failCode struct {
	Code    int
	Message string
}

// failCodes lists the failed codes, the default (-10004, as `kasir sim
// fail`) first, then from -10000 down.
func failCodes() []failCode {
	out := []failCode{{gateway.FailedChannelRejected, gateway.FailedMessages[gateway.FailedChannelRejected]}}
	for code, msg := range gateway.FailedMessages {
		if code != gateway.FailedChannelRejected {
			out = append(out, failCode{code, msg})
		}
	}
	slices.SortStableFunc(out[1:], func(a, b failCode) int { return b.Code - a.Code })
	return out
}

// P50 and the others print the delivery latency percentiles.
func (d overviewData) P50() string { return shortDuration(d.Latency.P50) }
func (d overviewData) P90() string { return shortDuration(d.Latency.P90) }
func (d overviewData) P99() string { return shortDuration(d.Latency.P99) }

type topicCount struct {
	Topic string
	Count int64
}

// volumeTotals adds up volume rows.
type volumeTotals struct {
	Orders, Succeeded, Failed int64
	Amounts                   map[string]int64 // succeeded amounts by currency
}

func (t *volumeTotals) add(v VolumeRow) {
	t.Orders += v.Count
	t.Succeeded += v.Succeeded
	t.Failed += v.Failed
	if v.Amount != 0 {
		if t.Amounts == nil {
			t.Amounts = map[string]int64{}
		}
		t.Amounts[v.Currency] += v.Amount
	}
}

// Pending is the orders neither succeeded nor failed.
func (t volumeTotals) Pending() int64 { return t.Orders - t.Succeeded - t.Failed }

// Rate is the share of finished orders that succeeded, or -1 when none
// finished.
func (t volumeTotals) Rate() float64 {
	if t.Succeeded+t.Failed == 0 {
		return -1
	}
	return float64(t.Succeeded) / float64(t.Succeeded+t.Failed) * 100
}

// RateText prints Rate: "97.5%", or "—" when no order finished.
func (t volumeTotals) RateText() string {
	if r := t.Rate(); r >= 0 {
		return strconv.FormatFloat(math.Floor(r*10)/10, 'f', -1, 64) + "%"
	}
	return "—"
}

// Currencies lists the succeeded amounts by currency, in currency order.
func (t volumeTotals) Currencies() []currencyAmount {
	out := make([]currencyAmount, 0, len(t.Amounts))
	for c, a := range t.Amounts {
		out = append(out, currencyAmount{Currency: c, Amount: a})
	}
	slices.SortFunc(out, func(a, b currencyAmount) int { return strings.Compare(a.Currency, b.Currency) })
	return out
}

type currencyAmount struct {
	Currency string
	Amount   int64
}

// consoleOverview shows the gateway's health at a glance.
func (h *Handler) consoleOverview(w http.ResponseWriter, r *Request) {
	ctx := r.Context()
	now := h.opts.Clock.Now().UTC()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	d := overviewData{Sandbox: h.opts.Sim != nil, FailCodes: failCodes()}

	backlog, err := h.opts.Data.OutboxBacklog(ctx)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Backlog, d.BacklogTotal = sortedBacklog(backlog)
	endpoints, err := h.opts.Data.Endpoints(ctx, "", now.Add(-24*time.Hour))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Endpoints = len(endpoints)
	for _, e := range endpoints {
		if e.Failures > 0 {
			d.Failing++
		}
	}
	st := &h.console
	st.mu.Lock()
	d.Ledger, d.LedgerBusy = st.last, st.running
	st.mu.Unlock()

	volume, err := h.opts.Data.Volume(ctx, "", today.AddDate(0, 0, -13), time.Time{})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	for _, v := range volume {
		if !v.Day.Before(today) {
			d.Today.add(v)
		}
	}
	d.OrdersChart = ordersPerDayChart(volume, today, 14)
	d.RatesChart = channelRateChart(volume, today.AddDate(0, 0, -6))

	latencies, err := h.opts.Data.DeliveryLatencies(ctx, "", now.Add(-24*time.Hour))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.LatencyChart, d.Latency = latencyChart("Notification delivery latency, last 24 hours",
		"No notification attempts in the last 24 hours", latencies)
	h.render(w, r, 0, "console_overview", "Console", "console", d)
}

func sortedBacklog(m map[string]int64) ([]topicCount, int64) {
	out := make([]topicCount, 0, len(m))
	var total int64
	for t, n := range m {
		out = append(out, topicCount{Topic: t, Count: n})
		total += n
	}
	slices.SortFunc(out, func(a, b topicCount) int { return strings.Compare(a.Topic, b.Topic) })
	return out, total
}

// ordersPerDayChart stacks each day's orders by outcome, over the days
// days ending with today.
func ordersPerDayChart(volume []VolumeRow, today time.Time, days int) template.HTML {
	first := today.AddDate(0, 0, -(days - 1))
	cats := make([]string, days)
	ok, bad, pending := make([]float64, days), make([]float64, days), make([]float64, days)
	for i := range cats {
		cats[i] = first.AddDate(0, 0, i).Format("01-02")
	}
	for _, v := range volume {
		i := int(v.Day.Sub(first).Hours() / 24)
		if v.Day.Before(first) || i >= days {
			continue
		}
		ok[i] += float64(v.Succeeded)
		bad[i] += float64(v.Failed)
		pending[i] += float64(v.Count - v.Succeeded - v.Failed)
	}
	return barChart{
		Title:      fmt.Sprintf("Orders per day, last %d days (UTC)", days),
		Categories: cats, Stacked: true, Integer: true, Width: 960,
		Series: []chartSeries{
			{Name: "Succeeded", Values: ok, Color: "#137333"},
			{Name: "Failed", Values: bad, Color: "#b3261e"},
			{Name: "Pending", Values: pending, Color: "#d9a441"},
		},
		Empty: fmt.Sprintf("No orders in the last %d days", days),
	}.SVG()
}

// channelRateChart shows each channel's success rate since from, one bar
// per order type that finished orders on it.
func channelRateChart(volume []VolumeRow, from time.Time) template.HTML {
	type key struct {
		channel string
		typ     OrderType
	}
	totals := map[key]*volumeTotals{}
	var channels []string
	for _, v := range volume {
		if v.Day.Before(from) || v.Succeeded+v.Failed == 0 {
			continue
		}
		k := key{v.Channel, v.Type}
		if totals[k] == nil {
			totals[k] = &volumeTotals{}
			if !slices.Contains(channels, v.Channel) {
				channels = append(channels, v.Channel)
			}
		}
		totals[k].add(v)
	}
	slices.Sort(channels)
	var series []chartSeries
	for i, t := range []OrderType{TypePayout, TypePayment, TypeRefund} {
		vals := make([]float64, len(channels))
		seen := false
		for j, c := range channels {
			vals[j] = math.NaN()
			if tot := totals[key{c, t}]; tot != nil {
				vals[j], seen = math.Floor(tot.Rate()*10)/10, true
			}
		}
		if seen {
			series = append(series, chartSeries{Name: string(t) + "s", Values: vals, Color: chartPalette[[]int{0, 4, 5}[i]]})
		}
	}
	return barChart{
		Title:      "Success rate by channel, last 7 days (finished orders)",
		Categories: channels, Series: series, Unit: "%", Max: 100, Labels: true,
		Empty: "No finished orders in the last 7 days",
	}.SVG()
}
