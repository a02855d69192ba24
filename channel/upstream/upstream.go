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
//	  answered that it created nothing and the connector is
//	  unusable right now (busy, closed, network, refusing
//	  our credentials)
//	the request was written and then the answer was lost    an unknown outcome (plain error): the payout
//	  (timeout, broken connection), a 5xx, a server error,    is only queried from then on, never sent
//	  an answer we cannot read or a code we do not know       elsewhere
//	a definite business refusal (a field, the bank, the     ChannelResult FAILED with a mapped failed
//	  amount, our balance at the upstream)                    code and the upstream's message
//	a duplicate merchant order id                           PENDING: an earlier attempt created it; the
//	                                                          query or the callback resolves it
//
// Each dialect's file holds its code tables. Results the upstream reports by
// itself arrive at Callbacks, an http.Handler for POST /upstream/{name}/notify.
package upstream

import (
	"context"
	"errors"
	"fmt"
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

// Callback is an upstream's verified word on one of our payouts.
type Callback struct {
	TransactionID string // ours: the upstream's merchant order id
	Amount        int64  // minor units, as the upstream reports it
	Result        gateway.ChannelResult
}

// Callback errors; a connector's ReadCallback wraps one of them.
var (
	ErrCallbackSignature = errors.New("upstream: callback signature does not verify")
	ErrCallbackMalformed = errors.New("upstream: malformed callback")
)

// Notifiable is a connector whose upstream posts results to us.
type Notifiable interface {
	// ReadCallback verifies a notification's signature and maps it. Its
	// errors wrap ErrCallbackSignature or ErrCallbackMalformed; a callback
	// that fails must change nothing.
	ReadCallback(h http.Header, body []byte) (Callback, error)
	// AnswerCallback answers the upstream in its dialect: accepted when err
	// is nil, refused (so that it retries) otherwise.
	AnswerCallback(w http.ResponseWriter, err error)
}
