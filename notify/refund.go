package notify

import (
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// refundParamDoc is a refund notification's param document
// (payment.refund.success|failed|cancel); its fields are in alphabetical
// order, as the providers send them. Amounts are minor units.
type refundParamDoc struct {
	CountryCode           string `json:"countryCode"`
	CreateTime            string `json:"createTime"`
	Currency              string `json:"currency"`
	EventName             string `json:"eventName"`
	FailedCode            int    `json:"failedCode,omitempty"`
	FailedMessage         string `json:"failedMessage,omitempty"`
	FeeRefunded           int64  `json:"feeRefunded"`
	MchRefundOrderID      string `json:"mchRefundOrderId"`
	OriginalTransactionID string `json:"originalTransactionId"`
	RefundAmount          int64  `json:"refundAmount"`
	RefundStatus          string `json:"refundStatus"`
	RefundTransactionID   string `json:"refundTransactionId"`
	ReturnTime            string `json:"returnTime"`
}

// refundParam is EncodeParam's document for an event of Kind "refund"; at
// formats times in the country's zone.
func refundParam(ev gateway.Event, at func(time.Time) string) refundParamDoc {
	return refundParamDoc{
		CountryCode: ev.CountryCode, CreateTime: at(ev.CreateTime), Currency: ev.Currency, EventName: ev.Name,
		FailedCode: ev.FailedCode, FailedMessage: ev.FailedMessage, FeeRefunded: ev.FeeRefunded,
		MchRefundOrderID: ev.MchOrderID, OriginalTransactionID: ev.OriginalTransactionID,
		RefundAmount: ev.Amount, RefundStatus: string(ev.Status), RefundTransactionID: ev.TransactionID,
		ReturnTime: at(ev.ReturnTime),
	}
}
