package gateway

import (
	"context"
	"errors"
	"time"
)

// submission is one order on its way to its channel: the steps that differ
// between payouts and refunds. submitOnce holds the protocol they share.
type submission struct {
	kind string // "payout" or "refund", for logs
	id   string
	// claim moves the order from channel state NEW to UNKNOWN; false when it
	// was not NEW.
	claim func(ctx context.Context, tx Tx, at time.Time) (bool, error)
	// send calls the channel.
	send func(ctx context.Context) (ChannelResult, error)
	// setChannel records a channel state and reference.
	setChannel func(ctx context.Context, tx Tx, state ChannelState, ref string, at time.Time) error
	// apply settles the order with a final result.
	apply func(ctx context.Context, r ChannelResult) error
}

// submitOnce hands an order to its channel at most once. Before calling the
// channel it commits the move from NEW to UNKNOWN, so that a redelivery, a
// second process or the reconciler sends nothing again; only the channel's
// certain ErrNotSent puts the order back to NEW. What the channel answered
// is written with a context of its own, since the call may have used up
// ctx. A nil error means the submission is done with (sent, settled, or its
// outcome left to queries); an error that it was not sent and may be tried
// again.
func (g *Gateway) submitOnce(ctx context.Context, s submission) error {
	claimed := false
	if err := g.store.InTx(ctx, func(tx Tx) error {
		var err error
		claimed, err = s.claim(ctx, tx, g.now())
		return err
	}); err != nil || !claimed {
		return err
	}
	res, err := s.send(ctx)
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	defer cancel()
	switch {
	case errors.Is(err, ErrNotSent):
		if werr := g.store.InTx(wctx, func(tx Tx) error {
			return s.setChannel(wctx, tx, ChannelNew, "", g.now())
		}); werr != nil {
			// It stays UNKNOWN: the reconciler queries, finds nothing, and
			// fails it after the grace period. Nothing is sent twice.
			g.log.Error("submit: cannot mark unsent", "kind", s.kind, "id", s.id, "err", werr)
		}
		return err
	case err != nil:
		// The channel may or may not have it: it stays UNKNOWN, resolved by queries only.
		g.log.Warn("submission outcome unknown; the reconciler will query", "kind", s.kind, "id", s.id, "err", err)
		return nil
	case res.Status == StatusPending:
		return g.store.InTx(wctx, func(tx Tx) error {
			return s.setChannel(wctx, tx, ChannelSubmitted, res.ChannelRef, g.now())
		})
	default:
		return s.apply(wctx, res)
	}
}
