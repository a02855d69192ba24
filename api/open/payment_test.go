package open

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

func phPayment(id, channel string, amount int64) client.PaymentRequest {
	return client.PaymentRequest{MchOrderID: id, CountryCode: "PH", Currency: "PHP", Amount: amount,
		ChannelCode: channel, CustomerName: "Juan Dela Cruz", Email: "juan@example.com", Mobile: "09171234567"}
}

// generate creates a payment through the API and checks what every answer
// must hold.
func (b *bundle) generate(t *testing.T, req client.PaymentRequest) client.PaymentResult {
	t.Helper()
	res, err := b.c.CreatePayment(b.ctx, req)
	if err != nil {
		t.Fatalf("generate %s: %v", req.MchOrderID, err)
	}
	if !strings.HasPrefix(res.TransactionID, "C") || res.MchOrderID != req.MchOrderID || res.TransactionStatus != "PENDING" ||
		res.Amount != req.Amount || res.Currency != req.Currency || res.CountryCode != req.CountryCode ||
		res.ChannelCode != req.ChannelCode || res.PayData == "" {
		t.Errorf("generate %s answered %+v", req.MchOrderID, res)
	}
	offset := map[string]string{"PH": "+08:00", "ID": "+07:00", "RU": "+03:00"}[req.CountryCode]
	for _, ts := range []string{res.CreateTime, res.ExpireTime} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil || !strings.HasSuffix(ts, offset) {
			t.Errorf("time %q of %s: %v, want offset %s", ts, req.MchOrderID, err, offset)
		}
	}
	return res
}

// wantPaymentNotFound asserts that no PH payment mchOrderId exists for the app.
func (b *bundle) wantPaymentNotFound(t *testing.T, mchOrderID string) {
	t.Helper()
	_, err := b.c.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: mchOrderID, CountryCode: "PH"})
	if client.ErrorCode(err) != client.CodeNotFound {
		t.Errorf("check payment %s: got %v, want 21010", mchOrderID, err)
	}
}

// lifetime returns how long after its creation a payment expires.
func lifetime(t *testing.T, res client.PaymentResult) time.Duration {
	t.Helper()
	created, err1 := time.Parse(time.RFC3339, res.CreateTime)
	expires, err2 := time.Parse(time.RFC3339, res.ExpireTime)
	if err1 != nil || err2 != nil {
		t.Fatalf("times of %+v: %v %v", res, err1, err2)
	}
	return expires.Sub(created)
}

var sixteenDigits = regexp.MustCompile(`^[0-9]{16}$`)

