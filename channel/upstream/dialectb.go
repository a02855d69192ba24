package upstream

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// BOptions configures a DialectB connector.
type BOptions struct {
	Name       string // the connector's name in routes and in /upstream/{name}/notify
	BaseURL    string // the upstream gateway
	MerchantID int64  // our merchantId there
	APIKey     string // our apiKey there: signs our calls and its notifications
	NotifyURL  string // <public URL>/upstream/<name>/notify
	// Payouts reads our payouts, so that a query's answer is checked
	// against the payout's amount and currency.
	Payouts    PayoutReader
	HTTPClient *http.Client
	Logger     *slog.Logger // default slog.Default()
}

// DialectB is a connector to an upstream gateway that speaks dialect B
// (seed 002), for Peru's banks: mchOrderNo is our transactionId, bankId the
// bank of the payout's transferCode, and its notifications are verified
// with our apiKey.
//
// A payOut's answers (msg, as Kasir and the provider send them) are
// classified as:
//
//	SUCCESS                                 the orderStatus mapped (gateway.DialectBPayoutToCore), orderNo as ChannelRef;
//	                                          an amount or currency other than ours is an unknown outcome (agree)
//	Params_mchOrderNo_repeated              PENDING: an earlier attempt made it
//	Channel_not_available, Sign_verify_error, ErrNotSent (fail over): refusals an upstream Kasir
//	  MerchantId_*, Merchant_is_disabled,     gives before it writes anything (api/header checks
//	  Request_ip_notWhiteList                 the credentials, the address and the route first)
//	Params_amount_*                         FAILED -10001 Exceed Limit
//	Params_bankId_*                         FAILED -10004 Transaction Channel Rejected
//	Params_accountNo_*, Params_cciAccountNo_* FAILED -10005 Destination Account Error
//	other Params_*                          FAILED -10002 Params Error
//	Merchant_balance_not_enough             FAILED -10003 Insufficient Balance (ours at the upstream)
//	System_busy, System_Maintenance,        unknown outcome: queried later
//	  Params_nonceStr_repeated,
//	  Params_jsonFormat_error, System_error,
//	  any other
//
// System_busy is what an upstream Kasir answers when its store was
// unavailable or out of time, which includes a COMMIT whose outcome it does
// not know; Params_nonceStr_repeated means that the same signed request
// arrived twice (a retrying proxy, an HTTP/2 retry), and the first may have
// made the order. Neither proves that nothing was created.
//
// The failed message is the upstream's msg and detail. A query maps
// orderStatus and resultDesc with gateway.DialectBPayoutToCore (PROCESSING,
// WAITING, PAYING pending; SUCCESS completed; FAIL failed with a code chosen
// from resultDesc; CANCEL failed -10010); Order_not_exist is
// gateway.ErrChannelNotFound; an answer with another amount or currency than
// ours is an error (agree).
type DialectB struct {
	name       string
	merchantID int64
	apiKey     string
	notifyURL  string
	payouts    PayoutReader
	log        *slog.Logger
	c          *client.BClient
}

// NewB returns a dialect B connector; an error names a missing option.
func NewB(o BOptions) (*DialectB, error) {
	switch {
	case o.Name == "":
		return nil, errors.New("upstream: dialect B connector without a name")
	case o.BaseURL == "", o.MerchantID <= 0, o.APIKey == "":
		return nil, fmt.Errorf("upstream %s: baseUrl, merchantId and apiKey are required", o.Name)
	case o.Payouts == nil:
		return nil, fmt.Errorf("upstream %s: no payout reader", o.Name)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = NewHTTPClient(DefaultTimeout)
	}
	return &DialectB{name: o.Name, merchantID: o.MerchantID, apiKey: o.APIKey, notifyURL: o.NotifyURL,
		payouts: o.Payouts, log: orDefault(o.Logger), c: client.NewB(o.BaseURL, o.MerchantID, o.APIKey, client.BWithHTTPClient(hc))}, nil
}

// Serves reports whether the connector can pay out to a channel (ServesB).
func (b *DialectB) Serves(channel string) bool { return ServesB(channel) }

