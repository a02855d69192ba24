package open

import (
	"context"

	"github.com/kasir-gateway/kasir/gateway"
)

// staticAliases: the countries whose channels can back static codes have
// alias paths for them (e.g. /open-api/philippines/static/payment/code).
var staticAliases aliasCountries = func(cc string) bool {
	for _, c := range gateway.PaymentChannels(cc) {
		if c.Static {
			return true
		}
	}
	return false
}

// staticCodeData is a static code as the static operations answer it.
// Status is ACTIVE, CANCEL, or EXPIRED for an ACTIVE code past expireTime;
// amount is 0 for an open amount; expireTime and cancelTime are "" when not
// set.
type staticCodeData struct {
	CodeID       string `json:"codeId"`
	MchOrderID   string `json:"mchOrderId"`
	Status       string `json:"status"`
	CountryCode  string `json:"countryCode"`
	Currency     string `json:"currency"`
	ChannelCode  string `json:"channelCode"`
	PayData      string `json:"payData"`
	CustomerName string `json:"customerName"`
	Amount       int64  `json:"amount"`
	MinAmount    int64  `json:"minAmount"`
	MaxAmount    int64  `json:"maxAmount"`
	ExpireTime   string `json:"expireTime"`
	CreateTime   string `json:"createTime"`
	CancelTime   string `json:"cancelTime"`
	Remark       string `json:"remark"`
}

func staticData(c gateway.StaticCode) staticCodeData {
	return staticCodeData{
		CodeID: c.ID, MchOrderID: c.MchOrderID, Status: string(c.Status), CountryCode: c.CountryCode,
		Currency: c.Currency, ChannelCode: c.ChannelCode, PayData: c.PayData, CustomerName: c.CustomerName,
		Amount: c.Amount, MinAmount: c.MinAmount, MaxAmount: c.MaxAmount,
		ExpireTime: formatTime(c.ExpireAt, c.CountryCode), CreateTime: formatTime(c.CreatedAt, c.CountryCode),
		CancelTime: formatTime(c.CancelledAt, c.CountryCode), Remark: c.Remark,
	}
}

// optionalAmount reads an amount field that may be absent (0).
func (p params) optionalAmount(field string) (int64, error) {
	if _, ok := p.raw(field); !ok {
		return 0, nil
	}
	return p.amount(field)
}

// count reads an optional positive count field (a JSON integer or a string of
// digits); def when absent.
func (p params) count(field string, def int) (int, error) {
	if _, ok := p.raw(field); !ok {
		return def, nil
	}
	n, err := p.amount(field)
	if err != nil || n < 1 || n > 1<<30 {
		return 0, gateway.Errorf(gateway.KindInvalid, field, "must be a positive integer")
	}
	return int(n), nil
}

// staticCreate creates a static code: /open-api/static/payment/code.
func (h *handler) staticCreate(ctx context.Context, rq *request) (any, error) {
	var req gateway.StaticCodeRequest
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"mchOrderId", &req.MchOrderID}, {"currency", &req.Currency}, {"channelCode", &req.ChannelCode},
		{"customerName", &req.CustomerName}, {"notifyUrl", &req.NotifyURL}, {"remark", &req.Remark},
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
	for _, f := range []struct {
		name string
		dst  *int64
	}{{"amount", &req.Amount}, {"minAmount", &req.MinAmount}, {"maxAmount", &req.MaxAmount}} {
		if *f.dst, err = rq.p.optionalAmount(f.name); err != nil {
			return nil, err
		}
	}
	if req.ExpireTime, err = rq.p.instant("expireTime"); err != nil {
		return nil, err
	}
	c, err := h.gw.CreateStaticCode(ctx, rq.app, req)
	if err != nil {
		return nil, err
	}
	return staticData(c), nil
}

