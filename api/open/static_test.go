package open

import (
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

func phStatic(id string) client.StaticCodeRequest {
	return client.StaticCodeRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP", ChannelCode: "PH_QRPH_STATIC",
		CustomerName: "Stall 7"}
}

// wantCode asserts that err is an *APIError with code whose message holds msg.
func wantCode(t *testing.T, what string, err error, code int, msg string) {
	t.Helper()
	var ae *client.APIError
	if !asAPIError(err, &ae) || ae.Code != code || ae.HTTPStatus != 200 || !strings.Contains(ae.Message, msg) {
		t.Errorf("%s: got %v, want code %d naming %q", what, err, code, msg)
	}
}

func TestStaticCodeCreatePayCancel(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.SetFee(b.ctx, gateway.Fee{MerchantID: b.merchant.ID, Channel: "*", Fixed: 100, BPS: 150}); err != nil {
			t.Fatal(err)
		}
		req := phStatic("st-1")
		req.MinAmount, req.MaxAmount, req.Remark = 1_000, 100_000, "stall 7"
		req.NotifyURL = "https://shop.example.com/static"
		code, err := b.c.CreateStaticCode(b.ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(code.CodeID, "S") || code.MchOrderID != "st-1" || code.Status != client.StaticStatusActive ||
			!strings.HasPrefix(code.PayData, "000201") || code.Amount != 0 || code.MinAmount != 1_000 ||
			code.MaxAmount != 100_000 || code.ExpireTime != "" || code.CancelTime != "" ||
			!strings.HasSuffix(code.CreateTime, "+08:00") || code.Remark != "stall 7" || code.CustomerName != "Stall 7" {
			t.Fatalf("created %+v", code)
		}
		ref := client.StaticCodeRef{MchOrderID: "st-1", CountryCode: "PH"}
		if got, err := b.c.StaticCodeDetail(b.ctx, ref); err != nil || got != code {
			t.Fatalf("detail %+v, %v\nwant %+v", got, err, code)
		}

		// A fixed-amount VA that expires.
		expire := time.Now().Add(48 * time.Hour).Truncate(time.Second)
		va, err := b.c.CreateStaticCode(b.ctx, client.StaticCodeRequest{MchOrderID: "st-va", CountryCode: "ID", Currency: "IDR",
			ChannelCode: "ID_BCA_VA", CustomerName: "Budi", Amount: 50_000, ExpireTime: expire.UnixMilli()})
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := time.Parse(time.RFC3339, va.ExpireTime); !got.Equal(expire) || !sixteenDigits.MatchString(va.PayData) ||
			va.Amount != 50_000 || va.MinAmount != 50_000 || va.MaxAmount != 50_000 {
			t.Fatalf("VA code %+v", va)
		}

		// Two payments, each its own transaction.
		for i, p := range []struct {
			amount int64
			ref    string
		}{{10_000, "R1"}, {20_000, "R2"}} {
			if i > 0 {
				time.Sleep(2 * time.Millisecond) // newest first is by time
			}
			if err := b.gw.ApplyStaticPayment(b.ctx, code.CodeID, p.amount, p.ref, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		list, err := b.c.StaticCodePayments(b.ctx, client.StaticPaymentsRequest{MchOrderID: "st-1", CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		if list.Total != 2 || list.PageNum != 1 || list.PageSize != 20 || len(list.List) != 2 || list.CodeID != code.CodeID {
			t.Fatalf("list %+v", list)
		}
		for i, want := range []struct{ amount, fee int64 }{{20_000, 100 + 300}, {10_000, 100 + 150}} {
			p := list.List[i]
			if !strings.HasPrefix(p.TransactionID, "C") || p.MchOrderID != "st-1" || p.Amount != want.amount ||
				p.Fee != want.fee || p.TransactionStatus != "COMPLETED" || p.Currency != "PHP" ||
				!strings.HasSuffix(p.ReturnTime, "+08:00") || !strings.HasSuffix(p.CreateTime, "+08:00") {
				t.Errorf("list item %d: %+v", i, p)
			}
		}
		page2, err := b.c.StaticCodePayments(b.ctx, client.StaticPaymentsRequest{MchOrderID: "st-1", CountryCode: "PH", PageNum: 2, PageSize: 1})
		if err != nil || page2.Total != 2 || len(page2.List) != 1 || page2.List[0] != list.List[1] {
			t.Fatalf("page 2 of 1: %+v, %v", page2, err)
		}
		if bal := b.balance(t); bal.AvailableAmount != (10_000-250)+(20_000-400) {
			t.Fatalf("balance %+v", bal)
		}
		// A static payment is found by its transactionId, never as a dynamic
		// order by the code's mchOrderId.
		got, err := b.c.CheckPayment(b.ctx, client.CheckRequest{TransactionID: list.List[0].TransactionID, CountryCode: "PH"})
		if err != nil || got.TransactionStatus != "COMPLETED" || got.PaidAmount != 20_000 {
			t.Errorf("query of a static payment: %+v, %v", got, err)
		}
		b.wantPaymentNotFound(t, "st-1")

		// Cancelled: a third payment is refused and nothing is booked.
		cancelled, err := b.c.CancelStaticCode(b.ctx, client.StaticCodeRef{MchOrderID: "st-1", CountryCode: "PH", ChannelCode: "PH_QRPH_STATIC"})
		if err != nil || cancelled.Status != client.StaticStatusCancel || !strings.HasSuffix(cancelled.CancelTime, "+08:00") {
			t.Fatalf("cancel %+v, %v", cancelled, err)
		}
		_, err = b.c.CancelStaticCode(b.ctx, ref)
		wantCode(t, "cancel twice", err, client.CodeNotAllowedCancel, "not allowed to cancel")
		if got, err := b.c.StaticCodeDetail(b.ctx, ref); err != nil || got.Status != client.StaticStatusCancel {
			t.Errorf("detail after cancel %+v, %v", got, err)
		}
		if err := b.gw.ApplyStaticPayment(b.ctx, code.CodeID, 10_000, "R3", time.Time{}); gateway.KindOf(err) != gateway.KindCodeClosed {
			t.Errorf("a third payment: %v, want refused", err)
		}
		if list, err := b.c.StaticCodePayments(b.ctx, client.StaticPaymentsRequest{MchOrderID: "st-1", CountryCode: "PH"}); err != nil || list.Total != 2 {
			t.Errorf("list after cancel %+v, %v", list, err)
		}
		if bal := b.balance(t); bal.AvailableAmount != 29_350 {
			t.Errorf("balance %+v after cancel", bal)
		}
	})
}

func TestStaticCodeErrors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		if _, err := b.c.CreateStaticCode(b.ctx, phStatic("dup-s")); err != nil {
			t.Fatal(err)
		}
		mod := func(id string, f func(*client.StaticCodeRequest)) client.StaticCodeRequest {
			r := phStatic(id)
			f(&r)
			return r
		}
		for _, tc := range []struct {
			name string
			req  client.StaticCodeRequest
			code int
			msg  string
		}{
			{"Duplicate", phStatic("dup-s"), 21007, "mchOrderId"},
			{"DynamicChannel", mod("s1", func(r *client.StaticCodeRequest) { r.ChannelCode = "PH_QRPH_DYNAMIC" }), 21005, "PH_QRPH_DYNAMIC"},
			{"FixedWithLimits", mod("s2", func(r *client.StaticCodeRequest) { r.Amount, r.MaxAmount = 1_000, 2_000 }), 21002, "minAmount"},
			{"MinAboveMax", mod("s3", func(r *client.StaticCodeRequest) { r.MinAmount, r.MaxAmount = 3_000, 2_000 }), 21021, "minAmount"},
			{"AboveChannel", mod("s4", func(r *client.StaticCodeRequest) { r.Amount = 5_000_001 }), 21021, "amount"},
			{"ExpirePast", mod("s5", func(r *client.StaticCodeRequest) { r.ExpireTime = time.Now().Add(-time.Hour).UnixMilli() }), 21002, "expireTime"},
			{"NoStaticInRussia", mod("s6", func(r *client.StaticCodeRequest) { r.CountryCode, r.Currency, r.ChannelCode = "RU", "RUB", "RU_SBP_QR" }), 21005, "RU_SBP_QR"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := b.c.CreateStaticCode(b.ctx, tc.req)
				wantCode(t, tc.name, err, tc.code, tc.msg)
			})
		}
		for name, tc := range map[string]struct {
			path  string
			param map[string]any
			code  int
		}{
			"AmountLetters":  {client.PathCreateStaticCode, map[string]any{"mchOrderId": "s7", "countryCode": "PH", "currency": "PHP", "channelCode": "PH_QRPH_STATIC", "amount": "ten"}, 21002},
			"Unknown":        {client.PathStaticCodeDetail, map[string]any{"mchOrderId": "nope", "countryCode": "PH"}, 21010},
			"NoReference":    {client.PathStaticCodeDetail, map[string]any{"countryCode": "PH"}, 21002},
			"OtherCountry":   {client.PathStaticCodeDetail, map[string]any{"mchOrderId": "dup-s", "countryCode": "ID"}, 21010},
			"OtherChannel":   {client.PathCancelStaticCode, map[string]any{"mchOrderId": "dup-s", "countryCode": "PH", "channelCode": "ID_BCA_VA"}, 21010},
			"PageSizeTooBig": {client.PathStaticPayments, map[string]any{"mchOrderId": "dup-s", "countryCode": "PH", "pageSize": 101}, 21002},
			"PageNumZero":    {client.PathStaticPayments, map[string]any{"mchOrderId": "dup-s", "countryCode": "PH", "pageNum": 0}, 21002},
			"PageNumText":    {client.PathStaticPayments, map[string]any{"mchOrderId": "dup-s", "countryCode": "PH", "pageNum": "x"}, 21002},
		} {
			if err := b.c.Do(b.ctx, tc.path, tc.param, nil); client.ErrorCode(err) != tc.code {
				t.Errorf("%s: got %v, want %d", name, err, tc.code)
			}
		}
		// Another app does not see the code.
		_, other := b.newMerchant(t, "Toko Lain", nil)
		oc := client.New(b.srv.URL, other.AppID, merchantKey())
		if _, err := oc.StaticCodeDetail(b.ctx, client.StaticCodeRef{MchOrderID: "dup-s", CountryCode: "PH"}); client.ErrorCode(err) != 21010 {
			t.Errorf("another app's code: %v", err)
		}
		// The same mchOrderId in another app is fine.
		if _, err := oc.CreateStaticCode(b.ctx, phStatic("dup-s")); err != nil {
			t.Errorf("another app reusing the mchOrderId: %v", err)
		}
	})
}

func TestStaticCodeAliases(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		var code client.StaticCode
		param := map[string]any{"mchOrderId": "al-1", "currency": "PHP", "channelCode": "PH_QRPH_STATIC", "amount": "2500"}
		if err := b.c.Do(b.ctx, "/open-api/philippines/static/payment/code", param, &code); err != nil {
			t.Fatal(err)
		}
		if code.CountryCode != "PH" || code.Amount != 2_500 || code.Status != "ACTIVE" {
			t.Fatalf("alias create %+v", code)
		}
		for _, path := range []string{"/open-api/philippines/static/payment/detail", "/open-api/philippines/static/payment/list",
			"/open-api/philippines/static/code/cancel"} {
			if err := b.c.Do(b.ctx, path, map[string]any{"mchOrderId": "al-1"}, nil); err != nil {
				t.Errorf("%s: %v", path, err)
			}
		}
		for _, path := range []string{"/open-api/russia/static/payment/code", "/open-api/peru/static/payment/detail"} {
			if a := b.post(t, path, []byte(`{}`)); a.Status != 404 {
				t.Errorf("%s: %+v, want 404", path, a)
			}
		}
	})
}
