package header

import (
	"context"
	"strconv"

	"github.com/kasir-gateway/kasir/gateway"
)

// balanceData is the answer of getBalance (docs.cashypro.com,
// col/other-query.html): balance is what may be spent, the same figure as
// dialect A's balance inquiry for PEN; unBalance is what the merchant has
// but may not spend yet, collected money waiting for settlement plus money
// held for payouts in flight. currency is Kasir's addition.
type balanceData struct {
	MchID     string  `json:"mchId"`
	Currency  string  `json:"currency"`
	Balance   decimal `json:"balance"`
	UnBalance decimal `json:"unBalance"`
}

// getBalance answers the merchant's PEN balance: /api/getBalance.
func (h *handler) getBalance(ctx context.Context, rq *request) (any, error) {
	const currency = "PEN"
	b, err := h.gw.Balance(ctx, rq.cred.App.MerchantID, currency)
	if err != nil {
		return nil, err
	}
	return balanceData{
		MchID: strconv.FormatInt(rq.merchantNo, 10), Currency: currency,
		Balance: amountOf(b.Available, currency), UnBalance: amountOf(b.Pending+b.Held, currency),
	}, nil
}

// bankData is one bank of bankListQuery: bankId, bankCode and bankName as
// the provider lists them, and cciRequired (Kasir's) when payouts to the
// bank need cciAccountNo, as for every bank outside the big four.
type bankData struct {
	BankID      int    `json:"bankId"`
	BankCode    string `json:"bankCode"`
	BankName    string `json:"bankName"`
	CCIRequired bool   `json:"cciRequired"`
}

// bankList lists Peru's payout banks: /api/bankListQuery. data is an array.
func (h *handler) bankList(context.Context, *request) (any, error) {
	list := make([]bankData, len(gateway.PeruBanks))
	for i, b := range gateway.PeruBanks {
		list[i] = bankData{BankID: b.ID, BankCode: b.Code, BankName: b.Name, CCIRequired: !b.BigFour}
	}
	return list, nil
}

// payInChannelData is one pay-in method of payInBankListQuery: the payType
// to send to payIn, its channel code and name, the kind of channel and its
// amount limits. The provider's answer for this query is a bank list for
// its bank-transfer product; in Peru the customer chooses a wallet, a
// PagoEfectivo code or online banking, so each entry is one of those.
type payInChannelData struct {
	PayType     int     `json:"payType"`
	ChannelCode string  `json:"channelCode"`
	Name        string  `json:"name"`
	ChannelType string  `json:"channelType"`
	MinAmount   decimal `json:"minAmount"`
	MaxAmount   decimal `json:"maxAmount"`
}

// payInBankList lists Peru's pay-in methods: /api/payInBankListQuery.
// data is an array.
func (h *handler) payInBankList(context.Context, *request) (any, error) {
	list := []payInChannelData{}
	for _, c := range gateway.PaymentChannels("PE") {
		t := payTypeOf(c.Code)
		if t == nil || c.Expiry == 0 {
			continue
		}
		list = append(list, payInChannelData{PayType: *t, ChannelCode: c.Code, Name: c.Name, ChannelType: c.Type,
			MinAmount: amountOf(c.MinAmount, "PEN"), MaxAmount: amountOf(c.MaxAmount, "PEN")})
	}
	return list, nil
}
