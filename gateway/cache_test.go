package gateway_test

import (
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
)

// Apps and fees are cached, but a change made through the gateway applies
// to the very next request.
func TestCachedAppsAndFeesFollowChanges(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		p1 := b.payout(t, "cache-1", "1234567890", 10_000)
		if p1.Fee != 1000+100 {
			t.Fatalf("fee %d, want 1100", p1.Fee)
		}
		if err := b.gw.SetFee(b.ctx, gateway.Fee{MerchantID: b.app.MerchantID, Channel: "*", Fixed: 0, BPS: 200}); err != nil {
			t.Fatal(err)
		}
		if p2 := b.payout(t, "cache-2", "1234567890", 10_000); p2.Fee != 200 {
			t.Errorf("fee after SetFee %d, want 200", p2.Fee)
		}

		if _, err := b.gw.App(b.ctx, b.app.AppID); err != nil {
			t.Fatal(err)
		}
		app := b.app
		app.Disabled = true
		if err := b.gw.UpdateApp(b.ctx, app); err != nil {
			t.Fatal(err)
		}
		if _, err := b.gw.App(b.ctx, b.app.AppID); gateway.KindOf(err) != gateway.KindMerchantUnavailable {
			t.Errorf("App right after it was disabled: %v, want merchant unavailable", err)
		}
	})
}
