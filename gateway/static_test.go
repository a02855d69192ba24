package gateway_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/emvqr"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

func staticQR(id string) gateway.StaticCodeRequest {
	return gateway.StaticCodeRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP", ChannelCode: "PH_QRPH_STATIC", CustomerName: "Stall 7"}
}

func (b *bundle) createStatic(t *testing.T, req gateway.StaticCodeRequest) gateway.StaticCode {
	t.Helper()
	c, err := b.gw.CreateStaticCode(b.ctx, b.app, req)
	if err != nil {
		t.Fatalf("CreateStaticCode(%s): %v", req.MchOrderID, err)
	}
	return c
}

// payStatic pays into a code through the simulated channel and lets it
// report; it returns the channel's reference.
func (b *bundle) payStatic(t *testing.T, codeID string, amount int64) string {
	t.Helper()
	ref, err := b.sim.PayStatic(b.ctx, codeID, amount)
	if err != nil {
		t.Fatalf("PayStatic(%s, %d): %v", codeID, amount, err)
	}
	if _, err := b.sim.ReportDue(b.ctx); err != nil {
		t.Fatal(err)
	}
	return ref
}

// staticPayments returns every payment into a code, newest first.
func (b *bundle) staticPayments(t *testing.T, mchOrderID string) []gateway.Payment {
	t.Helper()
	page, err := b.gw.ListStaticPayments(b.ctx, b.app.AppID, gateway.StaticRef{MchOrderID: mchOrderID}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != len(page.Payments) {
		t.Fatalf("total %d, %d payments listed", page.Total, len(page.Payments))
	}
	return page.Payments
}

// wantRefused asserts that err is a *gateway.Error of kind.
func wantRefused(t *testing.T, what string, err error, kind gateway.Kind) {
	t.Helper()
	if err == nil || gateway.KindOf(err) != kind {
		t.Fatalf("%s: got %v, want kind %s", what, err, kind)
	}
}

func qrFields(t *testing.T, payload string) map[string]string {
	t.Helper()
	fields, err := emvqr.Decode(payload)
	if err != nil {
		t.Fatalf("payData is not a valid EMVCo QR: %v\n%s", err, payload)
	}
	got := map[string]string{}
	for _, f := range fields {
		got[f.ID] = f.Value
	}
	return got
}

func TestStaticCodeCollects(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		c := b.createStatic(t, staticQR("STALL-7"))
		if c.Status != gateway.StaticActive || !strings.HasPrefix(c.ID, "S") || c.Amount != 0 ||
			c.MinAmount != 100 || c.MaxAmount != 5_000_000 || !c.ExpireAt.IsZero() {
			t.Fatalf("created %+v", c)
		}
		qr := qrFields(t, c.PayData)
		if qr["01"] != "11" || qr["54"] != "" || qr["53"] != "608" {
			t.Fatalf("static QR fields %v: want point of initiation 11 and no amount", qr)
		}

		ref1 := b.payStatic(t, c.ID, 20_000)
		b.clock.Advance(time.Second)
		b.payStatic(t, c.ID, 30_000)
		ps := b.staticPayments(t, "STALL-7")
		if len(ps) != 2 || ps[0].TransactionID == ps[1].TransactionID {
			t.Fatalf("payments %+v", ps)
		}
		for i, want := range []int64{30_000, 20_000} { // newest first
			p := ps[i]
			if !strings.HasPrefix(p.TransactionID, "C") || p.StaticCodeID != c.ID || p.MchOrderID != "STALL-7" ||
				p.Status != gateway.StatusCompleted || p.Amount != want || p.PaidAmount != want ||
				p.Fee != 1_000+want/100 || p.SettledAt.IsZero() || p.ChannelRef == "" {
				t.Errorf("payment %d: %+v", i, p)
			}
			if ev := b.notifications(t, p.TransactionID); len(ev) != 1 || ev[0] != "payment.success" {
				t.Errorf("notifications of %s: %v", p.TransactionID, ev)
			}
		}
		// Fee 10.00 + 1% of each, credited at once (settlement delay 0).
		wantAvail := int64(100_000 + (20_000 - 1_200) + (30_000 - 1_300))
		if bal := b.balance(t); bal.Available != wantAvail || bal.Pending != 0 {
			t.Fatalf("balance %+v, want available %d", bal, wantAvail)
		}
		if got, _ := b.store.AccountBalance(b.ctx, ledger.Channel("PH_QRPH_STATIC", "PHP")); got != -50_000 {
			t.Fatalf("channel clearing %d", got)
		}
		if got, _ := b.store.AccountBalance(b.ctx, ledger.PlatformRevenue("PHP")); got != 2_500 {
			t.Fatalf("revenue %d", got)
		}
		b.checkLedger(t)

		// A callback repeated, also concurrently, books nothing more.
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				if err := b.gw.ApplyStaticPayment(b.ctx, c.ID, 20_000, ref1, time.Time{}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := len(b.staticPayments(t, "STALL-7")); n != 2 {
			t.Fatalf("%d payments after repeated callbacks", n)
		}
		if bal := b.balance(t); bal.Available != wantAvail {
			t.Fatalf("balance %+v after repeated callbacks", bal)
		}

		// Cancelled: no third payment, nothing booked.
		got, err := b.gw.CancelStaticCode(b.ctx, b.app.AppID, gateway.StaticRef{MchOrderID: "STALL-7"})
		if err != nil || got.Status != gateway.StaticCancel || got.CancelledAt.IsZero() {
			t.Fatalf("cancel: %+v, %v", got, err)
		}
		_, err = b.gw.CancelStaticCode(b.ctx, b.app.AppID, gateway.StaticRef{MchOrderID: "STALL-7"})
		wantRefused(t, "cancel twice", err, gateway.KindCancelNotAllowed)
		_, err = b.sim.PayStatic(b.ctx, c.ID, 10_000)
		wantRefused(t, "pay a cancelled code", err, gateway.KindCodeClosed)
		if n, err := b.sim.ReportDue(b.ctx); err != nil || n != 0 {
			t.Fatalf("the simulator reported %d, %v after a refused payment", n, err)
		}
		err = b.gw.ApplyStaticPayment(b.ctx, c.ID, 10_000, "LATE-REF", time.Time{})
		wantRefused(t, "a channel's report into a cancelled code", err, gateway.KindCodeClosed)
		if n := len(b.staticPayments(t, "STALL-7")); n != 2 {
			t.Fatalf("%d payments after cancel", n)
		}
		if bal := b.balance(t); bal.Available != wantAvail {
			t.Fatalf("balance %+v after cancel", bal)
		}
		detail, err := b.gw.StaticCodeDetail(b.ctx, b.app.AppID, gateway.StaticRef{ID: c.ID})
		if err != nil || detail.Status != gateway.StaticCancel {
			t.Fatalf("detail %+v, %v", detail, err)
		}
		b.checkLedger(t)
	})
}

