package dashboard

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
	"github.com/kasir-gateway/kasir/notify"
)

// orderView is one order of any type; exactly one of Payout, Payment and
// Refund is set.
type orderView struct {
	Type          OrderType
	TransactionID string
	MerchantID    string
	AppID         string
	Currency      string
	Payout        *gateway.Payout
	Payment       *gateway.Payment
	Refund        *gateway.Refund
}

// loadOrder finds an order by transaction id among payouts, payments and
// refunds. It returns gateway.ErrNotFound also when the order belongs to a
// merchant the user may not see, so that the answer does not tell.
func (h *Handler) loadOrder(r *Request, id string) (orderView, error) {
	ctx, d := r.Context(), h.opts.Data
	var o orderView
	if p, err := d.GetPayoutByID(ctx, id); err == nil {
		o = orderView{Type: TypePayout, TransactionID: p.TransactionID, MerchantID: p.MerchantID, AppID: p.AppID, Currency: p.Currency, Payout: &p}
	} else if !errors.Is(err, gateway.ErrNotFound) {
		return o, err
	} else if p, err := d.GetPaymentByID(ctx, id); err == nil {
		o = orderView{Type: TypePayment, TransactionID: p.TransactionID, MerchantID: p.MerchantID, AppID: p.AppID, Currency: p.Currency, Payment: &p}
	} else if !errors.Is(err, gateway.ErrNotFound) {
		return o, err
	} else if rf, err := d.GetRefundByID(ctx, id); err == nil {
		o = orderView{Type: TypeRefund, TransactionID: rf.RefundTransactionID, MerchantID: rf.MerchantID, AppID: rf.AppID, Currency: rf.Currency, Refund: &rf}
	} else {
		return o, err
	}
	if o.MerchantID == "" { // stored before orders carried their merchant: ask the app
		app, err := d.GetApp(ctx, o.AppID)
		if err != nil {
			return o, err
		}
		o.MerchantID = app.MerchantID
	}
	if !r.Owns(o.MerchantID) {
		return orderView{}, gateway.ErrNotFound
	}
	return o, nil
}

// orderData is the order page's.
type orderData struct {
	orderView
	Merchant gateway.Merchant
	Timeline []timelineItem
	// Payments: the refunds made of it, whether it can take another, and how
	// much is left to refund.
	Refunds    []gateway.Refund
	CanRefund  bool
	RefundLeft int64
	RefundForm refundForm
	// Sim offers the simulator's buttons (sandbox, operators).
	Sim         bool
	FailedCodes []failedCodeOption
}

// refundForm is the refund form's input and what was wrong with it.
type refundForm struct {
	// RefundID is the mchRefundOrderId, made when the form is shown: the
	// same form sent twice (a double click, a resubmit) is one refund.
	RefundID       string
	Amount, Reason string
	AmountError    string
	ReasonError    string
	Error          string
}

type failedCodeOption struct {
	Code    int
	Message string
}

