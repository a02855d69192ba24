package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

func TestEncodeParamRefund(t *testing.T) {
	t.Parallel()
	r := gateway.Refund{
		RefundTransactionID: "R1", MchRefundOrderID: "RF-1", OriginalTransactionID: "C1", MerchantID: "M1",
		CountryCode: "MY", Currency: "MYR", ChannelCode: "MY_DUITNOW_QR", Amount: 2500, FeeRefunded: 30,
		CreatedAt: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC), FinishedAt: time.Date(2026, 1, 1, 2, 5, 0, 0, time.UTC),
	}
	for _, tt := range []struct {
		status gateway.RefundStatus
		code   int
		want   string
	}{
		{gateway.RefundComplete, 0, `{"countryCode":"MY","createTime":"2026-01-01T10:00:00+08:00","currency":"MYR",` +
			`"eventName":"payment.refund.success","feeRefunded":30,"mchRefundOrderId":"RF-1","originalTransactionId":"C1",` +
			`"refundAmount":2500,"refundStatus":"COMPLETE","refundTransactionId":"R1","returnTime":"2026-01-01T10:05:00+08:00"}`},
		{gateway.RefundFailed, gateway.FailedRefund, `{"countryCode":"MY","createTime":"2026-01-01T10:00:00+08:00","currency":"MYR",` +
			`"eventName":"payment.refund.failed","failedCode":-10009,"failedMessage":"Channel Refund Failed","feeRefunded":30,` +
			`"mchRefundOrderId":"RF-1","originalTransactionId":"C1","refundAmount":2500,"refundStatus":"FAILED",` +
			`"refundTransactionId":"R1","returnTime":"2026-01-01T10:05:00+08:00"}`},
	} {
		r.Status, r.FailedCode, r.FailedMessage = tt.status, tt.code, gateway.FailedMessages[tt.code]
		// The event goes through the outbox as JSON, as it does in production.
		payload, err := json.Marshal(gateway.RefundEvent(r))
		if err != nil {
			t.Fatal(err)
		}
		var ev gateway.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			t.Fatal(err)
		}
		got, err := EncodeParam(ev)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != tt.want {
			t.Errorf("EncodeParam(%s) =\n%s\nwant\n%s", tt.status, got, tt.want)
		}
	}
}
