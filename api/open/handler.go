// Package open is dialect A, the RSA-signed "Open API": every call is a POST
// of {"appId", "param", "sign"} where param is a JSON document as a string and
// sign its SHA256withRSA signature by the merchant's key. The handlers are
// thin: they authenticate the envelope, decode the param into a gateway call,
// and encode the result as {"code", "message", "data"}.
package open

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ratelimit"
	"github.com/kasir-gateway/kasir/reports"
)

// Options are NewHandler's settings; zero fields take the defaults.
type Options struct {
	// TimestampWindow is how far param.timestamp may be from the clock's
	// time, either way. Default 5 minutes.
	TimestampWindow time.Duration
	// MaxBodyBytes bounds a request body. Default 64 KiB.
	MaxBodyBytes int64
	// Clock judges timestamps. Default gateway.SystemClock.
	Clock gateway.Clock
	// Logger receives a Debug record per request and an Error record per
	// internal error. Default slog.Default().
	Logger *slog.Logger
	// Reports issues the links of /open-api/report/download; without it
	// that operation answers 21000.
	Reports *reports.Service
	// RateLimit limits each app's authenticated calls (see limit); nil
	// limits nothing.
	RateLimit *ratelimit.Limiter
}

// handler serves dialect A over one gateway.
type handler struct {
	gw   *gateway.Gateway
	opts Options
	log  *slog.Logger
	keys sync.Map // PEM text -> *rsa.PublicKey
}

// operation is one API call after the envelope was authenticated: it returns
// the response's data or an error to classify.
type operation func(ctx context.Context, rq *request) (any, error)

// request is an authenticated call.
type request struct {
	appID       string // as sent, for logs; set before the app is known
	app         gateway.App
	p           params
	pathCountry string // the alias path's country code; "" on the plain paths
}

// aliasCountries decides which countries serve an operation under an alias
// path /open-api/{country}/...: those with channels of the operation's kind.
type aliasCountries func(countryCode string) bool

// The alias tables per kind of operation: payouts (not RU) and payments
// (RU included).
var (
	payoutAliases  aliasCountries = func(cc string) bool { return len(gateway.PayoutChannels(cc)) > 0 }
	paymentAliases aliasCountries = func(cc string) bool { return len(gateway.PaymentChannels(cc)) > 0 }
)

// NewHandler returns the Open API's HTTP handler over gw. Every route is a
// POST under /open-api/; the disbursement routes are also served under
// /open-api/{country}/ for the countries that have payouts (e.g.
// /open-api/philippines/disbursement/transfer), the payment routes for the
// countries that have payments (e.g. /open-api/russia/payment/generate).
func NewHandler(gw *gateway.Gateway, opts Options) http.Handler {
	if opts.TimestampWindow <= 0 {
		opts.TimestampWindow = 5 * time.Minute
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 10
	}
	if opts.Clock == nil {
		opts.Clock = gateway.SystemClock{}
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	h := &handler{gw: gw, opts: opts, log: opts.Logger}
	mux := http.NewServeMux()
	for path, rt := range h.routes() {
		mux.Handle("POST /open-api"+path, h.serve(rt.op, nil))
		if rt.aliases != nil {
			mux.Handle("POST /open-api/{country}"+path, h.serve(rt.op, rt.aliases))
		}
	}
	mux.HandleFunc("/", h.notFound)
	return mux
}

// route is one Open API operation; aliases, when set, also serves it under
// /open-api/{country}/ for the countries aliases accepts.
type route struct {
	op      operation
	aliases aliasCountries
}

// routes is every operation, by path under /open-api. The OpenAPI document
// (openapi.go) lists the same paths; a test keeps the two equal.
func (h *handler) routes() map[string]route {
	return map[string]route{
		"/account/balance":          {h.balance, nil},
		"/report/download":          {h.reportDownload, nil},
		"/disbursement/channel":     {h.channels, payoutAliases},
		"/disbursement/transfer":    {h.transfer, payoutAliases},
		"/disbursement/check":       {h.check, payoutAliases},
		"/payment/checkout/channel": {h.paymentChannels, paymentAliases},
		"/payment/generate":         {h.generate, paymentAliases},
		"/payment/query":            {h.query, paymentAliases},
		"/payment/refund":           {h.refund, paymentAliases},
		"/refund/payments":          {h.refundList, paymentAliases},
		"/refund/channel":           {h.refundChannels, paymentAliases},
		"/static/payment/code":      {h.staticCreate, staticAliases},
		"/static/payment/detail":    {h.staticDetail, staticAliases},
		"/static/payment/list":      {h.staticList, staticAliases},
		"/static/code/cancel":       {h.staticCancel, staticAliases},
	}
}

// serve runs one operation: authenticate, call, answer, log. On an alias
// path (aliases not nil) the path's country must be one aliases accepts.
func (h *handler) serve(op operation, aliases aliasCountries) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rq := &request{}
		if aliases != nil {
			c, ok := aliasCountry(r.PathValue("country"), aliases)
			if !ok {
				h.notFound(w, r)
				return
			}
			rq.pathCountry = c.Code
		}
		var data any
		err := h.open(w, r, rq)
		if err == nil {
			err = h.limit(w, rq)
		}
		if err == nil {
			data, err = op(r.Context(), rq)
		}
		code, status := writeResult(w, data, err)
		if status == http.StatusInternalServerError {
			h.log.LogAttrs(r.Context(), slog.LevelError, "open api: internal error",
				slog.String("appId", rq.appID), slog.String("path", r.URL.Path), slog.Any("err", err))
		}
		h.log.LogAttrs(r.Context(), slog.LevelDebug, "open api request", slog.Group("request",
			slog.String("appId", rq.appID), slog.String("path", r.URL.Path),
			slog.Int("code", code), slog.Duration("latency", time.Since(start))))
	})
}

// notFound answers paths and methods the API does not have.
func (h *handler) notFound(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeResponse(w, http.StatusMethodNotAllowed, response{Code: codeParamError,
			Message: "method " + r.Method + " is not allowed: every call is a POST"})
		return
	}
	writeResponse(w, http.StatusNotFound, response{Code: codeParamError, Message: "unknown path " + r.URL.Path})
}

// aliasCountry finds the country of an alias path by name; only the
// countries that aliases accepts have them.
func aliasCountry(name string, aliases aliasCountries) (gateway.Country, bool) {
	c, ok := gateway.CountryByName(name)
	if !ok || !aliases(c.Code) {
		return gateway.Country{}, false
	}
	return c, true
}

// countryCode returns param.countryCode, which an alias path supplies when it
// is absent and which must then match the path's country.
func (rq *request) countryCode() (string, error) {
	cc, err := rq.p.str("countryCode")
	if err != nil {
		return "", err
	}
	switch {
	case rq.pathCountry == "":
	case cc == "":
		cc = rq.pathCountry
	case cc != rq.pathCountry:
		return "", gateway.Errorf(gateway.KindInvalid, "countryCode", "%q does not match the path's country %s", cc, rq.pathCountry)
	}
	if cc == "" {
		return "", gateway.Errorf(gateway.KindInvalid, "countryCode", "is required")
	}
	return cc, nil
}
