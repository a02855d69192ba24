package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// simPayStatic pays amount into the static code with mchOrderId codeRef (of
// app appID, when given) through the simulated channel, which refuses
// payments the code does not take.
func simPayStatic(ctx context.Context, e *cmdEnv, c *core, appID, codeRef string, amount int64) error {
	if codeRef == "" {
		return errors.New("--code is required with --app")
	}
	code, err := findStaticCode(ctx, c, appID, codeRef)
	if err != nil {
		return err
	}
	if amount == 0 {
		if code.Amount == 0 {
			return fmt.Errorf("static code %s takes any amount from %s to %s %s: give --amount (minor units)", code.MchOrderID,
				money.FormatMajor(code.MinAmount, code.Currency), money.FormatMajor(code.MaxAmount, code.Currency), code.Currency)
		}
		amount = code.Amount
	}
	ref, err := sim.New(c.store, sim.Options{StaticCodes: c.gw}).PayStatic(ctx, code.ID, amount)
	if err != nil {
		if msg, ok := refusal(err); ok {
			return fmt.Errorf("the channel refused the payment: %s", msg)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "customer paid %s %s into static code %s (%s, channel reference %s); the gateway books it within a moment\n",
		money.FormatMajor(amount, code.Currency), code.Currency, code.MchOrderID, code.ID, ref)
	return nil
}

// findStaticCode finds a static code by mchOrderId, in app appID when given;
// without it the mchOrderId must name one code of one app.
func findStaticCode(ctx context.Context, c *core, appID, mchOrderID string) (gateway.StaticCode, error) {
	if appID != "" {
		code, err := c.store.GetStaticCode(ctx, appID, gateway.StaticRef{MchOrderID: mchOrderID})
		if errors.Is(err, gateway.ErrNotFound) {
			return gateway.StaticCode{}, fmt.Errorf("app %s has no static code %s", appID, mchOrderID)
		}
		return code, err
	}
	codes, err := c.store.FindStaticCodes(ctx, mchOrderID)
	if err != nil {
		return gateway.StaticCode{}, err
	}
	switch len(codes) {
	case 0:
		return gateway.StaticCode{}, fmt.Errorf("no static code %s", mchOrderID)
	case 1:
		return codes[0], nil
	}
	apps := make([]string, len(codes))
	for i, code := range codes {
		apps[i] = code.AppID
	}
	return gateway.StaticCode{}, fmt.Errorf("apps %s each have a static code %s: say which with --app", strings.Join(apps, ", "), mchOrderID)
}

// refusal returns the message of a gateway refusal.
func refusal(err error) (string, bool) {
	var ge *gateway.Error
	if errors.As(err, &ge) {
		return ge.Error(), true
	}
	return "", false
}
