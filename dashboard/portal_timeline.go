package dashboard

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/money"
	"github.com/kasir-gateway/kasir/notify"
)

// timelineItem is one thing that happened to an order: a state change, a
// ledger entry, an outbox message or one attempt to deliver it.
type timelineItem struct {
	At       time.Time
	Kind     string // state, ledger, message or attempt
	Title    string
	Class    string // good, bad or "": the dot's colour
	Status   string // a badge, when the item has one
	Lines    []string
	Postings []ledger.Posting
	// Excerpt is a request body or an answer, under ExcerptLabel.
	Excerpt      string
	ExcerptLabel string
	EntryID      string // ledger entries
	MessageID    int64  // messages and their attempts
	OK           bool   // attempts
}

// timeline merges, oldest first, the order's state changes as the store
// keeps them, its ledger entries, and its outbox messages with their
// delivery attempts. Items at the same instant keep that order.
//
// Merchant users see the notifications only: the channel submissions'
// attempts hold the connectors' own errors, which may name internal hosts,
// and the connector's name is the operator's business.
func (h *Handler) timeline(ctx context.Context, o orderView, merchantNo int64, operator bool) ([]timelineItem, error) {
	var items []timelineItem
	switch {
	case o.Payout != nil:
		items = payoutStates(*o.Payout, operator)
	case o.Payment != nil:
		items = paymentStates(*o.Payment)
	case o.Refund != nil:
		items = refundStates(*o.Refund)
	}
	entries, err := h.opts.Data.LedgerEntries(ctx, o.TransactionID)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		items = append(items, timelineItem{At: e.At, Kind: "ledger", Title: "Ledger entry: " + e.Kind,
			EntryID: e.ID, Postings: e.Postings})
	}
	msgs, err := h.opts.Data.ListOutbox(ctx, o.TransactionID)
	if err != nil {
		return nil, err
	}
	for _, m := range msgs {
		if !operator && m.Topic != gateway.TopicNotify {
			continue
		}
		items = append(items, messageItem(m, merchantNo))
		attempts, err := h.opts.Data.ListAttempts(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, a := range attempts {
			items = append(items, attemptItem(m, a))
		}
	}
	slices.SortStableFunc(items, func(a, b timelineItem) int { return a.At.Compare(b.At) })
	return items, nil
}

func showAmount(minor int64, currency string) string {
	return money.FormatMajor(minor, currency) + " " + currency
}

func payoutStates(p gateway.Payout, operator bool) []timelineItem {
	items := []timelineItem{{At: p.CreatedAt, Kind: "state", Title: "Payout created", Status: string(gateway.StatusPending),
		Lines: []string{fmt.Sprintf("%s to %s %s; fee %s. Amount and fee held from the available balance.",
			showAmount(p.Amount, p.Currency), p.TransferCode, p.AccountNo, showAmount(p.Fee, p.Currency))}}}
	if !p.SubmittedAt.IsZero() {
		it := timelineItem{At: p.SubmittedAt, Kind: "state", Title: "Handed to the channel " + p.TransferCode,
			Lines: []string{"Channel state: " + string(p.ChannelState)}}
		if operator {
			it.Lines = append([]string{"Connector: " + p.Connector}, it.Lines...)
		}
		if p.ChannelRef != "" {
			it.Lines = append(it.Lines, "Channel reference: "+p.ChannelRef)
		}
		items = append(items, it)
	}
	if !p.FinishedAt.IsZero() {
		items = append(items, finished(p.FinishedAt, "Payout", string(p.Status), p.FailedCode, p.FailedMessage))
	}
	return items
}

func paymentStates(p gateway.Payment) []timelineItem {
	created := timelineItem{At: p.CreatedAt, Kind: "state", Title: "Payment created", Status: string(gateway.StatusPending),
		Lines: []string{fmt.Sprintf("%s asked through %s.", showAmount(p.Amount, p.Currency), p.ChannelCode)}}
	if p.StaticCodeID != "" {
		created.Lines[0] = fmt.Sprintf("Paid into static code %s through %s.", p.StaticCodeID, p.ChannelCode)
	}
	if !p.ExpireAt.IsZero() {
		created.Lines = append(created.Lines, "Expires at "+p.ExpireAt.UTC().Format(time.DateTime)+" UTC.")
	}
	items := []timelineItem{created}
	switch {
	case p.Status == gateway.StatusExpired:
		items = append(items, finished(firstNonZero(p.FinishedAt, p.ExpireAt), "Payment", string(p.Status), 0, "The customer did not pay in time."))
	case p.Status == gateway.StatusFailed:
		items = append(items, finished(p.FinishedAt, "Payment", string(p.Status), 0, ""))
	case p.Status == gateway.StatusCompleted:
		if p.Flag == gateway.FlagLate && !p.ExpireAt.IsZero() {
			items = append(items, timelineItem{At: p.ExpireAt, Kind: "state", Title: "Payment expired", Class: "bad", Status: string(gateway.StatusExpired)})
		}
		it := finished(p.FinishedAt, "Payment", string(p.Status), 0, "")
		it.Lines = append(it.Lines, fmt.Sprintf("Paid %s; fee %s.", showAmount(p.PaidAmount, p.Currency), showAmount(p.Fee, p.Currency)))
		if p.Flag != "" {
			it.Lines = append(it.Lines, "Flag: "+p.Flag)
		}
		if p.ChannelRef != "" {
			it.Lines = append(it.Lines, "Channel reference: "+p.ChannelRef)
		}
		if p.SettledAt.IsZero() && !p.SettleAt.IsZero() {
			it.Lines = append(it.Lines, "Settles at "+p.SettleAt.UTC().Format(time.DateTime)+" UTC.")
		}
		items = append(items, it)
	}
	if !p.SettledAt.IsZero() {
		items = append(items, timelineItem{At: p.SettledAt, Kind: "state", Title: "Settled", Class: "good",
			Lines: []string{"The net amount moved from pending to available."}})
	}
	return items
}

