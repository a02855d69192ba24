package upstream

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"

	"github.com/kasir-gateway/kasir/gateway"
)

// maxCallbackBytes bounds a notification body.
const maxCallbackBytes = 1 << 20

// errNotOurs refuses a verified callback about a payout that does not exist
// here or that another connector holds.
var errNotOurs = errors.New("upstream: callback about a payout this connector does not hold")

// Callbacks serves POST /upstream/{name}/notify, where each upstream posts
// the results of the payouts we handed it. A notification is applied only
// when its signature verifies with that connector's secret, the payout it
// names exists and is held by that connector (Payout.Connector == name),
// and the amount agrees; then the mapped result goes to
// Results.ApplyPayoutResult, which applies a payout's final result exactly
// once however often callbacks and the reconciler's queries report it. The
// upstream gets its dialect's answer: accepted once applied (or when it
// reports a payout still pending), refused otherwise, so that it retries.
type Callbacks struct {
	payouts PayoutReader
	results gateway.Results
	log     *slog.Logger
	conns   map[string]Notifiable
	mux     *http.ServeMux
}

// NewCallbacks returns the handler for the connectors by name; payouts is
// read to check that a payout is held by the connector its callback came
// to, and results (the gateway) applies them.
func NewCallbacks(payouts PayoutReader, results gateway.Results, log *slog.Logger, conns map[string]Notifiable) *Callbacks {
	if log == nil {
		log = slog.Default()
	}
	c := &Callbacks{payouts: payouts, results: results, log: log, conns: conns, mux: http.NewServeMux()}
	c.mux.HandleFunc("POST /upstream/{name}/notify", c.notify)
	return c
}

// ServeHTTP handles one notification. A connector name it does not know is
// 404; any other refusal is answered in the connector's dialect.
func (c *Callbacks) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mux.ServeHTTP(w, r)
}

func (c *Callbacks) notify(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	conn, ok := c.conns[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	log := c.log.With(slog.Group("callback", "connector", name))
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCallbackBytes))
	if err != nil {
		conn.AnswerCallback(w, fmt.Errorf("%w: %v", ErrCallbackMalformed, err))
		return
	}
	cb, err := conn.ReadCallback(r.Header, body)
	if err != nil {
		log.Warn("upstream callback refused", "err", err)
		conn.AnswerCallback(w, err)
		return
	}
	err = c.apply(r.Context(), name, cb)
	if err != nil {
		log.Error("upstream callback not applied", "transactionId", cb.TransactionID, "err", err)
	}
	conn.AnswerCallback(w, err)
}

// apply checks a verified callback against the payout it names and applies
// its result.
func (c *Callbacks) apply(ctx context.Context, name string, cb Callback) error {
	p, err := c.payouts.GetPayoutByID(ctx, cb.TransactionID)
	if errors.Is(err, gateway.ErrNotFound) {
		return fmt.Errorf("%w: no payout %q", errNotOurs, cb.TransactionID)
	}
	if err != nil {
		return err
	}
	if p.Connector != name {
		return fmt.Errorf("%w: %s is held by %q", errNotOurs, p.TransactionID, p.Connector)
	}
	if cb.Amount != p.Amount {
		// Money may be where the ledger says it is not: an operator must look.
		return fmt.Errorf("ATTENTION: upstream reports amount %d for %s, which is of %d", cb.Amount, p.TransactionID, p.Amount)
	}
	return c.results.ApplyPayoutResult(ctx, p.TransactionID, cb.Result)
}
