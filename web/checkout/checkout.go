// Package checkout is the hosted payment page: the page a pay URL opens,
// where a customer sees what to pay (the QR payload or the virtual account,
// the amount, the expiry) and, in sandbox mode, pays with one button.
package checkout

import (
	"context"
	"embed"
	"errors"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

//go:embed page.html
var pageFS embed.FS

var page = template.Must(template.ParseFS(pageFS, "page.html"))

// Payments is what the page reads.
type Payments interface {
	GetPaymentByID(ctx context.Context, transactionID string) (gateway.Payment, error)
}

// Payer pays an order as a customer would, through the simulated channel.
type Payer interface {
	Pay(ctx context.Context, transactionID string, amount int64) (string, error)
}

// Handler serves GET /pay/{transactionId} and, when Sandbox is set, POST
// /pay/{transactionId} (the "pay" button).
type Handler struct {
	Payments Payments
	Payer    Payer // nil outside sandbox mode
	Clock    gateway.Clock
	Logger   *slog.Logger
}

// Register adds the page's routes to mux.
func (h *Handler) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /pay/{transactionId}", h.show)
	if h.Payer != nil {
		mux.HandleFunc("POST /pay/{transactionId}", h.pay)
	}
}

type view struct {
	P        gateway.Payment
	Amount   string
	Paid     string
	Expires  string
	Kind     string // qr, va, url
	Sandbox  bool
	Message  string
	Final    bool
	Redirect string
}

// payment reads the payment of a page. An id no payment can have (a NUL,
// which PostgreSQL refuses to compare, or an overlong one) is not found,
// without asking the store.
func (h *Handler) payment(r *http.Request, id string) (gateway.Payment, error) {
	if id == "" || len(id) > 64 || strings.IndexByte(id, 0) >= 0 {
		return gateway.Payment{}, gateway.ErrNotFound
	}
	return h.Payments.GetPaymentByID(r.Context(), id)
}

func (h *Handler) show(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, "")
}

func (h *Handler) render(w http.ResponseWriter, r *http.Request, message string) {
	p, err := h.payment(r, r.PathValue("transactionId"))
	if errors.Is(err, gateway.ErrNotFound) {
		http.Error(w, "no such payment", http.StatusNotFound)
		return
	}
	if err != nil {
		h.Logger.Error("checkout: read payment", "err", err)
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	ch, _ := gateway.FindPaymentChannel(p.CountryCode, p.ChannelCode)
	loc := time.UTC
	if c, ok := gateway.Countries[p.CountryCode]; ok {
		loc = c.Location
	}
	v := view{
		P: p, Amount: money.FormatMajor(p.Amount, p.Currency) + " " + p.Currency,
		Paid:    money.FormatMajor(p.PaidAmount, p.Currency) + " " + p.Currency,
		Expires: p.ExpireAt.In(loc).Format("2006-01-02 15:04 MST"), Kind: ch.PayData,
		Sandbox: h.Payer != nil, Message: message, Final: p.Status != gateway.StatusPending,
		Redirect: p.RedirectURL,
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	if err := page.Execute(w, v); err != nil {
		h.Logger.Error("checkout: render", "err", err)
	}
}

// pay is the sandbox's "pay" button: the simulated channel receives the
// customer's payment of the full amount and reports it to the gateway.
func (h *Handler) pay(w http.ResponseWriter, r *http.Request) {
	// The button posts from this page; another site's form may not press it.
	if o := r.Header.Get("Origin"); o != "" {
		if u, err := url.Parse(o); err != nil || u.Host != r.Host {
			http.Error(w, "cross-site request refused", http.StatusForbidden)
			return
		}
	}
	id := r.PathValue("transactionId")
	p, err := h.payment(r, id)
	if errors.Is(err, gateway.ErrNotFound) {
		http.Error(w, "no such payment", http.StatusNotFound)
		return
	}
	if err != nil {
		http.Error(w, "temporarily unavailable", http.StatusServiceUnavailable)
		return
	}
	if p.Status != gateway.StatusPending {
		h.render(w, r, "This order is "+string(p.Status)+": it takes no payment here.")
		return
	}
	if _, err := h.Payer.Pay(r.Context(), id, p.Amount); err != nil {
		h.Logger.Error("checkout: sandbox pay", "err", err)
		http.Error(w, "payment failed", http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/pay/"+id+"?paid=1", http.StatusSeeOther)
}
