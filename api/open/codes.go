package open

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/kasir-gateway/kasir/gateway"
)

// Response codes of dialect A (API-NOTES.md, "Response codes").
const (
	codeSuccess             = 10000
	codeServerError         = 21000
	codeSignError           = 21001
	codeParamError          = 21002
	codeAppIDError          = 21003
	codeMerchantUnavailable = 21004
	codeChannelUnavailable  = 21005
	codeDuplicateOrder      = 21007
	codeTimestampInvalid    = 21008
	codeTimestampExpired    = 21009
	codeNotFound            = 21010 // seed 004; the providers' list says 21006
	codeBankCode            = 21012
	codeWalletCode          = 21013
	codeInsufficientBalance = 21014
	codeDuplicateIdempotent = 21015
	codeIPForbidden         = 21016
	codeCountry             = 21017
	codePayMethod           = 21019
	codeTooManyRequests     = 21020 // HTTP 429 with Retry-After (ratelimit.go)
	codeAmount              = 21021
	codeNotAllowedCancel    = 21025
	codeClosed              = 21028
)

// Refund response codes. The providers list 21401-21409 as refund errors
// without their meanings; these are Kasir's (docs/API.md). 21407-21409 are
// reserved.
const (
	codeRefundNotFound      = 21401 // original transaction not found (for this app)
	codeRefundNotRefundable = 21402 // not COMPLETED, or its channel does not refund
	codeRefundAmount        = 21403 // refundAmount missing or not a positive amount
	codeRefundExceeds       = 21404 // more than what is left to refund
	codeRefundDuplicate     = 21405 // mchRefundOrderId already used
	codeRefundUnknown       = 21406 // no such refund
)

// kindCode is how one gateway.Kind is answered. An empty message means the
// gateway error's own text (field and problem) is shown.
type kindCode struct {
	code    int
	status  int
	message string
}

// kindCodes is the one table from domain error kinds to response codes.
var kindCodes = map[gateway.Kind]kindCode{
	gateway.KindInvalid:             {codeParamError, http.StatusOK, ""},
	gateway.KindNotFound:            {codeNotFound, http.StatusOK, "transaction not found"},
	gateway.KindDuplicateOrder:      {codeDuplicateOrder, http.StatusOK, ""},
	gateway.KindDuplicateIdempotent: {codeDuplicateIdempotent, http.StatusOK, ""},
	gateway.KindInsufficientBalance: {codeInsufficientBalance, http.StatusOK, ""},
	gateway.KindAmount:              {codeAmount, http.StatusOK, ""},
	gateway.KindCountry:             {codeCountry, http.StatusOK, ""},
	gateway.KindPayMethod:           {codePayMethod, http.StatusOK, ""},
	gateway.KindBankCode:            {codeBankCode, http.StatusOK, ""},
	gateway.KindWalletCode:          {codeWalletCode, http.StatusOK, ""},
	gateway.KindChannelUnavailable:  {codeChannelUnavailable, http.StatusOK, ""},
	gateway.KindMerchantUnavailable: {codeMerchantUnavailable, http.StatusOK, ""},
	gateway.KindUnavailable:         {codeServerError, http.StatusServiceUnavailable, ""},
	gateway.KindInternal:            {codeServerError, http.StatusInternalServerError, "internal error"},
	gateway.KindCancelNotAllowed:    {codeNotAllowedCancel, http.StatusOK, ""},
	gateway.KindCodeClosed:          {codeClosed, http.StatusOK, ""},
	gateway.KindRefundNotFound:      {codeRefundNotFound, http.StatusOK, ""},
	gateway.KindRefundNotRefundable: {codeRefundNotRefundable, http.StatusOK, ""},
	gateway.KindRefundAmount:        {codeRefundAmount, http.StatusOK, ""},
	gateway.KindRefundExceeds:       {codeRefundExceeds, http.StatusOK, ""},
	gateway.KindRefundDuplicate:     {codeRefundDuplicate, http.StatusOK, ""},
	gateway.KindRefundUnknown:       {codeRefundUnknown, http.StatusOK, "refund not found"},
}

// apiError is an answer the envelope gives on its own, for the codes that have
// no gateway.Kind (signature, appId, timestamp, IP, body size).
type apiError struct {
	code    int
	status  int // 0 means 200
	message string
}

func (e *apiError) Error() string { return e.message }

func errorf(code int, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

// classify returns the response code, HTTP status and message for err. Errors
// that are neither *apiError nor *gateway.Error are internal: their text is
// never shown.
func classify(err error) (code, status int, message string) {
	var ae *apiError
	if errors.As(err, &ae) {
		status = ae.status
		if status == 0 {
			status = http.StatusOK
		}
		return ae.code, status, ae.message
	}
	var ge *gateway.Error
	if !errors.As(err, &ge) {
		return codeServerError, http.StatusInternalServerError, "internal error"
	}
	kc, ok := kindCodes[ge.Kind]
	if !ok {
		kc = kindCodes[gateway.KindInternal]
	}
	message = kc.message
	if message == "" {
		message = ge.Error()
	}
	return kc.code, kc.status, message
}
