package client

import "context"

// Peru's pay-in payTypes (Kasir's numbers; see /api/payInBankListQuery).
const (
	BPayTypeYape         = 601
	BPayTypePlin         = 602
	BPayTypePagoEfectivo = 603
	BPayTypeBankTransfer = 604
)

// Dialect B order statuses. Payouts: PROCESSING, WAITING and PAYING are
// pending, SUCCESS, FAIL and CANCEL final. Pay-ins: PAYING, then SUCCESS or
// FAIL.
const (
	BStatusProcessing = "PROCESSING"
	BStatusWaiting    = "WAITING"
	BStatusPaying     = "PAYING"
	BStatusSuccess    = "SUCCESS"
	BStatusFail       = "FAIL"
	BStatusCancel     = "CANCEL"
)

// BPayoutRequest is a Peru payout. Amounts are int64 minor units (céntimos)
// in these Go types; on the wire they are decimals with two places.
// Currency "" is sent as "PEN".
type BPayoutRequest struct {
	MchOrderNo, AccountName, AccountNo, CCIAccountNo string
	AccountType                                      int // 0 Corriente, 1 Ahorro
	Currency                                         string
	Amount                                           int64
	BankID                                           int
	NotifyURL, IDType, IDCard, Phone, Email, Remark  string
}

// BPayout is a payout as payOut and payOutQuery answer it, and as payout
// notifications tell it. CompletionTime is "yyyy-MM-dd HH:mm:ss" (Peru
// time) or "" while the payout is not final. Currency is "" when the
// gateway does not send it (seed 002's answers carry none; Kasir's do).
type BPayout struct {
	MerchantID                          int64
	MchOrderNo, OrderNo, ChannelOrderNo string
	Currency                            string
	Amount, Fee                         int64
	OrderStatus                         string // PROCESSING WAITING PAYING SUCCESS FAIL CANCEL
	ResultDesc                          string
	CompletionTime                      string
}

// bPayoutBody is BPayoutRequest on the wire (seed 002's field names).
type bPayoutBody struct {
	AccountName  string  `json:"accountName"`
	AccountNo    string  `json:"accountNo"`
	CCIAccountNo string  `json:"cciAccountNo,omitempty"`
	AccountType  int     `json:"accountType"`
	Currency     string  `json:"currency"`
	Amount       bAmount `json:"amount"`
	BankID       int     `json:"bankId"`
	MchOrderNo   string  `json:"mchOrderNo"`
	NotifyURL    string  `json:"notifyUrl,omitempty"`
	IDType       string  `json:"idType"`
	IDCard       string  `json:"idCard"`
	Phone        string  `json:"phone,omitempty"`
	Email        string  `json:"email,omitempty"`
	Remark       string  `json:"remark,omitempty"`
}

// bOrderWire is a payout or pay-in order as the gateway sends it, in
// answers and notifications.
type bOrderWire struct {
	MerchantID     bInt    `json:"merchantId"`
	MchOrderNo     bText   `json:"mchOrderNo"`
	OrderNo        bText   `json:"orderNo"`
	ChannelOrderNo bText   `json:"channelOrderNo"`
	Amount         bAmount `json:"amount"`
	PaidAmount     bAmount `json:"paidAmount"`
	Fee            bAmount `json:"fee"`
	OrderFee       bAmount `json:"orderFee"`
	OrderStatus    bText   `json:"orderStatus"`
	ResultDesc     bText   `json:"resultDesc"`
	CompletionTime bText   `json:"completionTime"`
	PayType        bInt    `json:"payType"`
	PayCode        bText   `json:"payCode"`
	PayURL         bText   `json:"payUrl"`
	ExpireTime     bText   `json:"expireTime"`
	Currency       bText   `json:"currency"`
}

func (w bOrderWire) payout() BPayout {
	return BPayout{MerchantID: int64(w.MerchantID), MchOrderNo: string(w.MchOrderNo), OrderNo: string(w.OrderNo),
		ChannelOrderNo: string(w.ChannelOrderNo), Currency: string(w.Currency), Amount: int64(w.Amount), Fee: int64(w.Fee),
		OrderStatus: string(w.OrderStatus), ResultDesc: string(w.ResultDesc), CompletionTime: string(w.CompletionTime)}
}

