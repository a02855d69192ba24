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
// the results of the payouts we handed it. A notification is considered only
// when its signature verifies with that connector's secret and the payout it
// names exists here and is held by that connector (Payout.Connector ==
// name). Then:
//
//   - a Trigger (dialect A, whose platform key signs every merchant's
//     notifications) is not believed: the connector queries the upstream,
//     which answers for our own account only, and the query's answer is
//     applied (see agree for the amount check); a payout already final here
//     is left as it is, without a query;
//   - any other callback (dialect B, signed with our own apiKey) is applied
//     as it says when its amount and currency agree with the payout's.
//
// Results go to Results.ApplyPayoutResult, which applies a payout's final
// result exactly once however often callbacks and the reconciler's queries
// report it. The upstream gets its dialect's answer: accepted once the
// result is applied or is still pending (so that it stops retrying), refused
// otherwise, so that it retries: a query that cannot be made, or that finds
// no such order at the upstream, is a refusal.
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
	err = c.apply(r.Context(), name, conn, cb)
	if err != nil {
		log.Error("upstream callback not applied", "transactionId", cb.TransactionID, "err", err)
	}
	conn.AnswerCallback(w, err)
}

// apply checks a verified callback against the payout it names and applies
// its result, or for a Trigger the upstream's answer to a query.
func (c *Callbacks) apply(ctx context.Context, name string, conn Notifiable, cb Callback) error {
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
	if !cb.Trigger {
		if err := agree(c.log, name, p, "callback", cb.Amount, cb.Currency, false); err != nil {
			return err
		}
		return c.results.ApplyPayoutResult(ctx, p.TransactionID, cb.Result)
	}
	if p.Status != gateway.StatusPending {
		return nil // final here: a repeated notification, or one about another order
	}
	res, err := conn.QueryPayout(ctx, p.TransactionID)
	if err != nil {
		return fmt.Errorf("upstream %s: query %s on its callback: %w", name, p.TransactionID, err)
	}
	if res.Status == gateway.StatusPending {
		return nil // still under way there; its final answer will come
	}
	return c.results.ApplyPayoutResult(ctx, p.TransactionID, res)
}