func TestStaticCodeCancelledInFlight(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		c := b.createStatic(t, staticQR("FLIGHT-1"))
		// The customer pays while the code is ACTIVE; the merchant cancels it
		// before the channel's callback arrives. The money was taken while
		// the code took payments: it is booked, never dropped.
		if _, err := b.sim.PayStatic(b.ctx, c.ID, 5_000); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(time.Second)
		if _, err := b.gw.CancelStaticCode(b.ctx, b.app.AppID, gateway.StaticRef{ID: c.ID}); err != nil {
			t.Fatal(err)
		}
		b.clock.Advance(time.Second)
		if _, err := b.sim.ReportDue(b.ctx); err != nil {
			t.Fatal(err)
		}
		if un, _ := b.store.UnreportedSimPayments(b.ctx, 10); len(un) != 0 {
			t.Fatalf("the payment is still to report: %+v", un)
		}
		if n := len(b.staticPayments(t, "FLIGHT-1")); n != 1 {
			t.Fatalf("%d payments booked, want the one made before the cancel", n)
		}
		if bal := b.balance(t); bal.Available != 100_000+5_000-1_050 {
			t.Fatalf("balance %+v", bal)
		}
		// A payment reported as made after the cancel is refused.
		err := b.gw.ApplyStaticPayment(b.ctx, c.ID, 5_000, "AFTER-CANCEL", b.clock.Now())
		wantRefused(t, "a payment made after the cancel", err, gateway.KindCodeClosed)
		b.checkLedger(t)
	})
}

