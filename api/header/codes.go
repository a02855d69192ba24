package header

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
)

// Response codes of dialect B. The provider answers 200 on success and
// publishes only msg values for failures ("Sign_verify_error", ...), not
// their codes; these numbers are Kasir's, taken from the HTTP status
// classes so that a client can branch on the class and read msg for the
// cause. The HTTP status of an answer is 200 whatever its code, except for
// the transport-level failures noted below.
const (
	codeSuccess      = 200
	codeBadRequest   = 400 // the request or one of its parameters is missing or malformed
	codeUnauthorized = 401 // MerchantId or Sign
	codeBalance      = 402 // the merchant's available balance is too low
	codeForbidden    = 403 // client address not allowed, merchant disabled
	codeNotFound     = 404 // no such order, or no such path (HTTP 404)
	codeMethod       = 405 // not a POST (HTTP 405)
	codeConflict     = 409 // mchOrderNo or nonceStr used before
	codeTooLarge     = 413 // body too large (HTTP 413)
	codeTooMany      = 429 // the merchant's rate limit is spent (HTTP 429, Retry-After)
	codeSystemError  = 500 // internal error (HTTP 500)
	codeUnavailable  = 503 // System_busy (HTTP 503) or a channel not available (HTTP 200)
)

// Messages (msg). The first group is the provider's common list
// (docs.cashypro.com, "Common Error Messages"); the second is Kasir's, in
// the same style, for cases the published list leaves out. Parameter errors
// are built by paramMsg: Params_<field>_Required, Params_<field>_error,
// Params_<field>_repeated.
const (
	msgSuccess          = "SUCCESS"
	msgSystemError      = "System_error"
	msgSystemBusy       = "System_busy"
	msgMerchantIDNull   = "MerchantId_is_null"
	msgMerchantIDNumber = "MerchantId_not_Number"
	msgMerchantIDError  = "MerchantId_is_error"
	msgSignError        = "Sign_verify_error"
	msgMethod           = "RequestMethod_not_post"
	msgContentType      = "RequestContentType_not_json"
	msgBodyNull         = "RequestBody_is_null"
	msgIPNotAllowed     = "Request_ip_notWhiteList"
	msgJSONFormat       = "Params_jsonFormat_error"

	msgMerchantDisabled = "Merchant_is_disabled"
	msgOrderNotFound    = "Order_not_exist"
	msgBalance          = "Merchant_balance_not_enough"
	msgChannel          = "Channel_not_available"
	msgBodyTooLarge     = "RequestBody_too_large"
	msgPathNotFound     = "Request_path_notFound"
	msgTooFrequent      = "Request_too_frequent"
)

// kindCode is how one gateway.Kind is answered. An empty msg means a
// parameter message built from the error's field (paramMsg) with suffix.
type kindCode struct {
	code   int
	status int
	msg    string
	suffix string // for parameter messages: "error" or "repeated"
}

// kindCodes is the one table from domain error kinds to dialect B answers.
// Kinds that no dialect B operation can produce (refunds, static codes)
// fall back to KindInternal's row.
var kindCodes = map[gateway.Kind]kindCode{
	gateway.KindInvalid:             {codeBadRequest, http.StatusOK, "", "error"},
	gateway.KindAmount:              {codeBadRequest, http.StatusOK, "", "error"},
	gateway.KindCountry:             {codeBadRequest, http.StatusOK, "", "error"},
	gateway.KindPayMethod:           {codeBadRequest, http.StatusOK, "", "error"},
	gateway.KindBankCode:            {codeBadRequest, http.StatusOK, "", "error"},
	gateway.KindWalletCode:          {codeBadRequest, http.StatusOK, "", "error"},
	gateway.KindDuplicateOrder:      {codeConflict, http.StatusOK, "", "repeated"},
	gateway.KindDuplicateIdempotent: {codeConflict, http.StatusOK, "", "repeated"},
	gateway.KindReplay:              {codeConflict, http.StatusOK, "", "repeated"},
	gateway.KindNotFound:            {codeNotFound, http.StatusOK, msgOrderNotFound, ""},
	gateway.KindInsufficientBalance: {codeBalance, http.StatusOK, msgBalance, ""},
	gateway.KindChannelUnavailable:  {codeUnavailable, http.StatusOK, msgChannel, ""},
	gateway.KindMerchantUnavailable: {codeForbidden, http.StatusOK, msgMerchantDisabled, ""},
	gateway.KindUnavailable:         {codeUnavailable, http.StatusServiceUnavailable, msgSystemBusy, ""},
	gateway.KindInternal:            {codeSystemError, http.StatusInternalServerError, msgSystemError, ""},
}