// PayOut creates a payout: /api/payOut.
func (c *BClient) PayOut(ctx context.Context, r BPayoutRequest) (BPayout, error) {
	if r.Currency == "" {
		r.Currency = "PEN"
	}
	body := bPayoutBody{AccountName: r.AccountName, AccountNo: r.AccountNo, CCIAccountNo: r.CCIAccountNo,
		AccountType: r.AccountType, Currency: r.Currency, Amount: bAmount(r.Amount), BankID: r.BankID,
		MchOrderNo: r.MchOrderNo, NotifyURL: r.NotifyURL, IDType: r.IDType, IDCard: r.IDCard,
		Phone: r.Phone, Email: r.Email, Remark: r.Remark}
	var w bOrderWire
	err := c.Call(ctx, "/api/payOut", body, &w)
	return w.payout(), err
}

// PayOutQuery finds a payout by orderNo (preferred) or mchOrderNo:
// /api/payOutQuery. An unknown order is a *BError with Msg
// "Order_not_exist".
func (c *BClient) PayOutQuery(ctx context.Context, orderNo, mchOrderNo string) (BPayout, error) {
	var w bOrderWire
	err := c.Call(ctx, "/api/payOutQuery", orderRefBody(orderNo, mchOrderNo), &w)
	return w.payout(), err
}

func orderRefBody(orderNo, mchOrderNo string) map[string]string {
	m := map[string]string{}
	if orderNo != "" {
		m["orderNo"] = orderNo
	}
	if mchOrderNo != "" {
		m["mchOrderNo"] = mchOrderNo
	}
	return m
}

// BPayInRequest is a Peru pay-in order. Amount is in céntimos; ExpireTime
// is in seconds, 0 for the method's default. Currency "" is sent as "PEN".
type BPayInRequest struct {
	MchOrderNo                                             string
	PayType                                                int // BPayTypeYape, ...
	Currency                                               string
	Amount                                                 int64
	ExpireTime                                             int64
	NotifyURL, RedirectURL, RealName, Phone, Email, Remark string
}

// BPayIn is a pay-in order as payIn and payInQuery answer it. PayCode is a
// code to pay with (PagoEfectivo's CIP), PayURL a page to pay on; one of
// them is set. Amounts are in céntimos; PaidAmount and Fee are 0 until paid.
// The times are "yyyy-MM-dd HH:mm:ss" in Peru time, "" when not yet known.
type BPayIn struct {
	MerchantID                 int64
	MchOrderNo, OrderNo        string
	PayType                    int
	Currency                   string
	Amount, PaidAmount, Fee    int64
	PayCode, PayURL            string
	OrderStatus                string // PAYING SUCCESS FAIL
	ResultDesc                 string // SUCCESS, ORDER_EXPIRED, a failure's reason, "" while PAYING
	ExpireTime, CompletionTime string
}

func (w bOrderWire) payIn() BPayIn {
	fee := w.Fee
	if fee == 0 {
		fee = w.OrderFee
	}
	return BPayIn{MerchantID: int64(w.MerchantID), MchOrderNo: string(w.MchOrderNo), OrderNo: string(w.OrderNo),
		PayType: int(w.PayType), Currency: string(w.Currency), Amount: int64(w.Amount), PaidAmount: int64(w.PaidAmount),
		Fee: int64(fee), PayCode: string(w.PayCode), PayURL: string(w.PayURL), OrderStatus: string(w.OrderStatus), ResultDesc: string(w.ResultDesc),
		ExpireTime: string(w.ExpireTime), CompletionTime: string(w.CompletionTime)}
}

// bPayInBody is BPayInRequest on the wire.
type bPayInBody struct {
	Currency       string  `json:"currency"`
	PayType        int     `json:"payType"`
	Amount         bAmount `json:"amount"`
	ReusableStatus bool    `json:"reusableStatus"`
	MchOrderNo     string  `json:"mchOrderNo"`
	ExpireTime     int64   `json:"expireTime,omitempty"`
	NotifyURL      string  `json:"notifyUrl,omitempty"`
	RedirectURL    string  `json:"redirectUrl,omitempty"`
	RealName       string  `json:"realName,omitempty"`
	Phone          string  `json:"phone,omitempty"`
	Email          string  `json:"email,omitempty"`
	Remark         string  `json:"remark,omitempty"`
}

