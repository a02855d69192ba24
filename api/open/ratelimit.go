package open

import (
	"net/http"

	"github.com/kasir-gateway/kasir/ratelimit"
)

// limit charges an authenticated call to its app's bucket of
// Options.RateLimit: when the bucket is empty the call is answered 21020
// with HTTP 429 and a Retry-After header, and goes no further.
//
// It runs after authentication (appId, allowlist, signature, timestamp) and
// never before, so that calls anyone can make (an unknown or forged appId,
// a bad signature, a replay outside the timestamp window) never spend a
// merchant's budget: only the merchant's own key can.
func (h *handler) limit(w http.ResponseWriter, rq *request) error {
	ok, wait := h.opts.RateLimit.Allow(rq.app.AppID)
	if ok {
		return nil
	}
	secs := ratelimit.RetryAfterSeconds(wait)
	w.Header().Set("Retry-After", secs)
	return &apiError{code: codeTooManyRequests, status: http.StatusTooManyRequests,
		message: "too many requests: the limit is " + h.opts.RateLimit.Limit().String() + " per app; retry after " + secs + "s"}
}
