package header

import (
	"context"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// PayType is a pay-in method as dialect B's payIn selects it: a number per
// payment product.
type PayType struct {
	Value       int
	ChannelCode string // the payment channel of gateway's catalog
}

// PayTypes is Peru's payType table. The provider numbers pay-in products
// per country in the appendix of each (Thailand 411-414, Egypt 520, ...) and
// publishes none for Peru, so these numbers are Kasir's: 601 upward, one
// per PE payment channel. payIn also accepts the channel code itself
// ("PE_YAPE") as payType.
var PayTypes = []PayType{
	{601, "PE_YAPE"},
	{602, "PE_PLIN"},
	{603, "PE_PAGOEFECTIVO"},
	{604, "PE_BANK_TRANSFER"},
}

// payTypeOf returns the payType of a channel code, or nil when it has none
// (a dialect A payment of another country read through dialect B).
func payTypeOf(channelCode string) *int {
	for _, t := range PayTypes {
		if t.ChannelCode == channelCode {
			v := t.Value
			return &v
		}
	}
	return nil
}

// readPayType reads payType: a number or digit string of PayTypes, or one
// of their channel codes.
func readPayType(b body) (string, error) {
	v, ok := b.raw("payType")
	if !ok || string(v) == `""` {
		return "", required("payType")
	}
	if n, _, err := b.integer("payType"); err == nil {
		for _, t := range PayTypes {
			if int64(t.Value) == n {
				return t.ChannelCode, nil
			}
		}
	} else if code, err := b.str("payType", false); err == nil && payTypeOf(code) != nil {
		return code, nil
	}
	return "", gateway.Errorf(gateway.KindPayMethod, "payType", "%s is not a Peru payType (see /api/payInBankListQuery)", truncate(string(v), 40))
}

// PayInStatus returns dialect B's pay-in orderStatus of a payment in the
// given core status: PAYING while PENDING, SUCCESS when COMPLETED, FAIL
// when FAILED or EXPIRED.
func PayInStatus(s gateway.Status) string {
	switch s {
	case gateway.StatusPending:
		return "PAYING"
	case gateway.StatusCompleted:
		return "SUCCESS"
	default:
		return "FAIL"
	}
}

// payInResult is a pay-in's resultDesc, the same as its notification's
// (package notify): SUCCESS when paid, ORDER_EXPIRED when it expired, the
// failed reason when it failed, "" while pending.
func payInResult(s gateway.Status) string {
	switch s {
	case gateway.StatusPending:
		return ""
	case gateway.StatusExpired:
		return "ORDER_EXPIRED"
	default:
		return gateway.DialectBResultDesc(s, 0)
	}
}

// payInData is a payment as payIn and payInQuery answer it. payCode holds a
// payment code (PagoEfectivo's CIP) and payUrl a page to pay on; the other
// is null. paidAmount (what arrived, once paid), currency, expireTime and
// resultDesc (as the pay-in notification gives it) are Kasir's additions.
type payInData struct {
	MerchantID     int64   `json:"merchantId"`
	MchOrderNo     string  `json:"mchOrderNo"`
	OrderNo        string  `json:"orderNo"`
	PayType        *int    `json:"payType"`
	Currency       string  `json:"currency"`
	Amount         decimal `json:"amount"`
	PaidAmount     decimal `json:"paidAmount"`
	OrderFee       decimal `json:"orderFee"`
	Fee            decimal `json:"fee"`
	PayCode        *string `json:"payCode"`
	PayURL         *string `json:"payUrl"`
	OrderStatus    string  `json:"orderStatus"`
	ResultDesc     string  `json:"resultDesc"`
	ExpireTime     *string `json:"expireTime"`
	CompletionTime *string `json:"completionTime"`
}

func newPayInData(merchantNo int64, p gateway.Payment) payInData {
	d := payInData{
		MerchantID: merchantNo, MchOrderNo: p.MchOrderID, OrderNo: p.TransactionID, PayType: payTypeOf(p.ChannelCode),
		Currency: p.Currency, Amount: amountOf(p.Amount, p.Currency), PaidAmount: amountOf(p.PaidAmount, p.Currency),
		OrderFee: amountOf(p.Fee, p.Currency), Fee: amountOf(p.Fee, p.Currency),
		OrderStatus: PayInStatus(p.Status), ResultDesc: payInResult(p.Status),
		ExpireTime: localTime(p.ExpireAt, p.CountryCode), CompletionTime: localTime(p.FinishedAt, p.CountryCode),
	}
	payData := p.PayData
	if ch, ok := gateway.FindPaymentChannel(p.CountryCode, p.ChannelCode); ok && ch.PayData == gateway.PayDataURL {
		d.PayURL = &payData
	} else {
		d.PayCode = &payData
	}
	return d
}

// payIn creates a Peru pay-in order: /api/payIn. Fields follow the
// provider's payIn (docs.cashypro.com, col/payin.html): reusableStatus may
// only be false; expireTime is in seconds, the channel's default lifetime
// when absent; realName, phone and email describe the payer and are
// optional, as is notifyUrl (the app's default applies); redirectUrl,
// where the hosted page sends the customer after paying, is Kasir's. The
// payer document (idType, idCard) that other countries ask for is not
// needed in Peru and is ignored.
func (h *handler) payIn(ctx context.Context, rq *request) (any, error) {
	req := gateway.PaymentRequest{CountryCode: "PE", Dialect: gateway.DialectB}
	err := readStrings(rq.b, []strField{
		{"currency", &req.Currency, true, false},
		{"mchOrderNo", &req.MchOrderID, true, true},
		{"notifyUrl", &req.NotifyURL, false, false},
		{"redirectUrl", &req.RedirectURL, false, false},
		{"remark", &req.Remark, false, false},
		{"realName", &req.CustomerName, false, false},
		{"phone", &req.Mobile, false, true},
		{"email", &req.Email, false, false},
	})
	if err != nil {
		return nil, err
	}
	if req.Currency != "PEN" {
		return nil, invalid("currency", "must be PEN, got %q", req.Currency)
	}
	if req.ChannelCode, err = readPayType(rq.b); err != nil {
		return nil, err
	}
	if req.Amount, err = rq.b.amount("amount"); err != nil {
		return nil, err
	}
	if reusable, _, err := rq.b.boolean("reusableStatus"); err != nil {
		return nil, err
	} else if reusable {
		return nil, invalid("reusableStatus", "only false is supported: a pay-in order is paid once")
	}
	secs, ok, err := rq.b.integer("expireTime")
	if err != nil {
		return nil, err
	}
	if ok {
		if secs < 60 || secs > 7*24*3600 {
			return nil, invalid("expireTime", "must be 60 to 604800 seconds, got %d", secs)
		}
		req.ExpireTime = h.opts.Clock.Now().Add(time.Duration(secs) * time.Second)
	}
	p, err := h.gw.CreatePayment(ctx, rq.cred.App, req)
	if err != nil {
		return nil, err
	}
	return newPayInData(rq.merchantNo, p), nil
}

// payInQuery finds a payment by orderNo (preferred) or mchOrderNo:
// /api/payInQuery.
func (h *handler) payInQuery(ctx context.Context, rq *request) (any, error) {
	ref, err := rq.b.orderRef()
	if err != nil {
		return nil, err
	}
	p, err := h.gw.CheckPayment(ctx, rq.cred.App.AppID, ref)
	if err != nil {
		return nil, err
	}
	return newPayInData(rq.merchantNo, p), nil
}