// ServesB reports whether a dialect B connector can pay out to a channel:
// Peru's banks only, the payouts dialect B carries.
func ServesB(channel string) bool {
	_, ok := gateway.PeruBankByTransfer(channel)
	return ok
}

// Dialect B answers this connector reads.
const (
	bMsgOrderNotFound = "Order_not_exist"
	bMsgDuplicate     = "Params_mchOrderNo_repeated"
	bMsgBalance       = "Merchant_balance_not_enough"
)

// bNotSent are the refusals that certainly created nothing: an upstream
// Kasir answers them before its first write (api/header's authenticate,
// then the gateway's route check before its transaction).
var bNotSent = map[string]bool{
	"Channel_not_available": true, "Sign_verify_error": true, "MerchantId_is_null": true,
	"MerchantId_not_Number": true, "MerchantId_is_error": true, "Merchant_is_disabled": true,
	"Request_ip_notWhiteList": true,
}

// bUnknown are the refusals that do not tell whether the order was made;
// they are checked before the Params_ rules, which would call some of them
// a definite refusal.
var bUnknown = map[string]bool{
	"System_busy": true, "System_Maintenance": true, "Params_nonceStr_repeated": true,
	"Params_jsonFormat_error": true,
}

// SubmitPayout creates the payout at the upstream; see DialectB for how
// answers are classified. A payout to a channel that is not a Peru bank is
// ErrNotSent: it was not sent, and another route may serve it.
func (b *DialectB) SubmitPayout(ctx context.Context, p gateway.Payout) (gateway.ChannelResult, error) {
	bank, ok := gateway.PeruBankByTransfer(p.TransferCode)
	if !ok {
		return gateway.ChannelResult{}, fmt.Errorf("%w: upstream %s: dialect B does not pay out to %s", gateway.ErrNotSent, b.name, p.TransferCode)
	}
	accountType, err := strconv.Atoi(p.AccountType)
	if err != nil {
		return failed(gateway.FailedParams, fmt.Sprintf("accountType %q is not 0 or 1", p.AccountType)), nil
	}
	ctx, st := traced(ctx)
	got, err := b.c.PayOut(ctx, client.BPayoutRequest{
		MchOrderNo: p.TransactionID, AccountName: p.AccountName, AccountNo: p.AccountNo, CCIAccountNo: p.CCIAccountNo,
		AccountType: accountType, Currency: p.Currency, Amount: p.Amount, BankID: bank.ID, NotifyURL: b.notifyURL,
		IDType: p.IDType, IDCard: p.IDCard, Phone: p.Mobile, Email: p.Email, Remark: p.Remark,
	})
	var be *client.BError
	switch {
	case err == nil:
		if err := agree(b.log, b.name, p, "payOut answer", got.Amount, got.Currency, true); err != nil {
			return gateway.ChannelResult{}, fmt.Errorf("outcome unknown: %w", err)
		}
		r, err := bResult(got)
		if err != nil {
			return gateway.ChannelResult{}, fmt.Errorf("upstream %s: outcome unknown: %w", b.name, err)
		}
		return r, nil
	case !errors.As(err, &be):
		return gateway.ChannelResult{}, transportError(b.name, st, err)
	}
	return b.classify(be)
}

// classify maps a payOut's refusal; see DialectB.
func (b *DialectB) classify(be *client.BError) (gateway.ChannelResult, error) {
	msg := be.Msg
	if be.Detail != "" {
		msg += ": " + be.Detail
	}
	switch {
	case bUnknown[be.Msg]:
		return gateway.ChannelResult{}, fmt.Errorf("upstream %s: outcome unknown: %w", b.name, be)
	case be.Msg == bMsgDuplicate:
		return gateway.ChannelResult{Status: gateway.StatusPending}, nil
	case bNotSent[be.Msg]:
		return gateway.ChannelResult{}, notSent(b.name, be)
	case be.Msg == bMsgBalance:
		return failed(gateway.FailedInsufficient, msg), nil
	case strings.HasPrefix(be.Msg, "Params_amount_"):
		return failed(gateway.FailedExceedLimit, msg), nil
	case strings.HasPrefix(be.Msg, "Params_bankId_"):
		return failed(gateway.FailedChannelRejected, msg), nil
	case strings.HasPrefix(be.Msg, "Params_accountNo_"), strings.HasPrefix(be.Msg, "Params_cciAccountNo_"):
		return failed(gateway.FailedDestination, msg), nil
	case strings.HasPrefix(be.Msg, "Params_"):
		return failed(gateway.FailedParams, msg), nil
	}
	return gateway.ChannelResult{}, fmt.Errorf("upstream %s: outcome unknown: %w", b.name, be)
}

