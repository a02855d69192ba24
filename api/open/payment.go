package open

import (
	"context"

	"github.com/kasir-gateway/kasir/gateway"
)

// paymentChannelData is one entry of the payment channel list. Dynamic says
// the channel takes one-off orders (generate); Static that it can back a
// reusable static code. A channel may do both.
type paymentChannelData struct {
	ChannelCode string `json:"channelCode"`
	Name        string `json:"name"`
	ChannelType string `json:"channelType"`
	MinAmount   int64  `json:"minAmount"`
	MaxAmount   int64  `json:"maxAmount"`
	Dynamic     bool   `json:"dynamic"`
	Static      bool   `json:"static"`
}

type paymentChannelListData struct {
	CountryCode string               `json:"countryCode"`
	Currency    string               `json:"currency"`
	Channels    []paymentChannelData `json:"channels"`
}

// paymentCountry returns param.countryCode when payments are opened there;
// KindCountry (21017) otherwise.
func (rq *request) paymentCountry() (string, error) {
	cc, err := rq.countryCode()
	if err != nil {
		return "", err
	}
	if _, ok := gateway.Countries[cc]; !ok || len(gateway.PaymentChannels(cc)) == 0 {
		return "", gateway.Errorf(gateway.KindCountry, "countryCode", "payments in %q are not opened", cc)
	}
	return cc, nil
}

// paymentChannels lists a country's payment channels:
// /open-api/payment/checkout/channel.
func (h *handler) paymentChannels(_ context.Context, rq *request) (any, error) {
	cc, err := rq.paymentCountry()
	if err != nil {
		return nil, err
	}
	list := gateway.PaymentChannels(cc)
	data := paymentChannelListData{CountryCode: cc, Currency: gateway.Countries[cc].Currency,
		Channels: make([]paymentChannelData, len(list))}
	for i, c := range list {
		data.Channels[i] = paymentChannelData{ChannelCode: c.Code, Name: c.Name, ChannelType: c.Type,
			MinAmount: c.MinAmount, MaxAmount: c.MaxAmount, Dynamic: c.Expiry > 0, Static: c.Static}
	}
	return data, nil
}

// generateData is the answer to a dynamic payment order.
type generateData struct {
	TransactionID     string `json:"transactionId"`
	MchOrderID        string `json:"mchOrderId"`
	TransactionStatus string `json:"transactionStatus"`
	Amount            int64  `json:"amount"`
	Currency          string `json:"currency"`
	CountryCode       string `json:"countryCode"`
	ChannelType       string `json:"channelType"`
	ChannelCode       string `json:"channelCode"`
	PayData           string `json:"payData"`
	ExpireTime        string `json:"expireTime"`
	CreateTime        string `json:"createTime"`
}

// generate creates a dynamic payment order: /open-api/payment/generate.
func (h *handler) generate(ctx context.Context, rq *request) (any, error) {
	var req gateway.PaymentRequest
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"mchOrderId", &req.MchOrderID}, {"currency", &req.Currency},
		{"channelType", &req.ChannelType}, {"channelCode", &req.ChannelCode},
		{"customerName", &req.CustomerName}, {"email", &req.Email}, {"mobile", &req.Mobile},
		{"terminalType", &req.TerminalType}, {"notifyUrl", &req.NotifyURL},
		{"redirectUrl", &req.RedirectURL}, {"remark", &req.Remark},
	} {
		v, err := rq.p.str(f.name)
		if err != nil {
			return nil, err
		}
		*f.dst = v
	}
	var err error
	if req.CountryCode, err = rq.countryCode(); err != nil {
		return nil, err
	}
	if req.Amount, err = rq.p.amount("amount"); err != nil {
		return nil, err
	}
	if req.ExpireTime, err = rq.p.instant("expireTime"); err != nil {
		return nil, err
	}
	p, err := h.gw.CreatePayment(ctx, rq.app, req)
	if err != nil {
		return nil, err
	}
	return generateData{
		TransactionID: p.TransactionID, MchOrderID: p.MchOrderID, TransactionStatus: string(p.Status),
		Amount: p.Amount, Currency: p.Currency, CountryCode: p.CountryCode,
		ChannelType: p.ChannelType, ChannelCode: p.ChannelCode, PayData: p.PayData,
		ExpireTime: formatTime(p.ExpireAt, p.CountryCode), CreateTime: formatTime(p.CreatedAt, p.CountryCode),
	}, nil
}

// paymentData is a payment as query answers it. Flag (LATE, UNDERPAID,
// OVERPAID) is omitted when the payment arrived as ordered or not at all.
type paymentData struct {
	MchOrderID        string `json:"mchOrderId"`
	TransactionID     string `json:"transactionId"`
	CountryCode       string `json:"countryCode"`
	Currency          string `json:"currency"`
	Amount            int64  `json:"amount"`
	PaidAmount        int64  `json:"paidAmount"`
	Fee               int64  `json:"fee"`
	ChannelType       string `json:"channelType"`
	ChannelCode       string `json:"channelCode"`
	PayData           string `json:"payData"`
	TransactionStatus string `json:"transactionStatus"`
	Flag              string `json:"flag,omitempty"`
	CreateTime        string `json:"createTime"`
	ExpireTime        string `json:"expireTime"`
	ReturnTime        string `json:"returnTime"`
	Remark            string `json:"remark"`
}

// query finds a payment by mchOrderId or transactionId:
// /open-api/payment/query.
func (h *handler) query(ctx context.Context, rq *request) (any, error) {
	var ref gateway.OrderRef
	var err error
	if ref.MchOrderID, err = rq.p.str("mchOrderId"); err != nil {
		return nil, err
	}
	if ref.TransactionID, err = rq.p.str("transactionId"); err != nil {
		return nil, err
	}
	cc, err := rq.paymentCountry()
	if err != nil {
		return nil, err
	}
	p, err := h.gw.CheckPayment(ctx, rq.app.AppID, ref)
	if err != nil {
		return nil, err
	}
	if p.CountryCode != cc {
		return nil, gateway.Errorf(gateway.KindNotFound, "", "transaction not found")
	}
	return paymentData{
		MchOrderID: p.MchOrderID, TransactionID: p.TransactionID, CountryCode: p.CountryCode,
		Currency: p.Currency, Amount: p.Amount, PaidAmount: p.PaidAmount, Fee: p.Fee,
		ChannelType: p.ChannelType, ChannelCode: p.ChannelCode, PayData: p.PayData,
		TransactionStatus: string(p.Status), Flag: p.Flag,
		CreateTime: formatTime(p.CreatedAt, p.CountryCode), ExpireTime: formatTime(p.ExpireAt, p.CountryCode),
		ReturnTime: formatTime(p.FinishedAt, p.CountryCode), Remark: p.Remark,
	}, nil
}