func refundStates(r gateway.Refund) []timelineItem {
	items := []timelineItem{{At: r.CreatedAt, Kind: "state", Title: "Refund requested", Status: string(gateway.RefundPending),
		Lines: []string{fmt.Sprintf("%s of payment %s; held from the available balance.", showAmount(r.Amount, r.Currency), r.OriginalTransactionID)}}}
	if r.Reason != "" {
		items[0].Lines = append(items[0].Lines, "Reason: "+r.Reason)
	}
	if !r.SubmittedAt.IsZero() {
		it := timelineItem{At: r.SubmittedAt, Kind: "state", Title: "Handed to the channel " + r.ChannelCode,
			Lines: []string{"Channel state: " + string(r.ChannelState)}}
		if r.ChannelRef != "" {
			it.Lines = append(it.Lines, "Channel reference: "+r.ChannelRef)
		}
		items = append(items, it)
	}
	if !r.FinishedAt.IsZero() {
		items = append(items, finished(r.FinishedAt, "Refund", string(r.Status), r.FailedCode, r.FailedMessage))
	}
	return items
}

// finished is the item of an order's final status.
func finished(at time.Time, what, status string, failedCode int, failedMessage string) timelineItem {
	it := timelineItem{At: at, Kind: "state", Title: what + " " + strings.ToLower(status), Status: status, Class: "bad"}
	if status == string(gateway.StatusCompleted) || status == string(gateway.RefundComplete) {
		it.Class = "good"
	}
	switch {
	case failedCode != 0:
		it.Lines = append(it.Lines, fmt.Sprintf("Failed code %d: %s", failedCode, failedMessage))
	case failedMessage != "":
		it.Lines = append(it.Lines, failedMessage)
	}
	return it
}

func messageItem(m gateway.OutboxMessage, merchantNo int64) timelineItem {
	it := timelineItem{At: m.CreatedAt, Kind: "message", MessageID: m.ID, Status: string(m.Status)}
	switch m.Topic {
	case gateway.TopicNotify:
		it.Title = "Notification " + m.Event + " queued"
		it.Lines = []string{"To " + m.URL}
		it.ExcerptLabel, it.Excerpt = requestBody(m, merchantNo)
	case gateway.TopicSubmit:
		it.Title = "Submission to the channel queued"
	case gateway.TopicRefund:
		it.Title = "Refund submission to the channel queued"
	default:
		it.Title = "Outbox message (" + m.Topic + ") queued"
	}
	it.Lines = append(it.Lines, fmt.Sprintf("Attempts: %d", m.Attempts))
	switch m.Status {
	case gateway.OutboxPending:
		it.Lines = append(it.Lines, "Next attempt at "+m.NextAttemptAt.UTC().Format(time.DateTime)+" UTC.")
	case gateway.OutboxDelivered:
		it.Class = "good"
	case gateway.OutboxDead:
		it.Class = "bad"
		it.Lines = append(it.Lines, "Retries ran out; resend to try again.")
	}
	return it
}

func attemptItem(m gateway.OutboxMessage, a gateway.DeliveryAttempt) timelineItem {
	it := timelineItem{At: a.At, Kind: "attempt", MessageID: m.ID, OK: a.OK, Class: "good", Status: "OK",
		Excerpt: bodyExcerpt([]byte(a.Response)), ExcerptLabel: "Response"}
	what := "Delivery attempt"
	if m.Topic != gateway.TopicNotify {
		what = "Channel attempt"
	}
	answer := "no HTTP answer"
	if a.HTTPStatus != 0 {
		answer = fmt.Sprintf("HTTP %d", a.HTTPStatus)
	}
	it.Title = fmt.Sprintf("%s: %s in %s", what, answer, a.Latency.Round(time.Millisecond))
	if a.OK {
		return it
	}
	it.Class, it.Status = "bad", "FAILED"
	switch {
	case a.HTTPStatus == 0:
		it.Lines = []string{"The request failed before an answer came:"}
		it.ExcerptLabel = "Error"
	case a.HTTPStatus != http.StatusOK:
		it.Lines = []string{fmt.Sprintf("The endpoint answered HTTP %d; only 200 with the acknowledgement counts.", a.HTTPStatus)}
	default:
		it.Lines = []string{"HTTP 200, but the body was not the acknowledgement (dialect A: JSON with code 10000; dialect B: SUCCESS)."}
	}
	return it
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// requestBody shows what a notification sends, encoded as the notify
// package encodes it for the order's dialect: dialect A's signed param
// document (the body wraps it with its signature), dialect B's body. The
// stored event is shown when it cannot be encoded.
func requestBody(m gateway.OutboxMessage, merchantNo int64) (label, body string) {
	var ev gateway.Event
	if err := json.Unmarshal(m.Payload, &ev); err != nil {
		return "Stored event", bodyExcerpt(m.Payload)
	}
	switch ev.Dialect {
	case gateway.DialectA:
		if param, err := notify.EncodeParam(ev); err == nil {
			return `Request body: {"param": <this document>, "sign": <its signature>}`, bodyExcerpt(param)
		}
	case gateway.DialectB:
		if b, err := notify.EncodeDialectB(ev, merchantNo); err == nil {
			return "Request body (dialect B; signed in the Sign header)", bodyExcerpt(b)
		}
	}
	return "Stored event", bodyExcerpt(m.Payload)
}
