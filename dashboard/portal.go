package dashboard

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// registerPortal registers the merchant portal's pages. Every handler scopes
// what it reads to the user's merchant (Request.MerchantScope) and answers
// 404 for another merchant's object (Request.Owns), GET or POST alike.
func (h *Handler) registerPortal() {
	for pattern, fn := range map[string]handlerFunc{
		"GET /orders":                      h.orders,
		"GET /orders/{id}":                 h.order,
		"POST /orders/{id}/resend":         h.resend,
		"POST /orders/{id}/refund":         h.refund,
		"GET /balances":                    h.balances,
		"GET /static-codes":                h.staticCodes,
		"GET /static-codes/{id}":           h.staticCode,
		"GET /reports":                     h.reportsPage,
		"GET /reports/download":            h.reportDownload,
		"GET /developers":                  h.developers,
		"POST /developers/public-key":      h.replacePublicKey,
		"GET /developers/platform-key.pem": h.platformKey,
		"POST /developers/apikey":          h.issueAPIKey,
	} {
		method, path, _ := strings.Cut(pattern, " ")
		h.mux.HandleFunc(method+" "+Base+path, h.user(fn))
	}
}

func init() {
	// major formats minor units without the currency, as a form field takes them.
	funcs["major"] = money.FormatMajor
	// fingerprint is the SHA-256 of a PEM public key's DER, in hex pairs;
	// "" when the text holds no PEM block.
	funcs["fingerprint"] = fingerprint
}

// excerptMax bounds the text a payload or response excerpt shows.
const excerptMax = 4 << 10

// bodyExcerpt shows a payload or an answer: indented when it is JSON, cut to
// a few kilobytes either way.
func bodyExcerpt(raw []byte) string {
	var out bytes.Buffer
	if json.Valid(raw) && json.Indent(&out, raw, "", "  ") == nil {
		raw = out.Bytes()
	}
	if len(raw) <= excerptMax {
		return string(raw)
	}
	cut := excerptMax
	for cut > 0 && !utf8.RuneStart(raw[cut]) {
		cut--
	}
	return string(raw[:cut]) + "\n… (cut)"
}

func fingerprint(pemText string) string {
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		return ""
	}
	der := block.Bytes
	if block.Type == "RSA PUBLIC KEY" { // show the same print as the PKIX form of the key
		if k, err := x509.ParsePKCS1PublicKey(der); err == nil {
			if pkix, err := x509.MarshalPKIXPublicKey(k); err == nil {
				der = pkix
			}
		}
	}
	sum := sha256.Sum256(der)
	pairs := make([]string, len(sum))
	for i, c := range sum {
		pairs[i] = hex.EncodeToString([]byte{c})
	}
	return strings.ToUpper(strings.Join(pairs, ":"))
}

// merchantChoice is what a page needs to offer operators a merchant selector.
type merchantChoice struct {
	Operator  bool
	Merchant  string // the chosen merchant; for merchant users their own
	Merchants []MerchantSummary
}

// chooserData is the merchant-chooser partial's: the choice, the page it
// submits to, and what the empty option says.
type chooserData struct {
	merchantChoice
	Action, Blank string
}

// Chooser is the partial's data for a page at action.
func (c merchantChoice) Chooser(action, blank string) chooserData {
	return chooserData{merchantChoice: c, Action: action, Blank: blank}
}

// merchantChoice reads ?merchant= for operators and lists the merchants to
// choose from; merchant users get their own merchant whatever they asked.
func (h *Handler) merchantChoice(r *Request) (merchantChoice, error) {
	c := merchantChoice{Operator: r.Operator(), Merchant: r.MerchantScope(strings.TrimSpace(r.URL.Query().Get("merchant")))}
	if !c.Operator {
		return c, nil
	}
	ms, err := h.opts.Data.ListMerchants(r.Context())
	if err != nil {
		return c, err
	}
	c.Merchants = ms
	return c, nil
}

// Name returns the chosen merchant's name, or its id when it is not listed.
func (c merchantChoice) Name() string {
	for _, m := range c.Merchants {
		if m.ID == c.Merchant {
			return m.Name
		}
	}
	return c.Merchant
}

// Known reports whether an operator's chosen merchant exists.
func (c merchantChoice) Known() bool {
	return slices.ContainsFunc(c.Merchants, func(m MerchantSummary) bool { return m.ID == c.Merchant })
}

// countryCodes are the countries' codes, sorted, for the filters' selects.
func countryCodes() []string {
	cs := make([]string, 0, len(gateway.Countries))
	for c := range gateway.Countries {
		cs = append(cs, c)
	}
	slices.Sort(cs)
	return cs
}

// orderURL is an order page's address.
func orderURL(transactionID string) string {
	return Base + "/orders/" + url.PathEscape(transactionID)
}

// notFound answers as failErr does for a missing object: the same page
// whether the object does not exist or belongs to another merchant.
func (h *Handler) notFound(w http.ResponseWriter, r *Request) {
	h.fail(w, r.Request, r, http.StatusNotFound, "Not found.")
}
