package notify

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// Dialect B notifications (seed 002, "Async Webhook Notification"): the
// Webhook POSTs the order's JSON body to the message's URL with the headers
// Content-Type: application/json, MerchantId (the merchant's number) and
// Sign = upper-case hex MD5(body + apiKey), signed with the merchant's newest
// apiKey. The delivery counts as done only when the merchant answers HTTP 200
// with the plain text SUCCESS (case-sensitive, surrounding whitespace
// ignored); anything else is a failed attempt, retried on the dispatcher's
// schedule.

// SigningKeys gives the key a merchant's dialect B notifications are signed
// with: its merchant number (the MerchantId header) and its newest apiKey.
// *gateway.Gateway implements it.
type SigningKeys interface {
	SigningKey(ctx context.Context, merchantID string) (merchantNo int64, apiKey string, err error)
}

// completionLayout is dialect B's "yyyy-MM-dd HH:mm:ss".
const completionLayout = "2006-01-02 15:04:05"

// bBody is a dialect B notification body, its fields in the order of the
// provider's table. Fee and CompletionTime are null unless the order
// succeeded, as the provider's answers show them.
type bBody struct {
	MerchantID     int64        `json:"merchantId"`
	MchOrderNo     string       `json:"mchOrderNo"`
	OrderNo        string       `json:"orderNo"`
	ChannelOrderNo string       `json:"channelOrderNo,omitempty"` // the core keeps no channel order number to show
	Amount         json.Number  `json:"amount"`
	Fee            *json.Number `json:"fee"`
	OrderStatus    string       `json:"orderStatus"`
	ResultDesc     string       `json:"resultDesc"`
	CompletionTime *string      `json:"completionTime"`
}

// Pay-in statuses of dialect B.
const (
	payInPaying  = "PAYING"
	payInSuccess = "SUCCESS"
	payInFail    = "FAIL"
)

// EncodeDialectB returns the body of ev's dialect B notification for the
// merchant numbered merchantNo, the exact bytes that are signed. Amounts are
// decimals in major units with two places (100.00). For a payout, orderStatus
// and resultDesc are gateway.DialectBPayoutStatus and DialectBResultDesc; for
// a payment (pay-in), orderStatus is PAYING while pending, SUCCESS when
// completed and FAIL when failed or expired, resultDesc is SUCCESS, "" while
// pending, ORDER_EXPIRED for an expired order (ours, as ORDER_CANCELED is) and
// DialectBResultDesc's reason when failed, and amount is the paid amount once
// paid. fee and completionTime (Peru time) are null unless the order
// completed. Events of any other kind (refunds) have no dialect B form: an
// error.
func EncodeDialectB(ev gateway.Event, merchantNo int64) ([]byte, error) {
	b := bBody{
		MerchantID: merchantNo, MchOrderNo: ev.MchOrderID, OrderNo: ev.TransactionID,
		Amount: json.Number(money.FormatMajor(ev.Amount, ev.Currency)),
	}
	switch ev.Kind {
	case "payout":
		b.OrderStatus = gateway.DialectBPayoutStatus(ev.Status, ev.FailedCode)
		b.ResultDesc = gateway.DialectBResultDesc(ev.Status, ev.FailedCode)
	case "payment":
		b.OrderStatus, b.ResultDesc = payInStatus(ev)
		if ev.Status == gateway.StatusCompleted && ev.PaidAmount > 0 {
			b.Amount = json.Number(money.FormatMajor(ev.PaidAmount, ev.Currency))
		}
	default:
		return nil, fmt.Errorf("notify: an event of kind %q has no dialect B form", ev.Kind)
	}
	if ev.Status == gateway.StatusCompleted {
		fee := json.Number(money.FormatMajor(ev.Fee, ev.Currency))
		b.Fee = &fee
		if !ev.ReturnTime.IsZero() {
			at := ev.ReturnTime.In(peru()).Format(completionLayout)
			b.CompletionTime = &at
		}
	}
	return marshal(b)
}

// payInStatus returns a payment's dialect B orderStatus and resultDesc.
func payInStatus(ev gateway.Event) (status, desc string) {
	switch ev.Status {
	case gateway.StatusCompleted:
		return payInSuccess, "SUCCESS"
	case gateway.StatusExpired:
		return payInFail, "ORDER_EXPIRED"
	case gateway.StatusFailed:
		return payInFail, gateway.DialectBResultDesc(ev.Status, ev.FailedCode)
	default:
		return payInPaying, ""
	}
}

// peru returns the zone dialect B's times are written in.
func peru() *time.Location {
	if c, ok := gateway.Countries["PE"]; ok && c.Location != nil {
		return c.Location
	}
	return time.FixedZone("PET", -5*60*60)
}

// signB returns dialect B's Sign of body: upper-case hex MD5(body + apiKey).
func signB(body []byte, apiKey string) string {
	h := md5.New()
	h.Write(body)
	h.Write([]byte(apiKey))
	return strings.ToUpper(hex.EncodeToString(h.Sum(nil)))
}

// handleB delivers ev, an event of a dialect B order, to m.URL.
func (w *Webhook) handleB(ctx context.Context, m gateway.OutboxMessage, ev gateway.Event) gateway.DeliveryAttempt {
	if w.keys == nil {
		return failed(fmt.Errorf("notify: message %d is in dialect B and this webhook has no signing keys", m.ID))
	}
	no, key, err := w.keys.SigningKey(ctx, ev.MerchantID)
	if err == nil && (no <= 0 || key == "") {
		err = errors.New("no merchant number or apiKey")
	}
	if err != nil {
		return failed(fmt.Errorf("notify: dialect B signing key of merchant %s: %w", ev.MerchantID, err))
	}
	body, err := EncodeDialectB(ev, no)
	if err != nil {
		return failed(err)
	}
	sig := signB(body, key)
	header := http.Header{
		"Content-Type": {"application/json"},
		"MerchantId":   {strconv.FormatInt(no, 10)},
		"Sign":         {sig},
	}
	a, answer, complete := w.post(ctx, m.URL, body, header, sig)
	a.OK = complete && a.HTTPStatus == http.StatusOK && strings.TrimSpace(string(answer)) == "SUCCESS"
	return a
}
