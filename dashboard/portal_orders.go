package dashboard

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// orderStatuses are the statuses the transactions page filters by.
var orderStatuses = []string{"PENDING", "COMPLETED", "FAILED", "EXPIRED", "COMPLETE", "CANCEL"}

// dateLayout is the form of the date filters (an <input type="date">).
const dateLayout = "2006-01-02"

// ordersForm is the transactions page's query as given, to fill the form
// back in and to build the paging links.
type ordersForm struct {
	Merchant, Type, Status, Country, Channel, From, To, Q, Limit string
}

// values encodes the form's non-empty fields.
func (f ordersForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"merchant": f.Merchant, "type": f.Type, "status": f.Status,
		"country": f.Country, "channel": f.Channel, "from": f.From, "to": f.To, "q": f.Q, "limit": f.Limit} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// ordersData is the transactions page's.
type ordersData struct {
	merchantChoice
	Form      ordersForm
	Error     string // what was wrong with the filters; no orders are listed then
	Orders    []Order
	Next      string // the next page's address; "" on the last page
	First     string // the first page's address; "" on the first page
	Types     []OrderType
	Countries []string
	Statuses  []string
}

// orders lists the orders that match the filters, newest first, a page at a
// time (keyset paging: the next page starts below the last order shown).
// A search that finds exactly one order opens it.
func (h *Handler) orders(w http.ResponseWriter, r *Request) {
	q := r.URL.Query()
	form := ordersForm{Type: strings.TrimSpace(q.Get("type")), Status: strings.ToUpper(strings.TrimSpace(q.Get("status"))),
		Country: strings.ToUpper(strings.TrimSpace(q.Get("country"))), Channel: strings.ToUpper(strings.TrimSpace(q.Get("channel"))),
		From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")), Q: strings.TrimSpace(q.Get("q")),
		Limit: strings.TrimSpace(q.Get("limit"))}
	choice, err := h.merchantChoice(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if choice.Operator {
		form.Merchant = choice.Merchant
	}
	d := ordersData{merchantChoice: choice, Form: form, Types: []OrderType{TypePayout, TypePayment, TypeRefund},
		Countries: countryCodes(), Statuses: orderStatuses}
	f, msg := parseOrderFilter(form, q.Get("before"), q.Get("beforeId"))
	if msg != "" {
		d.Error = msg
		h.render(w, r, http.StatusBadRequest, "portal_orders", "Transactions", "orders", d)
		return
	}
	f.MerchantID = choice.Merchant
	page, err := h.opts.Data.ListOrders(r.Context(), f)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if f.Query != "" && f.Before.IsZero() && len(page.Orders) == 1 && !page.More {
		http.Redirect(w, r.Request, orderURL(page.Orders[0].TransactionID), http.StatusSeeOther)
		return
	}
	d.Orders = page.Orders
	if page.More && len(page.Orders) > 0 {
		last := page.Orders[len(page.Orders)-1]
		v := form.values()
		v.Set("before", last.CreatedAt.UTC().Format(time.RFC3339Nano))
		v.Set("beforeId", last.TransactionID)
		d.Next = Base + "/orders?" + v.Encode()
	}
	if !f.Before.IsZero() {
		d.First = Base + "/orders"
		if v := form.values(); len(v) > 0 {
			d.First += "?" + v.Encode()
		}
	}
	h.render(w, r, 0, "portal_orders", "Transactions", "orders", d)
}

// parseOrderFilter checks the form; the message names the field that is
// wrong, "" when all are right.
func parseOrderFilter(form ordersForm, before, beforeID string) (OrderFilter, string) {
	f := OrderFilter{Status: form.Status, Country: form.Country, Channel: form.Channel, Query: form.Q}
	switch OrderType(form.Type) {
	case "", TypePayout, TypePayment, TypeRefund:
		f.Type = OrderType(form.Type)
	default:
		return f, "Type: choose payout, payment or refund."
	}
	if f.Status != "" && !slices.Contains(orderStatuses, f.Status) {
		return f, "Status: choose one of " + strings.Join(orderStatuses, ", ") + "."
	}
	if f.Country != "" && !slices.Contains(countryCodes(), f.Country) {
		return f, "Country: choose one of " + strings.Join(countryCodes(), ", ") + "."
	}
	if len(f.Channel) > 64 || len(f.Query) > 128 {
		return f, "Channel and search: too long."
	}
	var err error
	if form.From != "" {
		if f.From, err = time.Parse(dateLayout, form.From); err != nil {
			return f, "From: a date like 2026-01-31."
		}
	}
	if form.To != "" {
		to, err := time.Parse(dateLayout, form.To)
		if err != nil {
			return f, "To: a date like 2026-01-31."
		}
		f.To = to.AddDate(0, 0, 1) // the whole day "to" names
		if !f.From.IsZero() && !f.From.Before(f.To) {
			return f, "To: must not be before From."
		}
	}
	if form.Limit != "" {
		n, err := strconv.Atoi(form.Limit)
		if err != nil || n < 1 || n > 200 {
			return f, "Limit: a number from 1 to 200."
		}
		f.Limit = n
	}
	if before != "" {
		if f.Before, err = time.Parse(time.RFC3339Nano, before); err != nil || beforeID == "" {
			return f, "This page link is broken; start again from the first page."
		}
		f.BeforeID = beforeID
	}
	return f, ""
}
