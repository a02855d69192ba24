package dashboard

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
)

// balancesData is the balances page's.
type balancesData struct {
	merchantChoice
	Balances []gateway.Balance // one per currency the merchant has money in, by currency
}

// balances shows a merchant's available, pending and held money in each
// currency it has an account in. Operators choose the merchant.
func (h *Handler) balances(w http.ResponseWriter, r *Request) {
	c, err := h.merchantChoice(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := balancesData{merchantChoice: c}
	if c.Merchant == "" {
		h.render(w, r, 0, "portal_balances", "Balances", "balances", d)
		return
	}
	if c.Operator && !c.Known() {
		h.notFound(w, r)
		return
	}
	accounts, err := h.opts.Data.MerchantBalances(r.Context(), c.Merchant)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	var currencies []string
	for _, a := range accounts {
		if strings.HasPrefix(a.Account, "merchant:"+c.Merchant+":") && !slices.Contains(currencies, a.Currency) {
			currencies = append(currencies, a.Currency)
		}
	}
	slices.Sort(currencies)
	for _, cur := range currencies {
		b, err := h.opts.Gateway.Balance(r.Context(), c.Merchant, cur)
		if err != nil {
			h.failErr(w, r, err)
			return
		}
		d.Balances = append(d.Balances, b)
	}
	h.render(w, r, 0, "portal_balances", "Balances", "balances", d)
}

// staticCodesData is the static codes page's.
type staticCodesData struct {
	merchantChoice
	Codes []staticRow
}

// staticRow is a listed code with its status as shown now.
type staticRow struct {
	gateway.StaticCode
	Shown gateway.StaticStatus
}

// staticCodesLimit bounds the static codes listed.
const staticCodesLimit = 200

// staticCodes lists a merchant's static codes, newest first (operators: all
// merchants', or the chosen one's).
func (h *Handler) staticCodes(w http.ResponseWriter, r *Request) {
	c, err := h.merchantChoice(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	codes, err := h.opts.Data.ListStaticCodes(r.Context(), c.Merchant, staticCodesLimit)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := staticCodesData{merchantChoice: c}
	now := h.opts.Clock.Now()
	for _, code := range codes {
		d.Codes = append(d.Codes, staticRow{code, code.StatusAt(now)})
	}
	h.render(w, r, 0, "portal_static_codes", "Static codes", "static", d)
}

// staticCodeData is one static code's page.
type staticCodeData struct {
	Code     gateway.StaticCode
	Status   gateway.StaticStatus
	Payments []gateway.Payment
	Total    int
	Page     int
	Pages    int
	Prev     int // the previous page's number; 0 on the first
	Next     int // the next page's number; 0 on the last
}

// staticPageSize is how many payments into a code one page lists.
const staticPageSize = 50

// staticCode shows a static code and the payments into it, a page at a time.
func (h *Handler) staticCode(w http.ResponseWriter, r *Request) {
	code, err := h.opts.Data.GetStaticCodeByID(r.Context(), r.PathValue("id"))
	if err == nil && !r.Owns(code.MerchantID) {
		err = gateway.ErrNotFound
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	page := 1
	if s := r.URL.Query().Get("page"); s != "" {
		if page, err = strconv.Atoi(s); err != nil || page < 1 {
			h.fail(w, r.Request, r, http.StatusBadRequest, "Page: a number from 1.")
			return
		}
	}
	d := staticCodeData{Code: code, Status: code.StatusAt(h.opts.Clock.Now()), Page: page}
	d.Payments, d.Total, err = h.opts.Data.ListStaticPayments(r.Context(), code.ID, (page-1)*staticPageSize, staticPageSize)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.Pages = max(1, (d.Total+staticPageSize-1)/staticPageSize)
	if page > 1 {
		d.Prev = min(page-1, d.Pages)
	}
	if page < d.Pages {
		d.Next = page + 1
	}
	h.render(w, r, 0, "portal_static_code", "Static code "+code.ID, "static", d)
}