// PayIn creates a pay-in order: /api/payIn.
func (c *BClient) PayIn(ctx context.Context, r BPayInRequest) (BPayIn, error) {
	if r.Currency == "" {
		r.Currency = "PEN"
	}
	body := bPayInBody{Currency: r.Currency, PayType: r.PayType, Amount: bAmount(r.Amount), MchOrderNo: r.MchOrderNo,
		ExpireTime: r.ExpireTime, NotifyURL: r.NotifyURL, RedirectURL: r.RedirectURL, RealName: r.RealName,
		Phone: r.Phone, Email: r.Email, Remark: r.Remark}
	var w bOrderWire
	err := c.Call(ctx, "/api/payIn", body, &w)
	return w.payIn(), err
}

// PayInQuery finds a pay-in order by orderNo (preferred) or mchOrderNo:
// /api/payInQuery.
func (c *BClient) PayInQuery(ctx context.Context, orderNo, mchOrderNo string) (BPayIn, error) {
	var w bOrderWire
	err := c.Call(ctx, "/api/payInQuery", orderRefBody(orderNo, mchOrderNo), &w)
	return w.payIn(), err
}

// BBalance is the merchant's PEN balance in céntimos: Balance may be spent,
// UnBalance may not yet (collected and unsettled, or held for payouts).
type BBalance struct {
	MchID              string
	Currency           string
	Balance, UnBalance int64
}

// GetBalance returns the merchant's balance: /api/getBalance.
func (c *BClient) GetBalance(ctx context.Context) (BBalance, error) {
	var w struct {
		MchID     bText   `json:"mchId"`
		Currency  bText   `json:"currency"`
		Balance   bAmount `json:"balance"`
		UnBalance bAmount `json:"unBalance"`
	}
	err := c.Call(ctx, "/api/getBalance", struct{}{}, &w)
	return BBalance{MchID: string(w.MchID), Currency: string(w.Currency), Balance: int64(w.Balance), UnBalance: int64(w.UnBalance)}, err
}

// BBank is a payout bank; CCIRequired says its payouts need CCIAccountNo.
type BBank struct {
	BankID      int    `json:"bankId"`
	BankCode    string `json:"bankCode"`
	BankName    string `json:"bankName"`
	CCIRequired bool   `json:"cciRequired"`
}

// BankList returns the payout banks: /api/bankListQuery.
func (c *BClient) BankList(ctx context.Context) ([]BBank, error) {
	var list []BBank
	err := c.Call(ctx, "/api/bankListQuery", struct{}{}, &list)
	return list, err
}

// BPayInMethod is a pay-in method: the PayType to send, its channel code,
// name, channel type and amount limits in céntimos.
type BPayInMethod struct {
	PayType                        int
	ChannelCode, Name, ChannelType string
	MinAmount, MaxAmount           int64
}

// PayInBankList returns the pay-in methods: /api/payInBankListQuery.
func (c *BClient) PayInBankList(ctx context.Context) ([]BPayInMethod, error) {
	var wire []struct {
		PayType     bInt    `json:"payType"`
		ChannelCode string  `json:"channelCode"`
		Name        string  `json:"name"`
		ChannelType string  `json:"channelType"`
		MinAmount   bAmount `json:"minAmount"`
		MaxAmount   bAmount `json:"maxAmount"`
	}
	if err := c.Call(ctx, "/api/payInBankListQuery", struct{}{}, &wire); err != nil {
		return nil, err
	}
	list := make([]BPayInMethod, len(wire))
	for i, m := range wire {
		list[i] = BPayInMethod{PayType: int(m.PayType), ChannelCode: m.ChannelCode, Name: m.Name,
			ChannelType: m.ChannelType, MinAmount: int64(m.MinAmount), MaxAmount: int64(m.MaxAmount)}
	}
	return list, nil
}
