package upstream

import (
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
)

// AOptions configures a DialectA connector.
type AOptions struct {
	Name        string          // the connector's name in routes and in /upstream/{name}/notify
	BaseURL     string          // the upstream gateway, e.g. "https://pay.example.com"
	AppID       string          // our appId at the upstream
	Key         *rsa.PrivateKey // our merchant key there; the upstream has its public half
	PlatformKey *rsa.PublicKey  // the upstream's platform key, which signs its notifications
	NotifyURL   string          // where the upstream notifies us: <public URL>/upstream/<name>/notify
	// Payouts reads our payouts: dialect A's check needs the countryCode,
	// which a query by transaction id does not carry.
	Payouts    PayoutReader
	HTTPClient *http.Client // default NewHTTPClient(DefaultTimeout)
	Logger     *slog.Logger // default slog.Default()
}

// DialectA is a connector to an upstream gateway that speaks dialect A: we
// are a merchant there, sign with our own key through package client, and
// verify its notifications with its platform key. Dialect A carries no Peru
// fields, so it serves every channel but Peru's (Serves).
//
// The platform key signs the notifications of every merchant of the
// upstream, and a notification names no merchant: a verified one proves only
// that the upstream sent it, not that the order it describes is ours. So
// ReadCallback returns it as a Trigger, and Callbacks applies what
// QueryPayout, which reads our own account only, answers.
//
// Response codes of a create (client.Code*) are classified as:
//
//	10000                          PENDING (COMPLETED when the answer says so), upstream transactionId as ChannelRef;
//	                                 an amount or currency other than ours is an unknown outcome (agree)
//	21007 duplicate mchOrderId,    PENDING: an earlier attempt made it
//	  21015 duplicate idempotencyId
//	21011 network, 21005 channel   ErrNotSent (fail over)
//	  unavailable, 21020 too many
//	  requests; 21001 sign, 21003
//	  appId, 21004 merchant, 21008
//	  and 21009 timestamp, 21016 IP
//	  (our credentials or clock are
//	  wrong: nothing was created)
//	21002 param, 21019 pay method  FAILED -10002 Params Error
//	21012 bank, 21013 wallet,      FAILED -10004 Transaction Channel Rejected
//	  21017 country
//	21014 insufficient balance     FAILED -10003 Insufficient Balance (ours at the upstream)
//	21021 amount                   FAILED -10001 Exceed Limit
//	21000 and any other code       unknown outcome: queried later
//
// A query's statuses are the same as ours (PENDING, COMPLETED, FAILED); the
// failed codes -10000 to -10006 and -10010 keep their meaning, any other
// becomes -10004; failedMessage is the upstream's. 21010 is
// gateway.ErrChannelNotFound; an answer with another amount or currency
// than ours is an error (agree).
type DialectA struct {
	name        string
	c           *client.Client
	platformKey *rsa.PublicKey
	notifyURL   string
	payouts     PayoutReader
	log         *slog.Logger
}

// NewA returns a dialect A connector; an error names a missing option.
func NewA(o AOptions) (*DialectA, error) {
	switch {
	case o.Name == "":
		return nil, errors.New("upstream: dialect A connector without a name")
	case o.BaseURL == "", o.AppID == "", o.Key == nil, o.PlatformKey == nil:
		return nil, fmt.Errorf("upstream %s: baseUrl, appId, private key and platform key are required", o.Name)
	case o.Payouts == nil:
		return nil, fmt.Errorf("upstream %s: no payout reader", o.Name)
	}
	hc := o.HTTPClient
	if hc == nil {
		hc = NewHTTPClient(DefaultTimeout)
	}
	return &DialectA{name: o.Name, c: client.New(o.BaseURL, o.AppID, o.Key, client.WithHTTPClient(hc)),
		platformKey: o.PlatformKey, notifyURL: o.NotifyURL, payouts: o.Payouts, log: orDefault(o.Logger)}, nil
}