// QueryPayout asks the upstream about the payout by mchOrderNo (our
// transactionId); gateway.ErrChannelNotFound when it has none, and an error
// when its amount or currency is not our payout's (agree).
func (b *DialectB) QueryPayout(ctx context.Context, transactionID string) (gateway.ChannelResult, error) {
	p, err := b.payouts.GetPayoutByID(ctx, transactionID)
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("upstream %s: read payout %s: %w", b.name, transactionID, err)
	}
	got, err := b.c.PayOutQuery(ctx, "", transactionID)
	var be *client.BError
	if errors.As(err, &be) && be.Msg == bMsgOrderNotFound {
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("upstream %s: query %s: %w", b.name, transactionID, err)
	}
	if err := agree(b.log, b.name, p, "query", got.Amount, got.Currency, false); err != nil {
		return gateway.ChannelResult{}, err
	}
	return bResult(got)
}

// bResult maps a dialect B payout onto ours.
func bResult(p client.BPayout) (gateway.ChannelResult, error) {
	s, code, ok := gateway.DialectBPayoutToCore(p.OrderStatus, p.ResultDesc)
	if !ok {
		return gateway.ChannelResult{}, fmt.Errorf("upstream: unknown orderStatus %q", p.OrderStatus)
	}
	r := gateway.ChannelResult{Status: s, ChannelRef: p.OrderNo}
	if s == gateway.StatusFailed {
		r.FailedCode, r.FailedMessage = code, p.ResultDesc
		if r.FailedMessage == "" {
			r.FailedMessage = gateway.FailedMessages[code]
		}
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", p.CompletionTime, gateway.Countries["PE"].Location); err == nil {
		r.At = t
	}
	return r, nil
}

// ReadCallback verifies a payout notification (header Sign over the body
// with our apiKey; header MerchantId, when sent, must be ours) and maps it.
func (b *DialectB) ReadCallback(h http.Header, body []byte) (Callback, error) {
	if id := strings.TrimSpace(h.Get("MerchantId")); id != "" && id != strconv.FormatInt(b.merchantID, 10) {
		return Callback{}, fmt.Errorf("%w: MerchantId %q is not ours", ErrCallbackSignature, id)
	}
	n, err := client.VerifyBNotification(body, h.Get("Sign"), b.apiKey)
	if errors.Is(err, client.ErrSignature) {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallbackSignature, err)
	}
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallbackMalformed, err)
	}
	if n.Kind != "payout" {
		return Callback{}, fmt.Errorf("%w: a %s notification", ErrCallbackMalformed, n.Kind)
	}
	r, err := bResult(n.BPayout)
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallbackMalformed, err)
	}
	return Callback{TransactionID: n.MchOrderNo, Amount: n.Amount, Currency: n.Currency, Result: r}, nil
}

// AnswerCallback answers the plain text SUCCESS when err is nil, which is
// the only answer dialect B takes as delivered; otherwise FAIL with 401 for
// a bad signature, 400 for a malformed notification and 500 for the rest.
func (b *DialectB) AnswerCallback(w http.ResponseWriter, err error) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	switch {
	case err == nil:
		w.Write([]byte("SUCCESS"))
		return
	case errors.Is(err, ErrCallbackSignature):
		w.WriteHeader(http.StatusUnauthorized)
	case errors.Is(err, ErrCallbackMalformed):
		w.WriteHeader(http.StatusBadRequest)
	default:
		w.WriteHeader(http.StatusInternalServerError)
	}
	w.Write([]byte("FAIL"))
}
