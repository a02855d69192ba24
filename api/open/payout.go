package open

import (
	"context"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// timeLayout is ISO-8601 with the country's offset, as in the seeds
// ("2024-07-19T14:14:47+08:00").
const timeLayout = "2006-01-02T15:04:05-07:00"

// formatTime renders t in a country's zone; "" for the zero time.
func formatTime(t time.Time, countryCode string) string {
	if t.IsZero() {
		return ""
	}
	loc := time.UTC
	if c, ok := gateway.Countries[countryCode]; ok && c.Location != nil {
		loc = c.Location
	}
	return t.In(loc).Format(timeLayout)
}

// channelData is one entry of the payout channel list.
type channelData struct {
	TransferCode  string `json:"transferCode"`
	Name          string `json:"name"`
	PayMethodCode string `json:"payMethodCode"`
	MinAmount     int64  `json:"minAmount"`
	MaxAmount     int64  `json:"maxAmount"`
}

type channelListData struct {
	CountryCode string        `json:"countryCode"`
	Currency    string        `json:"currency"`
	Channels    []channelData `json:"channels"`
}

// channels lists a country's payout channels: /open-api/disbursement/channel.
func (h *handler) channels(_ context.Context, rq *request) (any, error) {
	cc, err := rq.countryCode()
	if err != nil {
		return nil, err
	}
	list := gateway.PayoutChannels(cc)
	if len(list) == 0 {
		return nil, gateway.Errorf(gateway.KindCountry, "countryCode", "payouts to %q are not opened", cc)
	}
	data := channelListData{CountryCode: cc, Currency: gateway.Countries[cc].Currency, Channels: make([]channelData, len(list))}
	for i, c := range list {
		data.Channels[i] = channelData{TransferCode: c.Code, Name: c.Name, PayMethodCode: c.Method,
			MinAmount: c.MinAmount, MaxAmount: c.MaxAmount}
	}
	return data, nil
}

type transferData struct {
	TransactionID     string `json:"transactionId"`
	MchOrderID        string `json:"mchOrderId"`
	TransactionStatus string `json:"transactionStatus"`
	TransactionTime   string `json:"transactionTime"`
	Amount            int64  `json:"amount"`
	Fee               int64  `json:"fee"`
	Currency          string `json:"currency"`
	CountryCode       string `json:"countryCode"`
}

// transfer creates a payout: /open-api/disbursement/transfer.
func (h *handler) transfer(ctx context.Context, rq *request) (any, error) {
	var req gateway.PayoutRequest
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"mchOrderId", &req.MchOrderID}, {"idempotencyId", &req.IdempotencyID},
		{"currency", &req.Currency}, {"payMethodCode", &req.PayMethod},
		{"transferCode", &req.TransferCode}, {"accountNo", &req.AccountNo},
		{"accountName", &req.AccountName}, {"accountType", &req.AccountType},
		{"mobile", &req.Mobile}, {"notifyUrl", &req.NotifyURL}, {"remark", &req.Remark},
		// The payee fields of Peru, which gateway.ValidatePeruPayout checks for PE.
		{"cciAccountNo", &req.CCIAccountNo}, {"idType", &req.IDType}, {"idCard", &req.IDCard}, {"email", &req.Email},
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
	p, err := h.gw.CreatePayout(ctx, rq.app, req)
	if err != nil {
		return nil, err
	}
	return transferData{
		TransactionID: p.TransactionID, MchOrderID: p.MchOrderID, TransactionStatus: string(p.Status),
		TransactionTime: formatTime(p.CreatedAt, p.CountryCode), Amount: p.Amount, Fee: p.Fee,
		Currency: p.Currency, CountryCode: p.CountryCode,
	}, nil
}

// payoutData is a payout as check answers it (seed 004).
type payoutData struct {
	MchOrderID        string `json:"mchOrderId"`
	TransactionID     string `json:"transactionId"`
	CountryCode       string `json:"countryCode"`
	Currency          string `json:"currency"`
	Amount            int64  `json:"amount"`
	Fee               int64  `json:"fee"`
	TransactionStatus string `json:"transactionStatus"`
	CreateTime        string `json:"createTime"`
	ReturnTime        string `json:"returnTime"`
	Remark            string `json:"remark"`
	FailedCode        int    `json:"failedCode,omitempty"`
	FailedMessage     string `json:"failedMessage,omitempty"`
}

// check finds a payout by mchOrderId or transactionId:
// /open-api/disbursement/check.
func (h *handler) check(ctx context.Context, rq *request) (any, error) {
	var ref gateway.OrderRef
	var err error
	if ref.MchOrderID, err = rq.p.str("mchOrderId"); err != nil {
		return nil, err
	}
	if ref.TransactionID, err = rq.p.str("transactionId"); err != nil {
		return nil, err
	}
	cc, err := rq.countryCode()
	if err != nil {
		return nil, err
	}
	if _, ok := gateway.Countries[cc]; !ok {
		return nil, gateway.Errorf(gateway.KindCountry, "countryCode", "%q is not opened", cc)
	}
	p, err := h.gw.CheckPayout(ctx, rq.app.AppID, ref)
	if err != nil {
		return nil, err
	}
	if p.CountryCode != cc {
		return nil, gateway.Errorf(gateway.KindNotFound, "", "transaction not found")
	}
	return payoutData{
		MchOrderID: p.MchOrderID, TransactionID: p.TransactionID, CountryCode: p.CountryCode,
		Currency: p.Currency, Amount: p.Amount, Fee: p.Fee, TransactionStatus: string(p.Status),
		CreateTime: formatTime(p.CreatedAt, p.CountryCode), ReturnTime: formatTime(p.FinishedAt, p.CountryCode),
		Remark: p.Remark, FailedCode: p.FailedCode, FailedMessage: p.FailedMessage,
	}, nil
}

type balanceData struct {
	CountryCode     string `json:"countryCode"`
	Currency        string `json:"currency"`
	Balance         string `json:"balance"` // available, in major units ("10000.00")
	AvailableAmount int64  `json:"availableAmount"`
	PendingAmount   int64  `json:"pendingAmount"`
	HeldAmount      int64  `json:"heldAmount"`
}

// balance answers the merchant's balance in a country's currency:
// /open-api/account/balance.
func (h *handler) balance(ctx context.Context, rq *request) (any, error) {
	cc, err := rq.countryCode()
	if err != nil {
		return nil, err
	}
	c, ok := gateway.Countries[cc]
	if !ok {
		return nil, gateway.Errorf(gateway.KindCountry, "countryCode", "%q is not opened", cc)
	}
	b, err := h.gw.Balance(ctx, rq.app.MerchantID, c.Currency)
	if err != nil {
		return nil, err
	}
	return balanceData{
		CountryCode: cc, Currency: c.Currency, Balance: money.FormatMajor(b.Available, c.Currency),
		AvailableAmount: b.Available, PendingAmount: b.Pending, HeldAmount: b.Held,
	}, nil
}