// Serves reports whether the connector can pay out to a channel (ServesA).
func (a *DialectA) Serves(channel string) bool { return ServesA(channel) }

// ServesA reports whether a dialect A connector can pay out to a channel:
// any but Peru's banks, whose payee fields dialect A does not carry.
func ServesA(channel string) bool { return !ServesB(channel) }

// SubmitPayout creates the payout at the upstream with our transactionId as
// its mchOrderId and idempotencyId; see DialectA for how answers are
// classified.
func (a *DialectA) SubmitPayout(ctx context.Context, p gateway.Payout) (gateway.ChannelResult, error) {
	if !a.Serves(p.TransferCode) {
		return gateway.ChannelResult{}, fmt.Errorf("%w: upstream %s: dialect A does not pay out to %s", gateway.ErrNotSent, a.name, p.TransferCode)
	}
	ctx, st := traced(ctx)
	res, err := a.c.CreatePayout(ctx, client.PayoutRequest{
		MchOrderID: p.TransactionID, IdempotencyID: p.TransactionID, CountryCode: p.CountryCode,
		Currency: p.Currency, Amount: p.Amount, PayMethodCode: p.PayMethod, TransferCode: p.TransferCode,
		AccountNo: p.AccountNo, AccountName: p.AccountName, AccountType: p.AccountType, Mobile: p.Mobile,
		NotifyURL: a.notifyURL, Remark: p.Remark,
	})
	var ae *client.APIError
	switch {
	case err == nil:
		if err := agree(a.log, a.name, p, "create answer", res.Amount, res.Currency, true); err != nil {
			return gateway.ChannelResult{}, fmt.Errorf("outcome unknown: %w", err)
		}
		if res.TransactionStatus == client.StatusCompleted {
			return gateway.ChannelResult{Status: gateway.StatusCompleted, ChannelRef: res.TransactionID}, nil
		}
		// PENDING, or FAILED without its code: the callback or a query
		// tells the reason.
		return gateway.ChannelResult{Status: gateway.StatusPending, ChannelRef: res.TransactionID}, nil
	case !errors.As(err, &ae):
		return gateway.ChannelResult{}, transportError(a.name, st, err)
	}
	return a.classify(ae)
}

// classify maps a create's refusal; see DialectA.
func (a *DialectA) classify(ae *client.APIError) (gateway.ChannelResult, error) {
	switch ae.Code {
	case client.CodeDuplicateOrder, client.CodeDuplicateIdempotent:
		return gateway.ChannelResult{Status: gateway.StatusPending}, nil
	case codeNetwork, client.CodeChannelUnavailable, codeTooManyRequests,
		client.CodeSignError, client.CodeAppIDError, client.CodeMerchantUnavailable,
		client.CodeTimestampInvalid, client.CodeTimestampExpired, client.CodeIPForbidden:
		return gateway.ChannelResult{}, notSent(a.name, ae)
	case client.CodeParamError, client.CodePayMethod:
		return failed(gateway.FailedParams, ae.Message), nil
	case client.CodeBankCode, client.CodeWalletCode, client.CodeCountry:
		return failed(gateway.FailedChannelRejected, ae.Message), nil
	case client.CodeInsufficientBalance:
		return failed(gateway.FailedInsufficient, ae.Message), nil
	case client.CodeAmount:
		return failed(gateway.FailedExceedLimit, ae.Message), nil
	}
	return gateway.ChannelResult{}, fmt.Errorf("upstream %s: outcome unknown: %w", a.name, ae)
}

// Dialect A codes that package client does not name.
const (
	codeNetwork         = 21011
	codeTooManyRequests = 21020
)

