package header

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// TestReplayRefused sends a signed payOut, then the same nonceStr with
// another order: the second is refused before it is looked at, and writes
// nothing.
func TestReplayRefused(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.fund(t, 100_000)
		n := nonce()
		first := bcpPayout("replay-1")
		first["nonceStr"] = n
		if r := b.post(t, "/api/payOut", first); r.Code != 200 {
			t.Fatalf("first: %+v", r)
		}
		second := bcpPayout("replay-2")
		second["nonceStr"] = n
		r := b.post(t, "/api/payOut", second)
		if r.Msg != "Params_nonceStr_repeated" || r.Code != 409 {
			t.Errorf("replayed nonce: %+v", r)
		}
		if r := b.post(t, "/api/payOutQuery", map[string]any{"mchOrderNo": "replay-2"}); r.Msg != "Order_not_exist" {
			t.Errorf("the replayed request wrote replay-2: %+v", r)
		}
		// The exact request again (a captured one) is refused too.
		body := mustJSON(t, first)
		if r := b.signed(t, "/api/payOut", b.no, b.key, body); r.Msg != "Params_nonceStr_repeated" {
			t.Errorf("verbatim replay: %+v", r)
		}
		// A nonce is the merchant's own: another merchant may use the same one.
		_, _, no2, key2 := b.newMerchant(t, "Otra Bodega")
		if r := b.signed(t, "/api/getBalance", no2, key2, []byte(`{"nonceStr":"`+n+`"}`)); r.Code != 200 {
			t.Errorf("another merchant's nonce: %+v", r)
		}
		// A request whose signature fails spends no nonce.
		fresh := `{"nonceStr":"` + nonce() + `"}`
		h := map[string]string{"Content-Type": "application/json", "MerchantId": strconv.FormatInt(b.no, 10),
			"Sign": client.SignB([]byte(fresh), "wrong key")}
		if r := b.send(t, http.MethodPost, "/api/getBalance", h, []byte(fresh)); r.Msg != "Sign_verify_error" {
			t.Fatalf("bad signature: %+v", r)
		}
		if r := b.signed(t, "/api/getBalance", b.no, b.key, []byte(fresh)); r.Code != 200 {
			t.Errorf("the nonce of a refused signature was spent: %+v", r)
		}
	})
}

// TestKeyRotation issues a second apiKey with a grace period: both keys are
// accepted; a third issued without grace leaves only itself.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		no, key2, err := b.gw.IssueAPIKey(b.ctx, b.merchant.ID, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if no != b.no || key2 == b.key {
			t.Fatalf("rotation gave merchant %d key %q (had %d %q)", no, key2, b.no, b.key)
		}
		old, fresh := b.b, client.NewB(b.srv.URL, b.no, key2)
		for name, c := range map[string]*client.BClient{"old": old, "new": fresh} {
			if _, err := c.GetBalance(b.ctx); err != nil {
				t.Errorf("%s key during the grace period: %v", name, err)
			}
		}
		// Sign is compared case-insensitively.
		body := []byte(`{"nonceStr":"` + nonce() + `"}`)
		h := map[string]string{"Content-Type": "application/json; charset=utf-8", "MerchantId": " " + strconv.FormatInt(b.no, 10),
			"Sign": strings.ToLower(client.SignB(body, key2))}
		if r := b.send(t, http.MethodPost, "/api/getBalance", h, body); r.Code != 200 {
			t.Errorf("lower-case Sign: %+v", r)
		}
		// The grace period ends: only the new key works.
		b.clock.advance(time.Hour + time.Second)
		if _, err := old.GetBalance(b.ctx); client.BErrorMsg(err) != "Sign_verify_error" {
			t.Errorf("old key after the grace period: %v", err)
		}
		if _, err := fresh.GetBalance(b.ctx); err != nil {
			t.Errorf("new key after the grace period: %v", err)
		}
		_, key3, err := b.gw.IssueAPIKey(b.ctx, b.merchant.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := fresh.GetBalance(b.ctx); client.BErrorMsg(err) != "Sign_verify_error" {
			t.Errorf("second key after a rotation without grace: %v", err)
		}
		if _, err := client.NewB(b.srv.URL, b.no, key3).GetBalance(b.ctx); err != nil {
			t.Errorf("third key: %v", err)
		}
	})
}