// staticCode finds the app's code named by param.mchOrderId (or codeId) in
// param.countryCode; KindNotFound when it is in another country or, when
// param.channelCode is given, another channel.
func (h *handler) staticCode(ctx context.Context, rq *request) (gateway.StaticCode, error) {
	var ref gateway.StaticRef
	var err error
	if ref.MchOrderID, err = rq.p.str("mchOrderId"); err != nil {
		return gateway.StaticCode{}, err
	}
	if ref.ID, err = rq.p.str("codeId"); err != nil {
		return gateway.StaticCode{}, err
	}
	channel, err := rq.p.str("channelCode")
	if err != nil {
		return gateway.StaticCode{}, err
	}
	cc, err := rq.paymentCountry()
	if err != nil {
		return gateway.StaticCode{}, err
	}
	c, err := h.gw.StaticCodeDetail(ctx, rq.app.AppID, ref)
	if err != nil {
		return gateway.StaticCode{}, err
	}
	if c.CountryCode != cc || (channel != "" && c.ChannelCode != channel) ||
		(ref.ID != "" && ref.MchOrderID != "" && c.MchOrderID != ref.MchOrderID) {
		return gateway.StaticCode{}, gateway.Errorf(gateway.KindNotFound, "", "static code not found")
	}
	return c, nil
}

// staticDetail answers a static code: /open-api/static/payment/detail.
func (h *handler) staticDetail(ctx context.Context, rq *request) (any, error) {
	c, err := h.staticCode(ctx, rq)
	if err != nil {
		return nil, err
	}
	return staticData(c), nil
}

// staticPaymentData is one payment into a static code, as the list shows it.
type staticPaymentData struct {
	TransactionID     string `json:"transactionId"`
	MchOrderID        string `json:"mchOrderId"`
	Currency          string `json:"currency"`
	Amount            int64  `json:"amount"`
	Fee               int64  `json:"fee"`
	TransactionStatus string `json:"transactionStatus"`
	CreateTime        string `json:"createTime"`
	ReturnTime        string `json:"returnTime"`
}

type staticListData struct {
	CodeID   string              `json:"codeId"`
	Total    int                 `json:"total"`
	PageNum  int                 `json:"pageNum"`
	PageSize int                 `json:"pageSize"`
	List     []staticPaymentData `json:"list"`
}

// staticList pages through the payments into a static code, newest first:
// /open-api/static/payment/list (pageNum from 1, pageSize 20 by default, at
// most 100).
func (h *handler) staticList(ctx context.Context, rq *request) (any, error) {
	page, err := rq.p.count("pageNum", 1)
	if err != nil {
		return nil, err
	}
	size, err := rq.p.count("pageSize", 20)
	if err != nil {
		return nil, err
	}
	c, err := h.staticCode(ctx, rq)
	if err != nil {
		return nil, err
	}
	res, err := h.gw.ListStaticPayments(ctx, rq.app.AppID, gateway.StaticRef{ID: c.ID}, page, size)
	if err != nil {
		return nil, err
	}
	data := staticListData{CodeID: c.ID, Total: res.Total, PageNum: res.Page, PageSize: res.PageSize,
		List: make([]staticPaymentData, len(res.Payments))}
	for i, p := range res.Payments {
		data.List[i] = staticPaymentData{
			TransactionID: p.TransactionID, MchOrderID: p.MchOrderID, Currency: p.Currency, Amount: p.PaidAmount,
			Fee: p.Fee, TransactionStatus: string(p.Status), CreateTime: formatTime(p.CreatedAt, p.CountryCode),
			ReturnTime: formatTime(p.FinishedAt, p.CountryCode),
		}
	}
	return data, nil
}

// staticCancel cancels a static code: /open-api/static/code/cancel. A code
// cancelled or expired already is 21025.
func (h *handler) staticCancel(ctx context.Context, rq *request) (any, error) {
	c, err := h.staticCode(ctx, rq)
	if err != nil {
		return nil, err
	}
	if c, err = h.gw.CancelStaticCode(ctx, rq.app.AppID, gateway.StaticRef{ID: c.ID}); err != nil {
		return nil, err
	}
	return staticData(c), nil
}
