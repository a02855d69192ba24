package client

import "testing"

func TestVerifyRefundNotification(t *testing.T) {
	t.Parallel()
	param := []byte(`{"countryCode":"PH","createTime":"2026-01-01T10:00:00+08:00","currency":"PHP",` +
		`"eventName":"payment.refund.failed","failedCode":-10009,"failedMessage":"Channel Refund Failed","feeRefunded":30,` +
		`"mchRefundOrderId":"RF-1","originalTransactionId":"C1","refundAmount":2500,"refundStatus":"FAILED",` +
		`"refundTransactionId":"R1","returnTime":"2026-01-01T10:05:00+08:00"}`)
	body, err := SignNotification(param, testKey())
	if err != nil {
		t.Fatal(err)
	}
	n, err := VerifyNotification(body, &testKey().PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	if n.EventName != EventRefundFailed || n.RefundTransactionID != "R1" || n.MchRefundOrderID != "RF-1" ||
		n.OriginalTransactionID != "C1" || n.RefundAmount != 2500 || n.FeeRefunded != 30 || n.RefundStatus != RefundFailed ||
		n.FailedCode != -10009 || n.ReturnTime != "2026-01-01T10:05:00+08:00" {
		t.Fatalf("notification %+v", n)
	}
}
