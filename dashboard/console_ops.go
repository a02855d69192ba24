package dashboard

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// The console's operational pages: channel health, the outbox, and the
// sandbox simulator's buttons.

// Channel health thresholds: the share of finished orders that succeeded.
const (
	healthyRate  = 95.0
	degradedRate = 80.0
)

// channelHealth is one channel's orders of one type in a window.
type channelHealth struct {
	Type    OrderType
	Channel string
	volumeTotals
}

// Health is the channel's badge: healthy, degraded or failing by its
// success rate, idle without orders, waiting when none has finished yet.
func (c channelHealth) Health() string {
	switch r := c.Rate(); {
	case c.Orders == 0:
		return "idle"
	case r < 0:
		return "waiting"
	case r >= healthyRate:
		return "healthy"
	case r >= degradedRate:
		return "degraded"
	}
	return "failing"
}

// channelsData is the channels page.
type channelsData struct {
	Routes            []RouteInfo
	Tables            []healthTable // the last 24 hours, the last 7 days
	Healthy, Degraded string        // the thresholds, printed
}

// healthTable is the channels' health in one window.
type healthTable struct {
	Title, ID string
	Rows      []channelHealth
}

func (h *Handler) consoleChannels(w http.ResponseWriter, r *Request) {
	now := h.opts.Clock.Now().UTC()
	day, err := h.opts.Data.Volume(r.Context(), "", now.Add(-24*time.Hour), time.Time{})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	week, err := h.opts.Data.Volume(r.Context(), "", now.Add(-7*24*time.Hour), time.Time{})
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := channelsData{Healthy: formatValue(healthyRate) + "%", Degraded: formatValue(degradedRate) + "%"}
	if h.opts.Routes != nil {
		d.Routes = h.opts.Routes()
	}
	// Both tables list every channel that had orders in the week, so that
	// one quiet for a day shows as idle rather than vanishing.
	weekRows := channelTotals(week, nil)
	d.Tables = []healthTable{
		{Title: "Last 24 hours", ID: "channels-24h", Rows: channelTotals(day, weekRows)},
		{Title: "Last 7 days", ID: "channels-7d", Rows: weekRows},
	}
	h.render(w, r, 0, "console_channels", "Channels", "channels", d)
}

// channelTotals adds up volume rows by type and channel, with a zero row
// for every channel of also that has none; sorted by channel, then type.
func channelTotals(rows []VolumeRow, also []channelHealth) []channelHealth {
	var out []channelHealth
	find := func(t OrderType, c string) *channelHealth {
		for i := range out {
			if out[i].Type == t && out[i].Channel == c {
				return &out[i]
			}
		}
		out = append(out, channelHealth{Type: t, Channel: c})
		return &out[len(out)-1]
	}
	for _, v := range rows {
		find(v.Type, v.Channel).add(v)
	}
	for _, a := range also {
		find(a.Type, a.Channel)
	}
	slices.SortFunc(out, func(a, b channelHealth) int {
		if c := strings.Compare(a.Channel, b.Channel); c != 0 {
			return c
		}
		return strings.Compare(string(a.Type), string(b.Type))
	})
	return out
}

// outboxData is the outbox page.
type outboxData struct {
	Backlog      []topicCount
	BacklogTotal int64
	Endpoints    []EndpointHealth
	Since        time.Time
}

func (h *Handler) consoleOutbox(w http.ResponseWriter, r *Request) {
	backlog, err := h.opts.Data.OutboxBacklog(r.Context())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := outboxData{Since: h.opts.Clock.Now().UTC().Add(-24 * time.Hour)}
	d.Backlog, d.BacklogTotal = sortedBacklog(backlog)
	if d.Endpoints, err = h.opts.Data.Endpoints(r.Context(), "", d.Since); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, 0, "console_outbox", "Outbox", "outbox", d)
}

// simReporter is the simulator's way to hand its results to the gateway at
// once (channel/sim.Sim has it). Without it they arrive with the
// simulator's next poll.
type simReporter interface {
	ReportDue(ctx context.Context) (int, error)
}

// simApplied reports what the simulator decided to the gateway now, so that
// the order page the operator lands on shows the outcome, and says so.
func (h *Handler) simApplied(ctx context.Context) string {
	rep, ok := h.opts.Sim.(simReporter)
	if !ok {
		return " The gateway applies it within a moment."
	}
	if _, err := rep.ReportDue(ctx); err != nil {
		h.log.Warn("dashboard: simulator report", "err", err)
		return " The gateway applies it within a moment."
	}
	return ""
}

// simOrder reads the form's transaction id; it answers 404 itself when the
// gateway has no simulator and returns "".
func (h *Handler) simOrder(w http.ResponseWriter, r *Request) string {
	if h.opts.Sim == nil {
		h.notFound(w, r)
		return ""
	}
	id := strings.TrimSpace(r.PostFormValue("transaction_id"))
	if id == "" {
		h.redirect(w, r, Base+"/console#sim", "Simulator: enter a transaction id.")
	}
	return id
}