func TestPaymentGenerateQuery(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.SetFee(b.ctx, gateway.Fee{MerchantID: b.merchant.ID, Channel: "*", Fixed: 100, BPS: 150}); err != nil {
			t.Fatal(err)
		}

		// A QR channel: an EMVCo payload, 30 minutes by default.
		qrReq := phPayment("pay-qr", "PH_QRPH_DYNAMIC", 10_000)
		qrReq.ChannelType, qrReq.Remark, qrReq.TerminalType = "QR", "order 42", "WEB"
		qr := b.generate(t, qrReq)
		if !strings.HasPrefix(qr.PayData, "000201") || qr.ChannelType != "QR" {
			t.Errorf("QR payment answered %+v", qr)
		}
		if d := lifetime(t, qr); d < 29*time.Minute || d > 31*time.Minute {
			t.Errorf("QR payment lives %s, want 30m", d)
		}

		// A virtual account: 16 digits behind the bank's prefix, 24 hours.
		va := b.generate(t, client.PaymentRequest{MchOrderID: "pay-va", CountryCode: "ID", Currency: "IDR",
			Amount: 50_000, ChannelCode: "ID_BCA_VA", CustomerName: "Budi"})
		if !sixteenDigits.MatchString(va.PayData) || !strings.HasPrefix(va.PayData, "70012") || va.ChannelType != "BANK_TRANSFER" {
			t.Errorf("VA payment answered %+v", va)
		}
		if d := lifetime(t, va); d < 23*time.Hour || d > 25*time.Hour {
			t.Errorf("VA payment lives %s, want 24h", d)
		}

		// A wallet: a pay URL of the gateway's hosted page; expireTime given
		// as a number of milliseconds.
		expire := time.Now().Add(2 * time.Hour).Truncate(time.Second)
		urlReq := phPayment("pay-url", "PH_GCASH", 20_000)
		urlReq.ExpireTime = expire.UnixMilli()
		urlReq.RedirectURL = "https://shop.example.com/done"
		gc := b.generate(t, urlReq)
		if gc.PayData != b.srv.URL+"/pay/"+gc.TransactionID || gc.ChannelType != "EWALLET" {
			t.Errorf("URL payment answered %+v", gc)
		}
		if got, _ := time.Parse(time.RFC3339, gc.ExpireTime); !got.Equal(expire) {
			t.Errorf("expireTime %s, want %s", gc.ExpireTime, expire)
		}

		// Query by either id, or both.
		want := client.Payment{MchOrderID: "pay-qr", TransactionID: qr.TransactionID, CountryCode: "PH", Currency: "PHP",
			Amount: 10_000, ChannelType: "QR", ChannelCode: "PH_QRPH_DYNAMIC", PayData: qr.PayData,
			TransactionStatus: "PENDING", CreateTime: qr.CreateTime, ExpireTime: qr.ExpireTime, Remark: "order 42"}
		for _, ref := range []client.CheckRequest{
			{MchOrderID: "pay-qr", CountryCode: "PH"},
			{TransactionID: qr.TransactionID, CountryCode: "PH"},
			{TransactionID: qr.TransactionID, MchOrderID: "pay-qr", CountryCode: "PH"},
		} {
			got, err := b.c.CheckPayment(b.ctx, ref)
			if err != nil || got != want {
				t.Errorf("query %+v = %+v, %v\nwant %+v", ref, got, err, want)
			}
		}

		// Paid in full: COMPLETED with the fee, and the net credited at once.
		before := b.balance(t)
		if err := b.gw.ApplyPaymentResult(b.ctx, qr.TransactionID, gateway.PaymentResult{PaidAmount: 10_000, ChannelRef: "R1"}); err != nil {
			t.Fatal(err)
		}
		got, err := b.c.CheckPayment(b.ctx, client.CheckRequest{TransactionID: qr.TransactionID, CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		if got.TransactionStatus != "COMPLETED" || got.PaidAmount != 10_000 || got.Fee != 250 || got.Flag != "" ||
			!strings.HasSuffix(got.ReturnTime, "+08:00") {
			t.Errorf("paid payment queries as %+v", got)
		}
		if bal := b.balance(t); bal.AvailableAmount != before.AvailableAmount+10_000-250 || bal.PendingAmount != 0 {
			t.Errorf("balance %+v after a payment of 10000 less 250, was %+v", bal, before)
		}
		// The same report again changes nothing.
		if err := b.gw.ApplyPaymentResult(b.ctx, qr.TransactionID, gateway.PaymentResult{PaidAmount: 10_000, ChannelRef: "R1"}); err != nil {
			t.Fatal(err)
		}
		if bal := b.balance(t); bal.AvailableAmount != before.AvailableAmount+9_750 {
			t.Errorf("balance %+v after a repeated report", bal)
		}

		// Less than ordered arrived: booked and flagged.
		if err := b.gw.ApplyPaymentResult(b.ctx, gc.TransactionID, gateway.PaymentResult{PaidAmount: 15_000, ChannelRef: "R2"}); err != nil {
			t.Fatal(err)
		}
		got, err = b.c.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: "pay-url", CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		if got.TransactionStatus != "COMPLETED" || got.Flag != client.FlagUnderpaid || got.Amount != 20_000 ||
			got.PaidAmount != 15_000 || got.Fee != 100+225 {
			t.Errorf("underpaid payment queries as %+v", got)
		}
		// More than ordered: flagged OVERPAID.
		if err := b.gw.ApplyPaymentResult(b.ctx, va.TransactionID, gateway.PaymentResult{PaidAmount: 60_000, ChannelRef: "R3"}); err != nil {
			t.Fatal(err)
		}
		got, err = b.c.CheckPayment(b.ctx, client.CheckRequest{TransactionID: va.TransactionID, CountryCode: "ID"})
		if err != nil || got.Flag != client.FlagOverpaid || got.PaidAmount != 60_000 || !strings.HasSuffix(got.ReturnTime, "+07:00") {
			t.Errorf("overpaid payment queries as %+v, %v", got, err)
		}
		idr, err := b.c.Balance(b.ctx, "ID")
		if err != nil || idr.AvailableAmount != 60_000-(100+900) {
			t.Errorf("IDR balance %+v, %v", idr, err)
		}
	})
}

