package gateway_test

import (
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

func TestIssueAPIKey(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		no, k1, err := b.gw.IssueAPIKey(b.ctx, b.app.MerchantID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if no < 100001 || len(k1) != 32 {
			t.Fatalf("merchantNo %d, apiKey %q: want a number from 100001 and a 32-character key", no, k1)
		}
		c, err := b.gw.Credential(b.ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		if c.App.AppID != b.app.AppID || len(c.Keys) != 1 || c.Keys[0] != k1 {
			t.Fatalf("credential %+v: want app %s and key %s", c, b.app.AppID, k1)
		}

		t.Run("RotateWithGrace", func(t *testing.T) {
			no2, k2, err := b.gw.IssueAPIKey(b.ctx, b.app.MerchantID, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			if no2 != no || k2 == k1 {
				t.Fatalf("rotation gave merchantNo %d (want %d) and key %q (old %q)", no2, no, k2, k1)
			}
			c, err := b.gw.Credential(b.ctx, no)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Keys) != 2 || c.Keys[0] != k2 || c.Keys[1] != k1 {
				t.Fatalf("keys during grace = %v, want [new old]", c.Keys)
			}
			// Notifications keep the old key until it expires.
			if gotNo, key, err := b.gw.SigningKey(b.ctx, b.app.MerchantID); err != nil || gotNo != no || key != k1 {
				t.Fatalf("SigningKey during grace = %d %q %v, want the old key", gotNo, key, err)
			}
			b.clock.Advance(time.Hour + time.Millisecond)
			if _, key, err := b.gw.SigningKey(b.ctx, b.app.MerchantID); err != nil || key != k2 {
				t.Fatalf("SigningKey after grace = %q %v, want the new key", key, err)
			}
			c, err = b.gw.Credential(b.ctx, no)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Keys) != 1 || c.Keys[0] != k2 {
				t.Fatalf("keys after grace = %v, want only the new one", c.Keys)
			}
		})
		t.Run("RotateAtOnce", func(t *testing.T) {
			_, k3, err := b.gw.IssueAPIKey(b.ctx, b.app.MerchantID, 0)
			if err != nil {
				t.Fatal(err)
			}
			c, err := b.gw.Credential(b.ctx, no)
			if err != nil {
				t.Fatal(err)
			}
			if len(c.Keys) != 1 || c.Keys[0] != k3 {
				t.Fatalf("keys after rotation without grace = %v, want only %s", c.Keys, k3)
			}
		})
		t.Run("ErrUnknownMerchantNo", func(t *testing.T) {
			if _, err := b.gw.Credential(b.ctx, no+1000); gateway.KindOf(err) != gateway.KindNotFound {
				t.Fatalf("Credential(unknown) = %v, want not found", err)
			}
		})
		t.Run("SecondMerchantGetsNextNumber", func(t *testing.T) {
			m2, _, err := b.gw.CreateMerchant(b.ctx, gateway.NewMerchant{Name: "Bodega Lima"})
			if err != nil {
				t.Fatal(err)
			}
			no2, _, err := b.gw.IssueAPIKey(b.ctx, m2.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			if no2 == no {
				t.Fatalf("two merchants share merchantNo %d", no)
			}
		})
	})
}

func TestUseNonce(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		no, _, err := b.gw.IssueAPIKey(b.ctx, b.app.MerchantID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := b.gw.UseNonce(b.ctx, no, "n-1"); err != nil {
			t.Fatal(err)
		}
		if err := b.gw.UseNonce(b.ctx, no, "n-1"); gateway.KindOf(err) != gateway.KindReplay {
			t.Fatalf("repeated nonce: %v, want a replay error", err)
		}
		if err := b.gw.UseNonce(b.ctx, no+1, "n-1"); err != nil {
			t.Fatalf("another merchant's same nonce: %v", err)
		}
		// After the window the nonce is forgotten and may come again.
		b.clock.Advance(24*time.Hour + time.Second)
		if n, err := b.gw.PruneNonces(b.ctx, 0); err != nil || n != 2 {
			t.Fatalf("PruneNonces = %d, %v; want 2", n, err)
		}
		if err := b.gw.UseNonce(b.ctx, no, "n-1"); err != nil {
			t.Fatalf("nonce after the window: %v", err)
		}
	})
}