// dialectBNames renames the core's fields, named as dialect A names them,
// to dialect B's. Fields with the same name in both are absent.
var dialectBNames = map[string]string{
	"mchOrderId":    "mchOrderNo",
	"transactionId": "orderNo",
	"transferCode":  "bankId",
	"payMethodCode": "bankId",
	"mobile":        "phone",
	"countryCode":   "currency",
	"channelCode":   "payType",
	"channelType":   "payType",
	"customerName":  "realName",
	"idempotencyId": "mchOrderNo",
}

// renamer rewrites dialect A field names inside the core's messages.
var renamer = strings.NewReplacer("mchOrderId", "mchOrderNo", "transactionId", "orderNo",
	"transferCode", "bankId", "channelCode", "payType", "customerName", "realName")

// fieldB returns the dialect B name of a core field.
func fieldB(f string) string {
	if b, ok := dialectBNames[f]; ok {
		return b
	}
	return f
}

// paramMsg builds Params_<field>_<suffix>; "Required" replaces "error"
// when the problem is that the field is missing.
func paramMsg(field, suffix, message string) string {
	if field == "" {
		field = "body"
	}
	if suffix == "error" && strings.HasPrefix(message, "is required") {
		suffix = "Required"
	}
	return "Params_" + field + "_" + suffix
}

// apiError is an answer the envelope gives on its own, for the failures
// that have no gateway.Kind (headers, body, signature, path).
type apiError struct {
	code   int
	status int // 0 means 200
	msg    string
	detail string
}

func (e *apiError) Error() string { return e.msg + ": " + e.detail }

func errorf(code int, msg, format string, args ...any) *apiError {
	return &apiError{code: code, msg: msg, detail: fmt.Sprintf(format, args...)}
}

// required and invalid are the handlers' own parameter errors, in dialect B
// names; classify turns them into Params_<field>_Required and
// Params_<field>_error.
func required(field string) error { return gateway.Errorf(gateway.KindInvalid, field, "is required") }

func invalid(field, format string, args ...any) error {
	return gateway.Errorf(gateway.KindInvalid, field, format, args...)
}

// answer is how an error is told to the client.
type answer struct {
	code   int
	status int
	msg    string
	detail string
}

// classify returns the answer to err. Errors that are neither *apiError nor
// *gateway.Error are internal: their text is logged, never shown.
func classify(err error) answer {
	var ae *apiError
	if errors.As(err, &ae) {
		status := ae.status
		if status == 0 {
			status = http.StatusOK
		}
		return answer{ae.code, status, ae.msg, ae.detail}
	}
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		kc := kindCodes[gateway.KindInternal]
		return answer{kc.code, kc.status, kc.msg, "internal error"}
	}
	kc, ok := kindCodes[ge.Kind]
	if !ok {
		kc = kindCodes[gateway.KindInternal]
	}
	if kc.code == codeSystemError {
		return answer{kc.code, kc.status, kc.msg, "internal error"}
	}
	field := fieldB(ge.Field)
	detail := renamer.Replace(ge.Message)
	if field != "" {
		detail = field + ": " + detail
	}
	msg := kc.msg
	if msg == "" {
		msg = paramMsg(field, kc.suffix, ge.Message)
	}
	return answer{kc.code, kc.status, msg, detail}
}