func TestPaymentFlagJSON(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		b.generate(t, phPayment("flag-1", "PH_QRPH_DYNAMIC", 10_000))
		var raw map[string]any
		if err := b.c.Do(b.ctx, client.PathCheckPayment, map[string]any{"mchOrderId": "flag-1", "countryCode": "PH"}, &raw); err != nil {
			t.Fatal(err)
		}
		if _, ok := raw["flag"]; ok {
			t.Errorf("a pending payment carries a flag: %v", raw)
		}
		for _, f := range []string{"returnTime", "remark", "paidAmount", "fee", "expireTime", "payData"} {
			if _, ok := raw[f]; !ok {
				t.Errorf("query lacks %s: %v", f, raw)
			}
		}
		if raw["returnTime"] != "" || raw["paidAmount"] != float64(0) {
			t.Errorf("pending payment %v", raw)
		}
	})
}

func TestPaymentExpiry(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		req := phPayment("exp-1", "PH_QRPH_DYNAMIC", 10_000)
		req.ExpireTime = time.Now().Add(time.Second).UnixMilli()
		res := b.generate(t, req)
		deadline := time.Now().Add(10 * time.Second)
		for {
			n, err := b.gw.ExpirePayments(b.ctx, 10)
			if err != nil {
				t.Fatal(err)
			}
			if n == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the payment did not expire")
			}
			time.Sleep(100 * time.Millisecond)
		}
		got, err := b.c.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: "exp-1", CountryCode: "PH"})
		if err != nil || got.TransactionStatus != client.StatusExpired || got.ReturnTime == "" || got.Flag != "" {
			t.Errorf("expired payment queries as %+v, %v", got, err)
		}
		// Money that arrives late is still booked, and flagged.
		if err := b.gw.ApplyPaymentResult(b.ctx, res.TransactionID, gateway.PaymentResult{PaidAmount: 10_000, ChannelRef: "LATE1"}); err != nil {
			t.Fatal(err)
		}
		got, err = b.c.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: "exp-1", CountryCode: "PH"})
		if err != nil || got.TransactionStatus != client.StatusCompleted || got.Flag != client.FlagLate || got.PaidAmount != 10_000 {
			t.Errorf("late payment queries as %+v, %v", got, err)
		}
	})
}

func TestPaymentSettlementDelay(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		if err := b.gw.SetSettlementDelay(b.ctx, b.merchant.ID, time.Hour); err != nil {
			t.Fatal(err)
		}
		res := b.generate(t, phPayment("delay-1", "PH_GCASH", 10_000))
		if err := b.gw.ApplyPaymentResult(b.ctx, res.TransactionID, gateway.PaymentResult{PaidAmount: 10_000, ChannelRef: "D1"}); err != nil {
			t.Fatal(err)
		}
		if bal := b.balance(t); bal.AvailableAmount != 0 || bal.PendingAmount != 10_000 {
			t.Errorf("balance %+v, want the credit pending", bal)
		}
	})
}

