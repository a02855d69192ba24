package gateway

import (
	"context"
	"errors"
)

// Reconcile queries the channels about payouts that have stayed PENDING
// longer than Config.ReconcileAfter since their last change, applies final
// answers, and returns how many payouts it settled. A channel that has no
// record of a payout for longer than Config.NotFoundGrace after its creation
// never received it; the payout then fails with -10006 and its hold is
// released.
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
		conn, ok := g.router.Connector(p.TransferCode)
		if !ok {
			continue
		}
		res, err := conn.QueryPayout(ctx, p.TransactionID)
		switch {
		case errors.Is(err, ErrChannelNotFound) && now.Sub(p.CreatedAt) > g.cfg.NotFoundGrace:
			res = ChannelResult{Status: StatusFailed, FailedCode: FailedNetworkReject}
		case err != nil || res.Status == StatusPending:
			if err != nil && !errors.Is(err, ErrChannelNotFound) {
				g.log.Warn("reconcile: query failed", "transactionId", p.TransactionID, "err", err)
			}
			// Touch it so that the next round looks at others first.
			if err := g.store.InTx(ctx, func(tx Tx) error {
				return tx.SetPayoutChannel(ctx, p.TransactionID, p.ChannelState, p.ChannelRef, now)
			}); err != nil {
				return settled, err
			}
			continue
		}
		if err := g.ApplyPayoutResult(ctx, p.TransactionID, res); err != nil {
			return settled, err
		}
		settled++
	}
	return settled, nil
}
