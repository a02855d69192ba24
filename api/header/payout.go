package header

import (
	"context"
	"strconv"

	"github.com/kasir-gateway/kasir/gateway"
)

// payoutData is a payout as payOut and payOutQuery answer it (seed 002).
// payOut's answer has the same fields as the query's, the final ones still
// empty. currency is Kasir's addition: dialect B reads the app's orders of
// every country, and amounts are in that currency's major units.
type payoutData struct {
	MerchantID     int64   `json:"merchantId"`
	MchOrderNo     string  `json:"mchOrderNo"`
	OrderNo        string  `json:"orderNo"`
	ChannelOrderNo string  `json:"channelOrderNo"`
	Currency       string  `json:"currency"`
	Amount         decimal `json:"amount"`
	Fee            decimal `json:"fee"`
	OrderStatus    string  `json:"orderStatus"`
	ResultDesc     string  `json:"resultDesc"`
	CompletionTime *string `json:"completionTime"`
}

func newPayoutData(merchantNo int64, p gateway.Payout) payoutData {
	return payoutData{
		MerchantID: merchantNo, MchOrderNo: p.MchOrderID, OrderNo: p.TransactionID, ChannelOrderNo: p.ChannelRef,
		Currency: p.Currency, Amount: amountOf(p.Amount, p.Currency), Fee: amountOf(p.Fee, p.Currency),
		OrderStatus:    gateway.DialectBOrderStatus(p),
		ResultDesc:     gateway.DialectBResultDesc(p.Status, p.FailedCode),
		CompletionTime: localTime(p.FinishedAt, p.CountryCode),
	}
}

// payOut creates a Peru payout: /api/payOut. The fields are seed 002's; the
// core checks the Peru rules (bank account shapes, CCI, document, PEN
// limits). Two choices where the seed marks a field required: notifyUrl may
// be left out, the app's default notification URL then applies (as in
// dialect A), and remark may be left out, since it carries nothing the
// payout needs.
func (h *handler) payOut(ctx context.Context, rq *request) (any, error) {
	req := gateway.PayoutRequest{CountryCode: "PE", PayMethod: gateway.MethodBank, Dialect: gateway.DialectB}
	err := readStrings(rq.b, []strField{
		{"accountName", &req.AccountName, true, false},
		{"accountNo", &req.AccountNo, true, true},
		{"cciAccountNo", &req.CCIAccountNo, false, true},
		{"currency", &req.Currency, true, false},
	})
	if err != nil {
		return nil, err
	}
	accountType, ok, err := rq.b.integer("accountType")
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, required("accountType")
	case !gateway.ValidPeruAccountType(int(accountType)):
		return nil, invalid("accountType", "must be 0 (Corriente) or 1 (Ahorro), got %d", accountType)
	}
	req.AccountType = strconv.FormatInt(accountType, 10)
	if req.Currency != "PEN" {
		return nil, invalid("currency", "must be PEN, got %q", req.Currency)
	}
	if req.Amount, err = rq.b.amount("amount"); err != nil {
		return nil, err
	}
	bank, err := peruBank(rq.b)
	if err != nil {
		return nil, err
	}
	req.TransferCode = bank.Transfer
	err = readStrings(rq.b, []strField{
		{"mchOrderNo", &req.MchOrderID, true, true},
		{"idType", &req.IDType, true, true},
		{"idCard", &req.IDCard, true, true},
		{"notifyUrl", &req.NotifyURL, false, false},
		{"phone", &req.Mobile, false, true},
		{"email", &req.Email, false, false},
		{"remark", &req.Remark, false, false},
	})
	if err != nil {
		return nil, err
	}
	p, err := h.gw.CreatePayout(ctx, rq.cred.App, req)
	if err != nil {
		return nil, err
	}
	return newPayoutData(rq.merchantNo, p), nil
}

// peruBank reads bankId, required, one of gateway.PeruBanks.
func peruBank(b body) (gateway.PeruBank, error) {
	id, ok, err := b.integer("bankId")
	if err != nil {
		return gateway.PeruBank{}, err
	}
	if !ok {
		return gateway.PeruBank{}, required("bankId")
	}
	bank, found := gateway.FindPeruBank(int(id))
	if !found {
		return gateway.PeruBank{}, gateway.Errorf(gateway.KindBankCode, "bankId",
			"%d is not a Peru bankId (see /api/bankListQuery)", id)
	}
	return bank, nil
}

// payOutQuery finds a payout by orderNo (preferred) or mchOrderNo:
// /api/payOutQuery. When both are given they must name the same order.
func (h *handler) payOutQuery(ctx context.Context, rq *request) (any, error) {
	ref, err := rq.b.orderRef()
	if err != nil {
		return nil, err
	}
	p, err := h.gw.CheckPayout(ctx, rq.cred.App.AppID, ref)
	if err != nil {
		return nil, err
	}
	return newPayoutData(rq.merchantNo, p), nil
}