func TestPaymentErrors(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		if _, err := b.c.CreatePayment(b.ctx, phPayment("dup-p", "PH_QRPH_DYNAMIC", 10_000)); err != nil {
			t.Fatal(err)
		}
		mod := func(id string, f func(*client.PaymentRequest)) client.PaymentRequest {
			r := phPayment(id, "PH_QRPH_DYNAMIC", 10_000)
			f(&r)
			return r
		}
		for _, tc := range []struct {
			name string
			req  client.PaymentRequest
			code int
			msg  string
		}{
			{"Duplicate", mod("dup-p", func(r *client.PaymentRequest) { r.Amount = 20_000 }), 21007, "mchOrderId"},
			{"ExpirePast", mod("p-past", func(r *client.PaymentRequest) { r.ExpireTime = time.Now().Add(-time.Minute).UnixMilli() }), 21002, "expireTime"},
			{"ExpireTooFar", mod("p-far", func(r *client.PaymentRequest) { r.ExpireTime = time.Now().Add(8 * 24 * time.Hour).UnixMilli() }), 21002, "expireTime"},
			{"StaticOnly", mod("p-static", func(r *client.PaymentRequest) { r.ChannelCode = "PH_QRPH_STATIC" }), 21005, "PH_QRPH_STATIC"},
			{"UnknownChannel", mod("p-nochan", func(r *client.PaymentRequest) { r.ChannelCode = "PH_NOPE" }), 21005, "channelCode"},
			{"OtherCountrysChannel", mod("p-idchan", func(r *client.PaymentRequest) { r.ChannelCode = "ID_QRIS" }), 21005, "channelCode"},
			{"NoConnector", mod("p-maya", func(r *client.PaymentRequest) { r.ChannelCode = "PH_MAYA" }), 21005, "PH_MAYA"},
			{"ChannelMissing", mod("p-nocode", func(r *client.PaymentRequest) { r.ChannelCode = "" }), 21002, "channelCode: is required"},
			{"ChannelType", mod("p-type", func(r *client.PaymentRequest) { r.ChannelType = "EWALLET" }), 21002, "channelType"},
			{"Currency", mod("p-cur", func(r *client.PaymentRequest) { r.Currency = "IDR" }), 21002, "currency"},
			{"CurrencyMissing", mod("p-nocur", func(r *client.PaymentRequest) { r.Currency = "" }), 21002, "currency: is required"},
			{"CountryUnknown", mod("p-xx", func(r *client.PaymentRequest) { r.CountryCode = "XX" }), 21017, "countryCode"},
			{"BelowMin", mod("p-min", func(r *client.PaymentRequest) { r.Amount = 99 }), 21021, "amount"},
			{"AboveMax", mod("p-max", func(r *client.PaymentRequest) { r.Amount = 5_000_001 }), 21021, "amount"},
			{"Negative", mod("p-neg", func(r *client.PaymentRequest) { r.Amount = -1 }), 21021, "amount"},
			{"Email", mod("p-mail", func(r *client.PaymentRequest) { r.Email = "nope" }), 21002, "email"},
			{"Mobile", mod("p-mob", func(r *client.PaymentRequest) { r.Mobile = "12" }), 21002, "mobile"},
			{"RedirectURL", mod("p-redir", func(r *client.PaymentRequest) { r.RedirectURL = "javascript:x" }), 21002, "redirectUrl"},
			{"MchOrderIDMissing", mod("", func(*client.PaymentRequest) {}), 21002, "mchOrderId: is required"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := b.c.CreatePayment(b.ctx, tc.req)
				var ae *client.APIError
				if !asAPIError(err, &ae) || ae.Code != tc.code || ae.HTTPStatus != 200 || !strings.Contains(ae.Message, tc.msg) {
					t.Errorf("got %v, want code %d naming %q", err, tc.code, tc.msg)
				}
				if tc.req.MchOrderID != "" && tc.req.MchOrderID != "dup-p" {
					b.wantPaymentNotFound(t, tc.req.MchOrderID)
				}
			})
		}
		got, err := b.c.CheckPayment(b.ctx, client.CheckRequest{MchOrderID: "dup-p", CountryCode: "PH"})
		if err != nil || got.Amount != 10_000 {
			t.Errorf("the first dup-p is %+v, %v", got, err)
		}

		// Param types: expireTime like timestamp, amount in minor units.
		base := func(id string) map[string]any {
			return map[string]any{"mchOrderId": id, "countryCode": "PH", "currency": "PHP", "amount": 10_000,
				"channelCode": "PH_QRPH_DYNAMIC"}
		}
		for name, tc := range map[string]struct {
			field string
			value any
			code  int
			msg   string
		}{
			"ExpireLetters":  {"expireTime", "soon", 21002, "expireTime: must be milliseconds since the epoch"},
			"ExpireFraction": {"expireTime", 1.5, 21002, "expireTime: must be milliseconds since the epoch"},
			"ExpireNegative": {"expireTime", -1, 21002, "expireTime: must be milliseconds since the epoch"},
			"ExpireEmpty":    {"expireTime", "", 21002, "expireTime: must be milliseconds since the epoch"},
			"ExpireISO":      {"expireTime", "2030-01-01T00:00:00Z", 21002, "expireTime: must be milliseconds since the epoch"},
			"ExpireZero":     {"expireTime", 0, 21002, "expireTime: must be in the future"},
			"AmountFraction": {"amount", 100.5, 21002, "amount: must be an integer"},
			"ChannelNumber":  {"channelCode", 5, 21002, "channelCode: must be a string"},
		} {
			param := base("t-" + strings.ToLower(name))
			param[tc.field] = tc.value
			err := b.c.Do(b.ctx, client.PathCreatePayment, param, nil)
			var ae *client.APIError
			if !asAPIError(err, &ae) || ae.Code != tc.code || !strings.HasPrefix(ae.Message, tc.msg) {
				t.Errorf("%s: got %v, want %d %q", name, err, tc.code, tc.msg)
			}
			b.wantPaymentNotFound(t, param["mchOrderId"].(string))
		}
		// expireTime as a string of digits works.
		param := base("t-expstr")
		param["expireTime"] = strconv.FormatInt(time.Now().Add(time.Hour).UnixMilli(), 10)
		var res client.PaymentResult
		if err := b.c.Do(b.ctx, client.PathCreatePayment, param, &res); err != nil {
			t.Fatal(err)
		}
		if d := lifetime(t, res); d < 59*time.Minute || d > 61*time.Minute {
			t.Errorf("expireTime as a string: lives %s", d)
		}
	})
}

