package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// cmdSimPay pays a payment order, or into a static code, as a customer
// would: the simulated channel receives the money and serve reports it to
// the gateway within a moment.
func cmdSimPay(e *cmdEnv) func(context.Context) error {
	txID := e.fs.String("transaction-id", "", "the payment's transactionId (C...)")
	code := e.fs.String("code", "", "pay into the static code with this mchOrderId instead")
	appID := e.fs.String("app", "", "with --code: the code's appId, needed only when several apps use the mchOrderId")
	amount := e.fs.Int64("amount", 0, "amount paid in minor units; default the ordered (or the code's fixed) amount")
	return withCore(e, func(ctx context.Context, c *core) error {
		if *code != "" || *appID != "" {
			if *txID != "" {
				return errors.New("--code and --transaction-id are alternatives: give one")
			}
			return simPayStatic(ctx, e, c, *appID, *code, *amount)
		}
		if *txID == "" {
			return errors.New("--transaction-id or --code is required")
		}
		p, err := c.store.GetPaymentByID(ctx, *txID)
		if errors.Is(err, gateway.ErrNotFound) {
			return fmt.Errorf("no payment %s", *txID)
		}
		if err != nil {
			return err
		}
		if *amount == 0 {
			*amount = p.Amount
		}
		ref, err := sim.New(c.store, sim.Options{}).Pay(ctx, p.TransactionID, *amount)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "customer paid %s %s into %s (channel reference %s); the gateway books it within a moment\n",
			money.FormatMajor(*amount, p.Currency), p.Currency, p.TransactionID, ref)
		return nil
	})
}

func cmdSettle(e *cmdEnv) func(context.Context) error {
	return withCore(e, func(ctx context.Context, c *core) error {
		total := 0
		for {
			n, err := c.gw.SettlePayments(ctx, 500)
			total += n
			if err != nil {
				return err
			}
			if n < 500 {
				break
			}
		}
		fmt.Fprintf(e.stdout, "settled %d payment(s)\n", total)
		return nil
	})
}

func cmdMerchantSettlement(e *cmdEnv) func(context.Context) error {
	appID := e.fs.String("app", "", "the merchant's appId")
	delay := e.fs.Duration("delay", 0, "how long collected money stays pending, e.g. 24h; 0 settles at once")
	return withCore(e, func(ctx context.Context, c *core) error {
		if err := required(map[string]string{"app": *appID}); err != nil {
			return err
		}
		mid, err := appMerchant(ctx, c, *appID)
		if err != nil {
			return err
		}
		if err := c.gw.SetSettlementDelay(ctx, mid, *delay); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "merchant %s: collected money settles %s after payment\n", mid, delay.Round(time.Second))
		return nil
	})
}