func TestStaticCodeExpires(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		req := staticQR("EXP-1")
		req.ExpireTime = b.clock.Now().Add(time.Hour)
		c := b.createStatic(t, req)
		if !c.ExpireAt.Equal(req.ExpireTime) {
			t.Fatalf("expireAt %v, want %v", c.ExpireAt, req.ExpireTime)
		}
		b.payStatic(t, c.ID, 1_000)
		b.clock.Advance(time.Hour)
		got, err := b.gw.StaticCodeDetail(b.ctx, b.app.AppID, gateway.StaticRef{MchOrderID: "EXP-1"})
		if err != nil || got.Status != gateway.StaticExpired {
			t.Fatalf("detail after expiry %+v, %v", got, err)
		}
		_, err = b.sim.PayStatic(b.ctx, c.ID, 1_000)
		wantRefused(t, "pay an expired code", err, gateway.KindCodeClosed)
		wantRefused(t, "report into an expired code", b.gw.ApplyStaticPayment(b.ctx, c.ID, 1_000, "R-EXP", time.Time{}), gateway.KindCodeClosed)
		_, err = b.gw.CancelStaticCode(b.ctx, b.app.AppID, gateway.StaticRef{MchOrderID: "EXP-1"})
		wantRefused(t, "cancel an expired code", err, gateway.KindCancelNotAllowed)
		if n := len(b.staticPayments(t, "EXP-1")); n != 1 {
			t.Fatalf("%d payments", n)
		}
		if bal := b.balance(t); bal.Available != 100_000 { // the fee (capped at the amount) took all 1,000
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestStaticCodeAmounts(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		fixedReq := staticQR("FIX-1")
		fixedReq.Amount = 50_000
		fixed := b.createStatic(t, fixedReq)
		if fixed.MinAmount != 50_000 || fixed.MaxAmount != 50_000 || qrFields(t, fixed.PayData)["54"] != "500.00" {
			t.Fatalf("fixed code %+v", fixed)
		}
		for _, amount := range []int64{49_999, 50_001} {
			_, err := b.sim.PayStatic(b.ctx, fixed.ID, amount)
			wantRefused(t, "fixed amount mismatch", err, gateway.KindAmount)
			wantRefused(t, "fixed amount mismatch reported", b.gw.ApplyStaticPayment(b.ctx, fixed.ID, amount, "R-FIX", time.Time{}), gateway.KindAmount)
		}
		b.payStatic(t, fixed.ID, 50_000)

		openReq := staticQR("OPEN-1")
		openReq.MinAmount, openReq.MaxAmount = 1_000, 5_000
		open := b.createStatic(t, openReq)
		for _, amount := range []int64{999, 5_001} {
			_, err := b.sim.PayStatic(b.ctx, open.ID, amount)
			wantRefused(t, "outside min..max", err, gateway.KindAmount)
		}
		b.payStatic(t, open.ID, 1_000)
		b.payStatic(t, open.ID, 5_000)
		if n := len(b.staticPayments(t, "OPEN-1")); n != 2 {
			t.Fatalf("%d payments into OPEN-1", n)
		}
		if n := len(b.staticPayments(t, "FIX-1")); n != 1 {
			t.Fatalf("%d payments into FIX-1", n)
		}
		if bal := b.balance(t); bal.Available != 100_000+(50_000-1_500)+0+(5_000-1_050) { // the fee of 1,000 is capped at 1,000
			t.Fatalf("balance %+v", bal)
		}
		b.checkLedger(t)
	})
}

func TestStaticCodeVA(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		mk := func(id string) gateway.StaticCode {
			return b.createStatic(t, gateway.StaticCodeRequest{MchOrderID: id, CountryCode: "ID", Currency: "IDR",
				ChannelCode: "ID_BCA_VA", CustomerName: "Budi"})
		}
		a, c := mk("VA-A"), mk("VA-B")
		if len(a.PayData) != 16 || !strings.HasPrefix(a.PayData, "70012") || a.PayData == c.PayData ||
			!strings.HasSuffix(a.ID, a.PayData[len(a.PayData)-6:]) {
			t.Fatalf("VA numbers %q (%s) and %q (%s)", a.PayData, a.ID, c.PayData, c.ID)
		}
		if a.MinAmount != 10_000 || a.MaxAmount != 50_000_000 {
			t.Fatalf("VA limits %d..%d", a.MinAmount, a.MaxAmount)
		}
		b.payStatic(t, a.ID, 75_000)
		bal, err := b.gw.Balance(b.ctx, b.app.MerchantID, "IDR")
		if err != nil || bal.Available != 75_000-(1_000+750) {
			t.Fatalf("IDR balance %+v, %v", bal, err)
		}
		b.checkLedger(t)
	})
}