func TestPaymentNotFound(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		res := b.generate(t, phPayment("mine-p", "PH_QRPH_DYNAMIC", 10_000))
		_, other := b.newMerchant(t, "Toko Lain", nil)
		oc := client.New(b.srv.URL, other.AppID, merchantKey())
		for name, ref := range map[string]client.CheckRequest{
			"Unknown":              {MchOrderID: "nope", CountryCode: "PH"},
			"UnknownID":            {TransactionID: "C1", CountryCode: "PH"},
			"OtherCountry":         {MchOrderID: "mine-p", CountryCode: "ID"},
			"MismatchedIDs":        {TransactionID: res.TransactionID, MchOrderID: "other", CountryCode: "PH"},
			"PayoutID":             {TransactionID: "D" + strings.TrimPrefix(res.TransactionID, "C"), CountryCode: "PH"},
			"OtherAppsOrder":       {MchOrderID: "mine-p", CountryCode: "PH"},
			"OtherAppsTransaction": {TransactionID: res.TransactionID, CountryCode: "PH"},
		} {
			c := b.c
			if strings.HasPrefix(name, "OtherApps") {
				c = oc
			}
			_, err := c.CheckPayment(b.ctx, ref)
			var ae *client.APIError
			if !asAPIError(err, &ae) || ae.Code != 21010 || ae.Message != "transaction not found" {
				t.Errorf("%s: got %v, want 21010 transaction not found", name, err)
			}
		}
		// A payment is not a payout, nor the other way round.
		if _, err := b.c.CheckPayout(b.ctx, client.CheckRequest{MchOrderID: "mine-p", CountryCode: "PH"}); client.ErrorCode(err) != 21010 {
			t.Errorf("payment found as a payout: %v", err)
		}
		for name, tc := range map[string]struct {
			param map[string]any
			code  int
		}{
			"NoReference":    {map[string]any{"countryCode": "PH"}, 21002},
			"NoCountry":      {map[string]any{"mchOrderId": "mine-p"}, 21002},
			"UnknownCountry": {map[string]any{"mchOrderId": "mine-p", "countryCode": "XX"}, 21017},
			"IDNotString":    {map[string]any{"transactionId": 5, "countryCode": "PH"}, 21002},
		} {
			if err := b.c.Do(b.ctx, client.PathCheckPayment, tc.param, nil); client.ErrorCode(err) != tc.code {
				t.Errorf("%s: got %v, want %d", name, err, tc.code)
			}
		}
	})
}

