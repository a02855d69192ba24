// Package upstream holds the connectors that hand payouts to another
// gateway, Kasir acting as one of its merchants: DialectA speaks the Open API
// (package client), DialectB the header-signed API of seed 002. Both use our
// transactionId as the merchant order id at the upstream (and, in dialect A,
// as the idempotencyId too), so that a query by it always finds whatever a
// submission may have created there, and a repeated submission cannot make a
// second order.
//
// A submission's outcome is classified so that the gateway's submit-once
// protocol (gateway.SubmitPayout) can fail over safely:
//
//	nothing reached the upstream (refused, unreachable,      gateway.ErrNotSent: the next route is tried
//	  a deadline before the request was written), or it
//	  answered, before writing anything, that the connector
//	  is unusable right now (channel closed, network, too
//	  many requests, refusing our credentials)
//	the request was written and then the answer was lost    an unknown outcome (plain error): the payout
//	  (timeout, broken connection), a 5xx, a server error     is only queried from then on, never sent
//	  or "busy" (a commit may have failed in doubt), a        elsewhere
//	  repeated request, an answer we cannot read or a code
//	  we do not know
//	a definite business refusal (a field, the bank, the     ChannelResult FAILED with a mapped failed
//	  amount, our balance at the upstream)                    code and the upstream's message
//	a duplicate merchant order id                           PENDING: an earlier attempt created it; the
//	                                                          query or the callback resolves it
//
// An answer about a payout (a submission's or a query's) is applied only when
// its amount, and its currency when it names one, are our payout's; an answer
// that differs is an error logged with "ATTENTION" (see agree), and the payout
// stays PENDING for an operator. A query's answer must carry the amount; a
// submission's may leave it out.
//
// Each dialect's file holds its code tables. Results the upstream reports by
// itself arrive at Callbacks, an http.Handler for POST /upstream/{name}/notify.
package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptrace"
	"sync/atomic"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// PayoutReader reads our payouts; the gateway's store satisfies it.
type PayoutReader interface {
	// GetPayoutByID returns a payout; gateway.ErrNotFound when there is none.
	GetPayoutByID(ctx context.Context, transactionID string) (gateway.Payout, error)
}

// DefaultTimeout bounds one call to an upstream when the connector's options
// give none.
const DefaultTimeout = 30 * time.Second

// NewHTTPClient returns the HTTP client of a connector: a transport of its
// own (connections are not shared with other upstreams) that gives up
// dialing after 5 seconds, and timeout for the whole exchange.
func NewHTTPClient(timeout time.Duration) *http.Client {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	tr.MaxIdleConnsPerHost = 16
	return &http.Client{Transport: tr, Timeout: timeout}
}

// sendTrace tells whether a request's headers were written to a connection.
// A call that failed before that certainly created nothing upstream.
type sendTrace struct{ wrote atomic.Bool }

// traced returns ctx carrying a trace that records the write.
func traced(ctx context.Context) (context.Context, *sendTrace) {
	st := &sendTrace{}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteHeaders: func() { st.wrote.Store(true) },
	}), st
}

// transportError classifies the error of a call that got no answer from the
// upstream's API: ErrNotSent when the request was never written, an unknown
// outcome otherwise.
func transportError(name string, st *sendTrace, err error) error {
	if !st.wrote.Load() {
		return fmt.Errorf("%w: upstream %s: %v", gateway.ErrNotSent, name, err)
	}
	return fmt.Errorf("upstream %s: outcome unknown: %w", name, err)
}

// notSent wraps an upstream's answer that certainly created nothing.
func notSent(name string, answer error) error {
	return fmt.Errorf("%w: upstream %s refused: %w", gateway.ErrNotSent, name, answer)
}

// failed is a definite refusal of a payout by the upstream.
func failed(code int, msg string) gateway.ChannelResult {
	if msg == "" {
		msg = gateway.FailedMessages[code]
	}
	return gateway.ChannelResult{Status: gateway.StatusFailed, FailedCode: code, FailedMessage: msg}
}

// knownFailedCodes are the failed codes an upstream Kasir (or a provider of
// the same platform) may report that mean the same here; others become
// FailedChannelRejected.
var knownFailedCodes = map[int]bool{
	gateway.FailedService: true, gateway.FailedExceedLimit: true, gateway.FailedParams: true,
	gateway.FailedInsufficient: true, gateway.FailedChannelRejected: true, gateway.FailedDestination: true,
	gateway.FailedNetworkReject: true, gateway.FailedCanceled: true,
}

// mapFailedCode maps an upstream's failed code onto ours.
func mapFailedCode(code int) int {
	if knownFailedCodes[code] {
		return code
	}
	return gateway.FailedChannelRejected
}

// Callback is an upstream's verified notification about one of our payouts.
type Callback struct {
	TransactionID string // ours: the upstream's merchant order id
	Amount        int64  // minor units, as the upstream reports it
	Currency      string // "" when the notification names none
	Result        gateway.ChannelResult
	// Trigger marks a notification whose signature does not prove that it
	// is about our order: dialect A's platform key signs every merchant's
	// notifications, and the body names no merchant, so another merchant of
	// the upstream can have one sent about an order of its own that has our
	// transactionId as its mchOrderId. Such a callback only prompts a query
	// (scoped to our account there); its Amount and Result are not used.
	Trigger bool
}

// Callback errors; a connector's ReadCallback wraps one of them.
var (
	ErrCallbackSignature = errors.New("upstream: callback signature does not verify")
	ErrCallbackMalformed = errors.New("upstream: malformed callback")
)

// Notifiable is a connector whose upstream posts results to us.
type Notifiable interface {
	// QueryPayout asks the upstream about one of our payouts, as
	// gateway.Connector's QueryPayout does; Callbacks calls it for a
	// callback that is only a Trigger.
	QueryPayout(ctx context.Context, transactionID string) (gateway.ChannelResult, error)
	// ReadCallback verifies a notification's signature and maps it. Its
	// errors wrap ErrCallbackSignature or ErrCallbackMalformed; a callback
	// that fails must change nothing.
	ReadCallback(h http.Header, body []byte) (Callback, error)
	// AnswerCallback answers the upstream in its dialect: accepted when err
	// is nil, refused (so that it retries) otherwise.
	AnswerCallback(w http.ResponseWriter, err error)
}

// agree checks that an upstream's answer is about the payout we hold: the
// same amount and, when the answer names a currency, the same one. what
// names the answer ("query", "payOut answer", ...) in the log and the error.
// An amount of 0 is the upstream leaving it out, which only a submission's
// answer may do (optional). A difference is logged with "ATTENTION", since
// money may be about to move in a way the ledger does not know, and is
// returned as an error so that the answer is not applied.
func agree(log *slog.Logger, name string, p gateway.Payout, what string, amount int64, currency string, optional bool) error {
	amountOK := amount == p.Amount || (optional && amount == 0)
	if amountOK && (currency == "" || currency == p.Currency) {
		return nil
	}
	log.Error("ATTENTION: upstream answer is about another amount or currency; not applied",
		"connector", name, "transactionId", p.TransactionID, "answer", what,
		"amount", p.Amount, "currency", p.Currency, "upstreamAmount", amount, "upstreamCurrency", currency)
	return fmt.Errorf("upstream %s: ATTENTION: %s for %s says %d %s, our payout is %d %s",
		name, what, p.TransactionID, amount, currency, p.Amount, p.Currency)
}

// orDefault returns log, or slog.Default() when it is nil.
func orDefault(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}
