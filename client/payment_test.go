package client

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestPaymentCalls(t *testing.T) {
	t.Parallel()
	now := time.UnixMilli(1_700_000_000_123)
	clock := WithClock(func() time.Time { return now })
	ctx := context.Background()

	t.Run("CreatePayment", func(t *testing.T) {
		t.Parallel()
		srv, got := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":{"transactionId":"C1","mchOrderId":"o1","transactionStatus":"PENDING",` +
				`"amount":10000,"currency":"PHP","countryCode":"PH","channelType":"QR","channelCode":"PH_QRPH_DYNAMIC",` +
				`"payData":"000201010212","expireTime":"2023-11-15T06:43:20+08:00","createTime":"2023-11-15T06:13:20+08:00"}}`
		})
		c := New(srv.URL, "app-1", testKey(), clock)
		res, err := c.CreatePayment(ctx, PaymentRequest{MchOrderID: "o1", CountryCode: "PH", Currency: "PHP", Amount: 10_000,
			ChannelCode: "PH_QRPH_DYNAMIC"})
		if err != nil {
			t.Fatal(err)
		}
		want := PaymentResult{TransactionID: "C1", MchOrderID: "o1", TransactionStatus: StatusPending, Amount: 10_000,
			Currency: "PHP", CountryCode: "PH", ChannelType: ChannelTypeQR, ChannelCode: "PH_QRPH_DYNAMIC",
			PayData: "000201010212", ExpireTime: "2023-11-15T06:43:20+08:00", CreateTime: "2023-11-15T06:13:20+08:00"}
		if res != want {
			t.Errorf("got %+v\nwant %+v", res, want)
		}
		rc := (*got)[0]
		if rc.path != PathCreatePayment {
			t.Errorf("path %q", rc.path)
		}
		if rc.raw != `{"timestamp":1700000000123,"mchOrderId":"o1","countryCode":"PH","currency":"PHP","amount":10000,"channelCode":"PH_QRPH_DYNAMIC"}` {
			t.Errorf("param sent as %s: the optional fields must be left out", rc.raw)
		}

		_, err = c.CreatePayment(ctx, PaymentRequest{MchOrderID: "o2", CountryCode: "PH", Currency: "PHP", Amount: 1,
			ChannelType: "EWALLET", ChannelCode: "PH_GCASH", CustomerName: "Juan", Email: "j@example.com", Mobile: "0917",
			TerminalType: "APP", NotifyURL: "https://m/n", RedirectURL: "https://m/r", Remark: "r", ExpireTime: 1_700_000_600_000})
		if err != nil {
			t.Fatal(err)
		}
		p := (*got)[1].param
		for field, want := range map[string]any{"channelType": "EWALLET", "customerName": "Juan", "email": "j@example.com",
			"mobile": "0917", "terminalType": "APP", "notifyUrl": "https://m/n", "redirectUrl": "https://m/r", "remark": "r",
			"expireTime": json.Number("1700000600000"), "amount": json.Number("1")} {
			if p[field] != want {
				t.Errorf("%s sent as %#v, want %#v", field, p[field], want)
			}
		}
	})

	t.Run("CheckPayment", func(t *testing.T) {
		t.Parallel()
		srv, got := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":{"mchOrderId":"o1","transactionId":"C1","countryCode":"PH",` +
				`"currency":"PHP","amount":10000,"paidAmount":9000,"fee":250,"channelType":"EWALLET","channelCode":"PH_GCASH",` +
				`"payData":"https://kasir/pay/C1","transactionStatus":"COMPLETED","flag":"UNDERPAID","createTime":"a",` +
				`"expireTime":"b","returnTime":"c","remark":"r"}}`
		})
		c := New(srv.URL, "app-1", testKey(), clock)
		p, err := c.CheckPayment(ctx, CheckRequest{TransactionID: "C1", CountryCode: "PH"})
		if err != nil {
			t.Fatal(err)
		}
		want := Payment{MchOrderID: "o1", TransactionID: "C1", CountryCode: "PH", Currency: "PHP", Amount: 10_000,
			PaidAmount: 9_000, Fee: 250, ChannelType: ChannelTypeEWallet, ChannelCode: "PH_GCASH", PayData: "https://kasir/pay/C1",
			TransactionStatus: StatusCompleted, Flag: FlagUnderpaid, CreateTime: "a", ExpireTime: "b", ReturnTime: "c", Remark: "r"}
		if p != want {
			t.Errorf("got %+v\nwant %+v", p, want)
		}
		if rc := (*got)[0]; rc.path != PathCheckPayment || rc.raw != `{"timestamp":1700000000123,"transactionId":"C1","countryCode":"PH"}` {
			t.Errorf("sent %s to %s", rc.raw, rc.path)
		}
	})

	t.Run("PaymentChannels", func(t *testing.T) {
		t.Parallel()
		srv, got := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":10000,"message":"Success","data":{"countryCode":"PH","currency":"PHP","channels":[` +
				`{"channelCode":"PH_QRPH_DYNAMIC","name":"QR Ph","channelType":"QR","minAmount":100,"maxAmount":5000000,"static":false},` +
				`{"channelCode":"PH_QRPH_STATIC","name":"QR Ph (static)","channelType":"QR","minAmount":100,"maxAmount":5000000,"static":true}]}}`
		})
		list, err := New(srv.URL, "app-1", testKey(), clock).PaymentChannels(ctx, "PH")
		if err != nil {
			t.Fatal(err)
		}
		want := PaymentChannelList{CountryCode: "PH", Currency: "PHP", Channels: []PaymentChannel{
			{ChannelCode: "PH_QRPH_DYNAMIC", Name: "QR Ph", ChannelType: "QR", MinAmount: 100, MaxAmount: 5_000_000},
			{ChannelCode: "PH_QRPH_STATIC", Name: "QR Ph (static)", ChannelType: "QR", MinAmount: 100, MaxAmount: 5_000_000, Static: true},
		}}
		if !reflect.DeepEqual(list, want) {
			t.Errorf("got %+v\nwant %+v", list, want)
		}
		if rc := (*got)[0]; rc.path != PathPaymentChannels || rc.param["countryCode"] != "PH" {
			t.Errorf("sent %s to %s", rc.raw, rc.path)
		}
	})

	t.Run("Refused", func(t *testing.T) {
		t.Parallel()
		srv, _ := fakeGateway(t, &testKey().PublicKey, func(received) (int, string) {
			return 200, `{"code":21005,"message":"channelCode: \"PH_QRPH_STATIC\" is not a payment channel of PH for one-off orders","data":null}`
		})
		_, err := New(srv.URL, "app-1", testKey()).CreatePayment(ctx, PaymentRequest{MchOrderID: "o", ChannelCode: "PH_QRPH_STATIC"})
		if ErrorCode(err) != CodeChannelUnavailable {
			t.Errorf("got %v, want 21005", err)
		}
	})
}