func TestPaymentChannelList(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		list, err := b.c.PaymentChannels(b.ctx, "PH")
		if err != nil {
			t.Fatal(err)
		}
		if list.CountryCode != "PH" || list.Currency != "PHP" || len(list.Channels) != len(gateway.PaymentChannels("PH")) {
			t.Fatalf("list %+v", list)
		}
		found := map[string]client.PaymentChannel{}
		for _, c := range list.Channels {
			found[c.ChannelCode] = c
		}
		if c := found["PH_QRPH_DYNAMIC"]; c != (client.PaymentChannel{ChannelCode: "PH_QRPH_DYNAMIC", Name: "QR Ph",
			ChannelType: "QR", MinAmount: 100, MaxAmount: 5_000_000, Dynamic: true}) {
			t.Errorf("PH_QRPH_DYNAMIC listed as %+v", c)
		}
		if c := found["PH_QRPH_STATIC"]; !c.Static || c.Dynamic || c.ChannelType != "QR" {
			t.Errorf("PH_QRPH_STATIC listed as %+v", c)
		}
		if c := found["PH_GCASH"]; c.ChannelType != "EWALLET" || c.Static || !c.Dynamic {
			t.Errorf("PH_GCASH listed as %+v", c)
		}
		ru, err := b.c.PaymentChannels(b.ctx, "RU")
		if err != nil || ru.Currency != "RUB" || len(ru.Channels) == 0 {
			t.Errorf("RU channels %+v, %v", ru, err)
		}
		for cc, code := range map[string]int{"XX": 21017, "ph": 21017, "": 21002} {
			if _, err := b.c.PaymentChannels(b.ctx, cc); client.ErrorCode(err) != code {
				t.Errorf("channels of %q: %v, want %d", cc, err, code)
			}
		}
	})
}

func TestPaymentRussiaAndAliases(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, b *bundle) {
		ru := b.generate(t, client.PaymentRequest{MchOrderID: "ru-1", CountryCode: "RU", Currency: "RUB",
			Amount: 150_000, ChannelCode: "RU_CARD", Email: "ivan@example.ru"})
		if ru.ChannelType != "CARD" || ru.PayData != b.srv.URL+"/pay/"+ru.TransactionID {
			t.Errorf("RU payment answered %+v", ru)
		}

		// The alias path supplies countryCode.
		var res client.PaymentResult
		param := map[string]any{"mchOrderId": "ru-2", "currency": "RUB", "amount": "99900", "channelCode": "RU_SBP_QR"}
		if err := b.c.Do(b.ctx, "/open-api/russia/payment/generate", param, &res); err != nil {
			t.Fatal(err)
		}
		if res.CountryCode != "RU" || res.Amount != 99_900 || res.TransactionStatus != "PENDING" || res.ChannelType != "QR" {
			t.Errorf("alias generate answered %+v", res)
		}
		var p client.Payment
		if err := b.c.Do(b.ctx, "/open-api/russia/payment/query", map[string]any{"mchOrderId": "ru-2"}, &p); err != nil {
			t.Fatal(err)
		}
		if p.TransactionID != res.TransactionID || p.CountryCode != "RU" || !strings.HasSuffix(p.CreateTime, "+03:00") {
			t.Errorf("alias query found %+v", p)
		}
		var list client.PaymentChannelList
		if err := b.c.Do(b.ctx, "/open-api/russia/payment/checkout/channel", map[string]any{}, &list); err != nil || list.CountryCode != "RU" {
			t.Errorf("alias channel list: %+v, %v", list, err)
		}
		if err := b.c.Do(b.ctx, "/open-api/philippines/payment/checkout/channel", map[string]any{}, &list); err != nil || list.CountryCode != "PH" {
			t.Errorf("PH alias channel list: %+v, %v", list, err)
		}
		// A PH alias path does not find a RU payment, nor take a RU order.
		err := b.c.Do(b.ctx, "/open-api/philippines/payment/query", map[string]any{"mchOrderId": "ru-2"}, nil)
		if client.ErrorCode(err) != 21010 {
			t.Errorf("RU payment through the PH alias: %v, want 21010", err)
		}
		param["mchOrderId"], param["countryCode"] = "ru-3", "RU"
		err = b.c.Do(b.ctx, "/open-api/philippines/payment/generate", param, nil)
		var ae *client.APIError
		if !asAPIError(err, &ae) || ae.Code != 21002 || !strings.HasPrefix(ae.Message, "countryCode:") {
			t.Errorf("mismatched countryCode: %v, want 21002 naming countryCode", err)
		}
		for _, path := range []string{"/open-api/vietnam/payment/generate", "/open-api/atlantis/payment/query",
			"/open-api/russia/disbursement/check", "/open-api/vietnam/payment/refund"} {
			a := b.post(t, path, []byte(`{}`))
			if a.Status != 404 || a.Code != 21002 || !strings.Contains(a.Message, "unknown path") {
				t.Errorf("%s: %+v, want 404 21002 unknown path", path, a)
			}
		}
	})
}
