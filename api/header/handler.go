// Package header is dialect B, the MD5-signed header API that Peru's
// merchants integrate with (seed 002): every call is a POST of a JSON body
// with the headers MerchantId (the merchant's number) and Sign, the hex MD5
// of the raw body followed by the merchant's apiKey. Answers are
// {"code": 200, "msg": "SUCCESS", "data": {...}}, or on failure another
// code, a msg such as Sign_verify_error or Params_bankId_error, a detail
// that says what was wrong, and data null. Amounts are decimals in major
// units with two places.
//
// The handlers are thin, as in api/open: they authenticate the call, decode
// the body into a gateway call (in the core's terms, so that an order made
// here reads the same through dialect A) and encode the result.
package header

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ratelimit"
)

// Options are NewHandler's settings; zero fields take the defaults.
type Options struct {
	// Logger receives a Debug record per request and an Error record per
	// internal error. Default slog.Default().
	Logger *slog.Logger
	// MaxBody bounds a request body in bytes. Default 64 KiB.
	MaxBody int64
	// Clock turns a payIn's expireTime (seconds) into an instant. Default
	// gateway.SystemClock.
	Clock gateway.Clock
	// RateLimit limits each merchant's authenticated calls (see limit); nil
	// limits nothing.
	RateLimit *ratelimit.Limiter
}

// handler serves dialect B over one gateway.
type handler struct {
	gw   *gateway.Gateway
	opts Options
	log  *slog.Logger
}

// operation is one API call after authentication: it returns the answer's
// data or an error to classify.
type operation func(ctx context.Context, rq *request) (any, error)

// request is an authenticated call.
type request struct {
	merchantNo int64 // from the MerchantId header; 0 until parsed
	cred       gateway.Credential
	b          body
}

// Paths lists dialect B's routes, each a POST. The OpenAPI document
// (OpenAPIDoc) covers the same paths; a test keeps the two equal.
func Paths() []string {
	var paths []string
	for p := range (&handler{}).routes() {
		paths = append(paths, p)
	}
	return paths
}

// routes is every operation by its full path.
func (h *handler) routes() map[string]operation {
	return map[string]operation{
		"/api/payOut":             h.payOut,
		"/api/payOutQuery":        h.payOutQuery,
		"/api/payIn":              h.payIn,
		"/api/payInQuery":         h.payInQuery,
		"/api/getBalance":         h.getBalance,
		"/api/bankListQuery":      h.bankList,
		"/api/payInBankListQuery": h.payInBankList,
	}
}

// NewHandler returns dialect B's HTTP handler over gw, serving the paths of
// Paths (mount it at "/api/"). Other methods on those paths are answered
// RequestMethod_not_post, other paths Request_path_notFound.
func NewHandler(gw *gateway.Gateway, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = 64 << 10
	}
	if opts.Clock == nil {
		opts.Clock = gateway.SystemClock{}
	}
	h := &handler{gw: gw, opts: opts, log: opts.Logger}
	mux := http.NewServeMux()
	for path, op := range h.routes() {
		mux.Handle(path, h.serve(op))
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, answer{codeNotFound, http.StatusNotFound, msgPathNotFound, "unknown path " + r.URL.Path})
	})
	return mux
}

// serve runs one operation: authenticate, call, answer, log.
func (h *handler) serve(op operation) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rq := &request{}
		var data any
		err := h.authenticate(w, r, rq)
		if err == nil {
			err = h.limit(w, rq)
		}
		if err == nil {
			data, err = op(r.Context(), rq)
		}
		code := codeSuccess
		if err == nil {
			writeJSON(w, http.StatusOK, response{Code: codeSuccess, Msg: msgSuccess, Data: data})
		} else {
			a := classify(err)
			code = a.code
			if a.status == http.StatusInternalServerError {
				h.log.LogAttrs(r.Context(), slog.LevelError, "dialect b: internal error",
					slog.Int64("merchantId", rq.merchantNo), slog.String("path", r.URL.Path), slog.Any("err", err))
			}
			writeError(w, a)
		}
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "dialect b request", slog.Group("request",
			slog.Int64("merchantId", rq.merchantNo), slog.String("path", r.URL.Path),
			slog.Int("code", code), slog.Duration("latency", time.Since(start))))
	})
}

// response is every answer's body; Detail is sent on errors only, and Data
// is null on errors.
type response struct {
	Code   int    `json:"code"`
	Msg    string `json:"msg"`
	Detail string `json:"detail,omitempty"`
	Data   any    `json:"data"`
}

// writeError answers a refused call.
func writeError(w http.ResponseWriter, a answer) {
	if a.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, a.status, response{Code: a.code, Msg: a.msg, Detail: a.detail})
}

// writeJSON writes resp with the given HTTP status.
func writeJSON(w http.ResponseWriter, status int, resp response) {
	b, err := json.Marshal(resp)
	if err != nil {
		// Only the handlers' own data types get here; they always marshal.
		status = http.StatusInternalServerError
		b = []byte(`{"code":500,"msg":"System_error","detail":"internal error","data":null}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
