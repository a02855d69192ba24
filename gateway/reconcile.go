package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Reconcile looks at payouts that have stayed PENDING longer than
// Config.ReconcileAfter since their last change, and returns how many it
// settled:
//
//   - NEW (never handed to the channel, e.g. its outbox message ran out of
//     retries): submitted again; SubmitPayout's claim keeps that to one send.
//   - SUBMITTED or UNKNOWN: the channel is queried and a final answer applied.
//     A channel with no record of an UNKNOWN payout more than
//     Config.NotFoundGrace after its submission never received it: the payout
//     fails with -10006 and its hold is released. A SUBMITTED payout, which
//     the channel acknowledged, is never failed for being unknown to it; that
//     is logged for an operator.
//
// A payout that cannot be handled is logged and skipped, so that one bad
// payout does not hold up the rest.
func (g *Gateway) Reconcile(ctx context.Context, limit int) (int, error) {
	now := g.now()
	stale, err := g.store.ListPayoutsToReconcile(ctx, now.Add(-g.cfg.ReconcileAfter), limit)
	if err != nil {
		return 0, err
	}
	settled := 0
	for _, p := range stale {
		if ctx.Err() != nil {
			return settled, ctx.Err()
		}
		done, err := g.reconcileOne(ctx, p)
		if err != nil {
			g.log.Warn("reconcile", "transactionId", p.TransactionID, "err", err)
		}
		if done {
			settled++
			continue
		}
		// Touch it so that the next round looks at others first.
		if err := g.store.InTx(ctx, func(tx Tx) error { return tx.TouchPayout(ctx, p.TransactionID, g.now()) }); err != nil {
			return settled, err
		}
	}
	return settled, nil
}

// reconcileOne reports whether it settled the payout.
func (g *Gateway) reconcileOne(ctx context.Context, p Payout) (bool, error) {
	if p.ChannelState == ChannelNew {
		return false, g.SubmitPayout(ctx, p.TransactionID)
	}
	conn, ok := g.payoutConnector(p)
	if !ok {
		return false, errors.New("no connector " + p.Connector + " for channel " + p.TransferCode)
	}
	res, err := conn.QueryPayout(ctx, p.TransactionID)
	switch {
	case errors.Is(err, ErrChannelNotFound) && p.ChannelState == ChannelUnknown:
		if g.now().Sub(p.SubmittedAt) <= g.cfg.NotFoundGrace {
			return false, nil
		}
		res = ChannelResult{Status: StatusFailed, FailedCode: FailedNetworkReject}
	case errors.Is(err, ErrChannelNotFound):
		g.log.Error("ATTENTION: the channel has no record of a payout it acknowledged",
			"transactionId", p.TransactionID, "channelRef", p.ChannelRef)
		return false, nil
	case err != nil:
		return false, err
	case res.Status == StatusPending:
		return false, nil
	}
	if err := g.ApplyPayoutResult(ctx, p.TransactionID, res); err != nil {
		return false, err
	}
	return true, nil
}

// payoutConnector returns the connector that holds a submitted payout.
// Every payout claimed for submission records one (migration 0007 gave
// those submitted before connectors had names the simulator's), so an empty
// or unknown name is a configuration problem that CheckRoutes reports.
func (g *Gateway) payoutConnector(p Payout) (Connector, bool) {
	if p.Connector == "" {
		return nil, false
	}
	return g.router.Named(p.Connector)
}

// CheckRoutes returns an error naming every connector that holds payouts
// in flight (submitted, not final) but that the router does not know: their
// results could then never be learned. Servers call it at start, so that a
// connector is not removed from the routes while it still holds payouts.
func (g *Gateway) CheckRoutes(ctx context.Context) error {
	names, err := g.store.PayoutConnectorsInFlight(ctx)
	if err != nil {
		return fmt.Errorf("gateway: check routes: %w", err)
	}
	var missing []string
	for _, n := range names {
		if _, ok := g.router.Named(n); !ok || n == "" {
			missing = append(missing, fmt.Sprintf("%q", n))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("gateway: pending payouts are held by connector(s) %s, which the routes no longer name; "+
			"keep them configured until those payouts are final", strings.Join(missing, ", "))
	}
	return nil
}