// simPay pays a pending payment order as a customer would, the ordered
// amount unless the form names another (in major units).
func (h *Handler) simPay(w http.ResponseWriter, r *Request) {
	id := h.simOrder(w, r)
	if id == "" {
		return
	}
	p, err := h.opts.Data.GetPaymentByID(r.Context(), id)
	if errors.Is(err, gateway.ErrNotFound) {
		h.redirect(w, r, Base+"/console#sim", "Simulator: no payment order "+id+" (payments' transaction ids start with C).")
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if p.Status != gateway.StatusPending {
		h.redirect(w, r, orderURL(id), "Simulator: payment "+id+" is already "+string(p.Status)+"; only a pending order can be paid.")
		return
	}
	amount := p.Amount
	if s := strings.TrimSpace(r.PostFormValue("amount")); s != "" {
		if amount, err = money.ParseMajor(s, p.Currency); err != nil || amount <= 0 {
			h.redirect(w, r, orderURL(id), "Simulator: amount: enter a positive amount in "+p.Currency+", e.g. "+money.FormatMajor(p.Amount, p.Currency)+"; nothing was paid.")
			return
		}
	}
	ref, err := h.opts.Sim.Pay(r.Context(), id, amount)
	if err != nil {
		h.simFailed(w, r, id, err)
		return
	}
	h.log.Info("dashboard: simulator paid", "transactionId", id, "amount", amount, "by", r.User.Email)
	h.redirect(w, r, orderURL(id), "Simulator: the customer paid "+money.FormatMajor(amount, p.Currency)+" "+p.Currency+
		" (channel reference "+ref+")."+h.simApplied(r.Context()))
}

func (h *Handler) simComplete(w http.ResponseWriter, r *Request) { h.simDecide(w, r, 0) }

// simFail fails a payout with the form's code, by default -10004 (the
// channel rejected it) as `kasir sim fail` does.
func (h *Handler) simFail(w http.ResponseWriter, r *Request) {
	if h.opts.Sim == nil {
		h.notFound(w, r)
		return
	}
	code := gateway.FailedChannelRejected
	if s := strings.TrimSpace(r.PostFormValue("code")); s != "" {
		n, err := strconv.Atoi(s)
		if _, known := gateway.FailedMessages[n]; err != nil || !known || n == 0 {
			h.redirect(w, r, Base+"/console#sim", "Simulator: code "+strconv.Quote(s)+" is not a failed code (e.g. -10004 or -10005); nothing was changed.")
			return
		}
		code = n
	}
	h.simDecide(w, r, code)
}

// simDecide completes (code 0) or fails a payout at the simulated channel.
func (h *Handler) simDecide(w http.ResponseWriter, r *Request, code int) {
	id := h.simOrder(w, r)
	if id == "" {
		return
	}
	p, err := h.opts.Data.GetPayoutByID(r.Context(), id)
	if errors.Is(err, gateway.ErrNotFound) {
		msg := "Simulator: no payout " + id + "."
		if _, err := h.opts.Data.GetPaymentByID(r.Context(), id); err == nil {
			msg = "Simulator: " + id + " is a payment order; use Pay for it."
		}
		h.redirect(w, r, Base+"/console#sim", msg)
		return
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	switch {
	case p.Status != gateway.StatusPending:
		h.redirect(w, r, orderURL(id), "Simulator: payout "+id+" is already "+string(p.Status)+"; nothing was changed.")
		return
	case p.ChannelState == gateway.ChannelNew:
		h.redirect(w, r, orderURL(id), "Simulator: payout "+id+" has not reached the channel yet; try again in a moment.")
		return
	}
	if err := h.opts.Sim.Decide(r.Context(), id, code); err != nil {
		h.simFailed(w, r, id, err)
		return
	}
	verb := "completed"
	if code != 0 {
		verb = "failed (" + strconv.Itoa(code) + " " + gateway.FailedMessages[code] + ")"
	}
	h.log.Info("dashboard: simulator decided", "transactionId", id, "failedCode", code, "by", r.User.Email)
	h.redirect(w, r, orderURL(id), "Simulator: the channel "+verb+" payout "+id+"."+h.simApplied(r.Context()))
}

// simFailed flashes the simulator's refusal on the order's page.
func (h *Handler) simFailed(w http.ResponseWriter, r *Request, id string, err error) {
	h.log.Warn("dashboard: simulator", "transactionId", id, "err", err)
	msg := strings.TrimPrefix(err.Error(), "sim: ")
	h.redirect(w, r, orderURL(id), "Simulator: "+msg+"; nothing was changed.")
}
