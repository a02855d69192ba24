package open

import (
	"context"
	"errors"

	"github.com/kasir-gateway/kasir/gateway"
)

// refundData is a refund as the refund operations answer it. Amounts are
// minor units; returnTime is "" until the refund is final.
type refundData struct {
	RefundTransactionID   string `json:"refundTransactionId"`
	MchRefundOrderID      string `json:"mchRefundOrderId"`
	OriginalTransactionID string `json:"originalTransactionId"`
	CountryCode           string `json:"countryCode"`
	Currency              string `json:"currency"`
	RefundAmount          int64  `json:"refundAmount"`
	FeeRefunded           int64  `json:"feeRefunded"`
	RefundStatus          string `json:"refundStatus"`
	RefundReason          string `json:"refundReason"`
	FailedCode            int    `json:"failedCode,omitempty"`
	FailedMessage         string `json:"failedMessage,omitempty"`
	CreateTime            string `json:"createTime"`
	ReturnTime            string `json:"returnTime"`
}

func newRefundData(r gateway.Refund) refundData {
	return refundData{
		RefundTransactionID: r.RefundTransactionID, MchRefundOrderID: r.MchRefundOrderID,
		OriginalTransactionID: r.OriginalTransactionID, CountryCode: r.CountryCode, Currency: r.Currency,
		RefundAmount: r.Amount, FeeRefunded: r.FeeRefunded, RefundStatus: string(r.Status), RefundReason: r.Reason,
		FailedCode: r.FailedCode, FailedMessage: r.FailedMessage,
		CreateTime: formatTime(r.CreatedAt, r.CountryCode), ReturnTime: formatTime(r.FinishedAt, r.CountryCode),
	}
}

// refund refunds all or part of a payment: /open-api/payment/refund.
func (h *handler) refund(ctx context.Context, rq *request) (any, error) {
	var req gateway.RefundRequest
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"mchRefundOrderId", &req.MchRefundOrderID}, {"originalTransactionId", &req.OriginalTransactionID},
		{"refundReason", &req.Reason}, {"refundCallbackUrl", &req.CallbackURL},
	} {
		v, err := rq.p.str(f.name)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	var err error
	if req.CountryCode, err = rq.refundCountry(); err != nil {
		return nil, err
	}
	if req.Amount, err = rq.p.amount("refundAmount"); err != nil {
		var ge *gateway.Error
		if errors.As(err, &ge) {
			return nil, &gateway.Error{Kind: gateway.KindRefundAmount, Field: ge.Field, Message: ge.Message}
		}
		return nil, err
	}
	r, err := h.gw.CreateRefund(ctx, rq.app, req)
	if err != nil {
		return nil, err
	}
	return newRefundData(r), nil
}

// refundCountry returns param.countryCode, which refunds do not require;
// when given it must be a country with payments.
func (rq *request) refundCountry() (string, error) {
	if cc, err := rq.p.str("countryCode"); err != nil || (cc == "" && rq.pathCountry == "") {
		return "", err
	}
	return rq.paymentCountry()
}

// refundList answers /open-api/refund/payments: every refund of a payment
// (originalTransactionId), or one refund (refundTransactionId or
// mchRefundOrderId), as a list.
func (h *handler) refundList(ctx context.Context, rq *request) (any, error) {
	var orig string
	var ref gateway.RefundRef
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"originalTransactionId", &orig}, {"refundTransactionId", &ref.RefundTransactionID},
		{"mchRefundOrderId", &ref.MchRefundOrderID},
	} {
		v, err := rq.p.str(f.name)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	cc, err := rq.refundCountry()
	if err != nil {
		return nil, err
	}
	var rs []gateway.Refund
	if orig != "" && ref == (gateway.RefundRef{}) {
		if rs, err = h.gw.ListRefunds(ctx, rq.app.AppID, orig); err != nil {
			return nil, err
		}
	} else {
		r, err := h.gw.CheckRefund(ctx, rq.app.AppID, ref)
		if err != nil {
			return nil, err
		}
		if orig != "" && r.OriginalTransactionID != orig {
			return nil, gateway.Errorf(gateway.KindRefundUnknown, "", "refund not found")
		}
		rs = []gateway.Refund{r}
	}
	list := make([]refundData, 0, len(rs))
	for _, r := range rs {
		if cc == "" || r.CountryCode == cc {
			list = append(list, newRefundData(r))
		}
	}
	return struct {
		List []refundData `json:"list"`
	}{list}, nil
}

// refundChannelData is one channel of /open-api/refund/channel.
type refundChannelData struct {
	ChannelCode string `json:"channelCode"`
	Name        string `json:"name"`
	ChannelType string `json:"channelType"`
}

// refundChannels lists the payment channels of a country whose payments can
// be refunded: /open-api/refund/channel.
func (h *handler) refundChannels(_ context.Context, rq *request) (any, error) {
	cc, err := rq.paymentCountry()
	if err != nil {
		return nil, err
	}
	list := gateway.RefundChannels(cc)
	data := struct {
		CountryCode string              `json:"countryCode"`
		Currency    string              `json:"currency"`
		Channels    []refundChannelData `json:"channels"`
	}{cc, gateway.Countries[cc].Currency, make([]refundChannelData, len(list))}
	for i, c := range list {
		data.Channels[i] = refundChannelData{ChannelCode: c.Code, Name: c.Name, ChannelType: c.Type}
	}
	return data, nil
}