// QueryPayout checks the payout at the upstream by mchOrderId (our
// transactionId) within our own app there; gateway.ErrChannelNotFound when
// the upstream has none, and an error when its amount or currency is not
// our payout's (agree).
func (a *DialectA) QueryPayout(ctx context.Context, transactionID string) (gateway.ChannelResult, error) {
	p, err := a.payouts.GetPayoutByID(ctx, transactionID)
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("upstream %s: read payout %s: %w", a.name, transactionID, err)
	}
	got, err := a.c.CheckPayout(ctx, client.CheckRequest{MchOrderID: transactionID, CountryCode: p.CountryCode})
	if client.ErrorCode(err) == client.CodeNotFound {
		return gateway.ChannelResult{}, gateway.ErrChannelNotFound
	}
	if err != nil {
		return gateway.ChannelResult{}, fmt.Errorf("upstream %s: query %s: %w", a.name, transactionID, err)
	}
	if err := agree(a.log, a.name, p, "query", got.Amount, got.Currency, false); err != nil {
		return gateway.ChannelResult{}, err
	}
	return aResult(got.TransactionStatus, got.FailedCode, got.FailedMessage, got.TransactionID, got.ReturnTime)
}

// aResult maps a dialect A payout state onto ours.
func aResult(status string, failedCode int, failedMessage, ref, returnTime string) (gateway.ChannelResult, error) {
	r := gateway.ChannelResult{ChannelRef: ref}
	if t, err := time.Parse(time.RFC3339, returnTime); err == nil {
		r.At = t
	}
	switch status {
	case client.StatusPending:
		r.Status = gateway.StatusPending
	case client.StatusCompleted:
		r.Status = gateway.StatusCompleted
	case client.StatusFailed:
		r.Status, r.FailedCode, r.FailedMessage = gateway.StatusFailed, mapFailedCode(failedCode), failedMessage
		if r.FailedMessage == "" {
			r.FailedMessage = gateway.FailedMessages[r.FailedCode]
		}
	default:
		return gateway.ChannelResult{}, fmt.Errorf("upstream: unknown transactionStatus %q", status)
	}
	return r, nil
}

// ReadCallback verifies a payout notification with the upstream's platform
// key and maps it, as a Trigger: see DialectA. Notifications of other kinds
// (payments, refunds) are refused as malformed: this connector makes none.
func (a *DialectA) ReadCallback(_ http.Header, body []byte) (Callback, error) {
	n, err := client.VerifyNotification(body, a.platformKey)
	if errors.Is(err, client.ErrSignature) {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallbackSignature, err)
	}
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallbackMalformed, err)
	}
	if n.EventName != client.EventPayoutSuccess && n.EventName != client.EventPayoutFailed {
		return Callback{}, fmt.Errorf("%w: event %q is not a payout's", ErrCallbackMalformed, n.EventName)
	}
	r, err := aResult(n.TransactionStatus, n.FailedCode, n.FailedMessage, n.TransactionID, n.ReturnTime)
	if err != nil {
		return Callback{}, fmt.Errorf("%w: %v", ErrCallbackMalformed, err)
	}
	return Callback{TransactionID: n.MchOrderID, Amount: n.Amount, Currency: n.Currency, Result: r, Trigger: true}, nil
}

// AnswerCallback answers {"code":10000,"message":"Success"} when err is nil,
// and otherwise a failure that dialect A retries: 401 with 21001 for a bad
// signature, 400 with 21002 for a malformed notification, 500 with 21000.
func (a *DialectA) AnswerCallback(w http.ResponseWriter, err error) {
	status, code, msg := http.StatusOK, client.CodeSuccess, "Success"
	switch {
	case err == nil:
	case errors.Is(err, ErrCallbackSignature):
		status, code, msg = http.StatusUnauthorized, client.CodeSignError, "sign error"
	case errors.Is(err, ErrCallbackMalformed):
		status, code, msg = http.StatusBadRequest, client.CodeParamError, "malformed notification"
	default:
		status, code, msg = http.StatusInternalServerError, client.CodeServerError, "not processed, try again"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintf(w, `{"code":%d,"message":%q}`, code, msg)
}
