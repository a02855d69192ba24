package dashboard

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/money"
)

// The merchant page's pricing forms: fees and the settlement delay.

// feeView is a fee in words. Fees are stored as a fixed count of minor
// units plus basis points, whatever the currency: the console shows and
// takes the fixed part in minor units and adds the major-unit reading when
// the channel has one currency.
type feeView struct {
	Channel string
	Fixed   int64
	BPS     int64
}

func newFeeView(f gateway.Fee) feeView {
	return feeView{Channel: f.Channel, Fixed: f.Fixed, BPS: f.BPS}
}

// Text prints the fee: "1000 minor units (10.00 PHP) + 100 bps (1%)".
func (f feeView) Text() string {
	fixed := strconv.FormatInt(f.Fixed, 10) + " minor units"
	if cur, ok := channelCurrencies()[f.Channel]; ok {
		fixed += " (" + money.FormatMajor(f.Fixed, cur) + " " + cur + ")"
	}
	return fixed + " + " + strconv.FormatInt(f.BPS, 10) + " bps (" + formatValue(float64(f.BPS)/100) + "%)"
}

// delayText prints a settlement delay without zero units.
func delayText(d time.Duration) string {
	if d == 0 {
		return "at once"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// channelCurrencies maps every known channel code, payout and payment, to
// its currency (codes shared by countries of different currencies are left
// out).
var channelCurrencies = sync.OnceValue(func() map[string]string {
	m := map[string]string{}
	shared := map[string]bool{}
	add := func(code, country string) {
		cur := gateway.Countries[country].Currency
		if prev, ok := m[code]; ok && prev != cur {
			shared[code] = true
		}
		m[code] = cur
	}
	for _, c := range gateway.AllPayoutChannels() {
		add(c.Code, c.Country)
	}
	for country := range gateway.Countries {
		for _, c := range gateway.PaymentChannels(country) {
			add(c.Code, country)
		}
	}
	for code := range shared {
		delete(m, code)
	}
	return m
})

// channelCodes is every known channel code, sorted, for the fee form.
var channelCodes = sync.OnceValue(func() []string {
	set := map[string]bool{}
	for _, c := range gateway.AllPayoutChannels() {
		set[c.Code] = true
	}
	for country := range gateway.Countries {
		for _, c := range gateway.PaymentChannels(country) {
			set[c.Code] = true
		}
	}
	out := make([]string, 0, len(set))
	for c := range set {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
})

// setMerchantFee sets a merchant's fee for a channel or its default.
func (h *Handler) setMerchantFee(w http.ResponseWriter, r *Request) {
	id := r.PathValue("id")
	f := merchantForms{Channel: strings.TrimSpace(r.PostFormValue("channel")),
		Fixed: strings.TrimSpace(r.PostFormValue("fixed")), BPS: strings.TrimSpace(r.PostFormValue("bps"))}
	if f.Channel == "" {
		f.Channel = "*"
	}
	fee := gateway.Fee{MerchantID: id, Channel: f.Channel}
	switch {
	case f.Channel != "*" && !slices.Contains(channelCodes(), f.Channel):
		h.refuse(w, r, id, f, "Channel: "+strconv.Quote(f.Channel)+" is not a known channel code; use * for the merchant's default.")
		return
	case !isCount(f.Fixed):
		h.refuse(w, r, id, f, "Fixed fee: enter a whole number of minor units (1000 is 10.00 PHP), 0 or more.")
		return
	case !isCount(f.BPS):
		h.refuse(w, r, id, f, "Percentage fee: enter whole basis points from 0 to 10000 (100 is 1%).")
		return
	}
	fee.Fixed, _ = strconv.ParseInt(f.Fixed, 10, 64)
	fee.BPS, _ = strconv.ParseInt(f.BPS, 10, 64)
	if fee.BPS > 10000 {
		h.refuse(w, r, id, f, "Percentage fee: enter whole basis points from 0 to 10000 (100 is 1%).")
		return
	}
	if err := h.opts.Gateway.SetFee(r.Context(), fee); err != nil {
		h.formFailed(w, r, id, f, err)
		return
	}
	h.log.Info("dashboard: fee set", "merchantId", id, "channel", fee.Channel, "fixed", fee.Fixed, "bps", fee.BPS, "by", r.User.Email)
	h.redirect(w, r, merchantURL(id)+"#fees", "Fee for "+channelName(fee.Channel)+" set to "+newFeeView(fee).Text()+".")
}

// isCount reports whether s is a non-negative whole number that fits.
func isCount(s string) bool {
	n, err := strconv.ParseInt(s, 10, 64)
	return err == nil && n >= 0 && digitsOnly(s)
}

func digitsOnly(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

func channelName(c string) string {
	if c == "*" {
		return "every other channel (*)"
	}
	return c
}

// setMerchantSettlement sets how long a merchant's collections stay pending.
func (h *Handler) setMerchantSettlement(w http.ResponseWriter, r *Request) {
	id := r.PathValue("id")
	f := merchantForms{Delay: strings.TrimSpace(r.PostFormValue("delay"))}
	d, err := time.ParseDuration(f.Delay)
	if f.Delay == "0" {
		d, err = 0, nil
	}
	if err != nil {
		h.refuse(w, r, id, f, "Settlement delay: enter a duration such as 0s, 30m, 24h or 72h.")
		return
	}
	if err := h.opts.Gateway.SetSettlementDelay(r.Context(), id, d); err != nil {
		h.formFailed(w, r, id, f, err)
		return
	}
	h.log.Info("dashboard: settlement delay set", "merchantId", id, "delay", d, "by", r.User.Email)
	h.redirect(w, r, merchantURL(id)+"#settlement", "Settlement delay set: collections become available "+settleWords(d)+".")
}

func settleWords(d time.Duration) string {
	if d == 0 {
		return "at once"
	}
	return delayText(d) + " after payment"
}