// order shows an order: its details, its timeline and what may be done
// with it.
func (h *Handler) order(w http.ResponseWriter, r *Request) {
	o, err := h.loadOrder(r, r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.showOrder(w, r, http.StatusOK, o, refundForm{})
}

func (h *Handler) showOrder(w http.ResponseWriter, r *Request, status int, o orderView, form refundForm) {
	ctx := r.Context()
	if form.RefundID == "" {
		form.RefundID = dashRefundID()
	}
	d := orderData{orderView: o, RefundForm: form, Sim: h.opts.Sim != nil && r.Operator()}
	var err error
	if d.Merchant, err = h.opts.Data.GetMerchant(ctx, o.MerchantID); err != nil && !errors.Is(err, gateway.ErrNotFound) {
		h.failErr(w, r, err)
		return
	}
	if d.Timeline, err = h.timeline(ctx, o, d.Merchant.No, r.Operator()); err != nil {
		h.failErr(w, r, err)
		return
	}
	if p := o.Payment; p != nil {
		if d.Refunds, err = h.opts.Data.ListRefunds(ctx, p.AppID, p.TransactionID); err != nil {
			h.failErr(w, r, err)
			return
		}
		d.RefundLeft = p.PaidAmount
		for _, rf := range d.Refunds {
			if rf.Status != gateway.RefundFailed {
				d.RefundLeft -= rf.Amount
			}
		}
		ch, ok := gateway.FindPaymentChannel(p.CountryCode, p.ChannelCode)
		d.CanRefund = p.Status == gateway.StatusCompleted && ok && gateway.Refundable(ch) && d.RefundLeft > 0
	}
	if d.Sim {
		for code, msg := range gateway.FailedMessages {
			d.FailedCodes = append(d.FailedCodes, failedCodeOption{code, msg})
		}
		slices.SortFunc(d.FailedCodes, func(a, b failedCodeOption) int { return b.Code - a.Code })
	}
	h.render(w, r, status, "portal_order", "Order "+o.TransactionID, "orders", d)
}

// resend makes the order's notifications due again; a running dispatcher
// delivers them at its next poll.
func (h *Handler) resend(w http.ResponseWriter, r *Request) {
	o, err := h.loadOrder(r, r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	n, err := notify.Resend(r.Context(), h.opts.Data, o.TransactionID, h.opts.Clock.Now())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	msg := fmt.Sprintf("%d notification(s) queued for delivery.", n)
	if n == 0 {
		msg = "This order has no notifications to resend."
	}
	h.redirect(w, r, orderURL(o.TransactionID), msg)
}

// refund refunds all or part of a completed payment through the gateway,
// as the merchant's API would, under a generated mchRefundOrderId.
func (h *Handler) refund(w http.ResponseWriter, r *Request) {
	o, err := h.loadOrder(r, r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	if o.Payment == nil {
		h.fail(w, r.Request, r, http.StatusBadRequest, "Only payments can be refunded.")
		return
	}
	p := o.Payment
	form := refundForm{RefundID: r.PostFormValue("refund_id"),
		Amount: strings.TrimSpace(r.PostFormValue("amount")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	amount, err := money.ParseMajor(form.Amount, p.Currency)
	switch {
	case !refundIDPattern.MatchString(form.RefundID):
		form.RefundID = ""
		form.Error = "This form is out of date; check the refunds below, then try again."
	case form.Amount == "":
		form.AmountError = "Amount: enter how much to refund, in " + p.Currency + "."
	case err != nil || amount <= 0:
		form.AmountError = "Amount: a positive amount in " + p.Currency + " like 10.50, without signs or separators."
	}
	if form.AmountError != "" || form.Error != "" {
		h.showOrder(w, r, http.StatusBadRequest, o, form)
		return
	}
	app, err := h.opts.Gateway.App(r.Context(), p.AppID) // refuses a disabled app or merchant, as the API does
	if err == nil {
		_, err = h.opts.Gateway.CreateRefund(r.Context(), app, gateway.RefundRequest{
			MchRefundOrderID: form.RefundID, OriginalTransactionID: p.TransactionID,
			Amount: amount, Reason: form.Reason,
		})
	}
	var ge *gateway.Error
	switch {
	case gateway.KindOf(err) == gateway.KindRefundDuplicate:
		h.redirect(w, r, orderURL(p.TransactionID), "This refund was made already: the form was sent twice, and only the first counted.")
		return
	case errors.As(err, &ge) && (ge.Field == "refundAmount" || ge.Kind == gateway.KindInsufficientBalance):
		form.AmountError = "Amount: " + ge.Message
	case errors.As(err, &ge) && ge.Field == "refundReason":
		form.ReasonError = "Reason: " + ge.Message
	case errors.As(err, &ge):
		form.Error = ge.Error()
	case err != nil:
		h.failErr(w, r, err)
		return
	default:
		h.redirect(w, r, orderURL(p.TransactionID), "Refund of "+money.FormatMajor(amount, p.Currency)+" "+p.Currency+" created; it is PENDING until the channel completes it.")
		return
	}
	h.showOrder(w, r, http.StatusBadRequest, o, form)
}

var refundIDPattern = regexp.MustCompile(`^dash-[0-9a-f]{16}$`)

// dashRefundID makes the mchRefundOrderId of a refund made here.
func dashRefundID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return "dash-" + hex.EncodeToString(b)
}