func TestStaticCodeList(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		c := b.createStatic(t, staticQR("LIST-1"))
		var ids []string
		for i := range 5 {
			b.payStatic(t, c.ID, int64(1_000+i))
			b.clock.Advance(time.Millisecond)
		}
		for _, p := range b.staticPayments(t, "LIST-1") {
			ids = append(ids, p.TransactionID)
		}
		for i := 1; i < len(ids); i++ {
			if ids[i-1] <= ids[i] {
				t.Fatalf("not newest first: %v", ids)
			}
		}
		for _, tc := range []struct {
			page, size int
			want       []string
		}{{1, 2, ids[0:2]}, {2, 2, ids[2:4]}, {3, 2, ids[4:]}, {4, 2, nil}} {
			got, err := b.gw.ListStaticPayments(b.ctx, b.app.AppID, gateway.StaticRef{ID: c.ID}, tc.page, tc.size)
			if err != nil || got.Total != 5 || got.Page != tc.page || got.PageSize != tc.size || len(got.Payments) != len(tc.want) {
				t.Fatalf("page %d: %+v, %v", tc.page, got, err)
			}
			for i, p := range got.Payments {
				if p.TransactionID != tc.want[i] {
					t.Errorf("page %d item %d: %s, want %s", tc.page, i, p.TransactionID, tc.want[i])
				}
			}
		}
		for _, tc := range []struct{ page, size int }{{0, 10}, {1, 0}, {1, 101}} {
			_, err := b.gw.ListStaticPayments(b.ctx, b.app.AppID, gateway.StaticRef{ID: c.ID}, tc.page, tc.size)
			wantRefused(t, "bad page", err, gateway.KindInvalid)
		}
		_, err := b.gw.ListStaticPayments(b.ctx, b.app.AppID, gateway.StaticRef{MchOrderID: "NOPE"}, 1, 10)
		wantRefused(t, "unknown code", err, gateway.KindNotFound)
		// A static payment is not found as a dynamic order by mchOrderId.
		_, err = b.gw.CheckPayment(b.ctx, b.app.AppID, gateway.OrderRef{MchOrderID: "LIST-1"})
		wantRefused(t, "static payments as a dynamic order", err, gateway.KindNotFound)
	})
}

func TestStaticCodeValidation(t *testing.T) {
	t.Parallel()
	forEngine(t, func(t *testing.T, b *bundle) {
		b.createStatic(t, staticQR("DUP-1"))
		mod := func(id string, f func(*gateway.StaticCodeRequest)) gateway.StaticCodeRequest {
			r := staticQR(id)
			f(&r)
			return r
		}
		for _, tc := range []struct {
			name string
			req  gateway.StaticCodeRequest
			kind gateway.Kind
		}{
			{"Duplicate", staticQR("DUP-1"), gateway.KindDuplicateOrder},
			{"DynamicChannel", mod("V1", func(r *gateway.StaticCodeRequest) { r.ChannelCode = "PH_QRPH_DYNAMIC" }), gateway.KindChannelUnavailable},
			{"NoChannel", mod("V2", func(r *gateway.StaticCodeRequest) { r.ChannelCode = "" }), gateway.KindInvalid},
			{"FixedWithMin", mod("V3", func(r *gateway.StaticCodeRequest) { r.Amount, r.MinAmount = 1_000, 500 }), gateway.KindInvalid},
			{"FixedAboveMax", mod("V4", func(r *gateway.StaticCodeRequest) { r.Amount = 5_000_001 }), gateway.KindAmount},
			{"Negative", mod("V5", func(r *gateway.StaticCodeRequest) { r.Amount = -1 }), gateway.KindAmount},
			{"MinAboveMax", mod("V6", func(r *gateway.StaticCodeRequest) { r.MinAmount, r.MaxAmount = 5_000, 1_000 }), gateway.KindAmount},
			{"MinBelowChannel", mod("V7", func(r *gateway.StaticCodeRequest) { r.MinAmount = 50 }), gateway.KindAmount},
			{"ExpirePast", mod("V8", func(r *gateway.StaticCodeRequest) { r.ExpireTime = b.clock.Now().Add(-time.Second) }), gateway.KindInvalid},
			{"Currency", mod("V9", func(r *gateway.StaticCodeRequest) { r.Currency = "IDR" }), gateway.KindInvalid},
			{"Country", mod("V10", func(r *gateway.StaticCodeRequest) { r.CountryCode = "XX" }), gateway.KindCountry},
			{"NotifyURL", mod("V11", func(r *gateway.StaticCodeRequest) { r.NotifyURL = "ftp://x" }), gateway.KindInvalid},
			{"NoMchOrderID", mod("", func(*gateway.StaticCodeRequest) {}), gateway.KindInvalid},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := b.gw.CreateStaticCode(b.ctx, b.app, tc.req)
				wantRefused(t, tc.name, err, tc.kind)
			})
		}
	})
}
