package main

import (
	"context"
	"fmt"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
)

// cmdSimRefund decides a refund the simulated channel holds before its delay
// is up: complete it, or with --fail fail it.
func cmdSimRefund(e *cmdEnv) func(context.Context) error {
	id := e.fs.String("refund-id", "", "the refund's refundTransactionId (R...)")
	fail := e.fs.Bool("fail", false, "fail the refund instead of completing it")
	code := e.fs.Int("code", gateway.FailedRefund, "failed code with --fail")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"refund-id": *id}); err != nil {
			return err
		}
		if !*fail {
			*code = 0
		}
		if err := sim.New(c.store, sim.Options{}).DecideRefund(ctx, *id, *code); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "simulated channel decided refund %s; the gateway applies it within a moment\n", *id)
		return nil
	})
}
