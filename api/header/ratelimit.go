package header

import (
	"net/http"
	"strconv"

	"github.com/kasir-gateway/kasir/ratelimit"
)

// limit charges an authenticated call to its merchant's bucket of
// Options.RateLimit, by merchant number: when the bucket is empty the call
// is answered code 429 Request_too_frequent with HTTP 429 and a Retry-After
// header, and goes no further.
//
// It runs after authentication (MerchantId, allowlist, Sign, nonceStr) and
// never before, so that calls anyone can make (an unknown MerchantId, a bad
// Sign, a replayed nonceStr) never spend a merchant's budget: only the
// merchant's own apiKey can. A refused call has spent its nonceStr, like any
// call refused after authentication; its retry needs a fresh one.
func (h *handler) limit(w http.ResponseWriter, rq *request) error {
	ok, wait := h.opts.RateLimit.Allow(strconv.FormatInt(rq.merchantNo, 10))
	if ok {
		return nil
	}
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", secs)
	return &apiError{code: codeTooMany, status: http.StatusTooManyRequests, msg: msgTooFrequent,
		detail: "too many requests: the limit is " + h.opts.RateLimit.Limit().String() + " per merchant; retry after " + secs + "s"}
}
