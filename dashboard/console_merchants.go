package dashboard

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
)

// The console's merchant pages: onboarding, fees, settlement delay,
// disabling, and the merchant's dashboard users. Every change goes through
// the gateway (or auth), which validates it; a bad value re-renders the page
// with the message and writes nothing.

// consoleMerchant is a merchant as the console shows it.
type consoleMerchant struct {
	MerchantSummary
}

// State says whether the API serves the merchant: "enabled", "disabled"
// (the merchant or every app), "partly disabled", or "no app".
func (m consoleMerchant) State() string {
	if m.Disabled {
		return "disabled"
	}
	off := 0
	for _, a := range m.Apps {
		if a.Disabled {
			off++
		}
	}
	switch {
	case len(m.Apps) == 0:
		return "no app"
	case off == len(m.Apps):
		return "disabled"
	case off > 0:
		return "partly disabled"
	}
	return "enabled"
}

// StateClass is State as one CSS class.
func (m consoleMerchant) StateClass() string { return strings.ReplaceAll(m.State(), " ", "-") }

// Enabled reports whether any of the merchant's apps may transact.
func (m consoleMerchant) Enabled() bool {
	return !m.Disabled && slices.ContainsFunc(m.Apps, func(a gateway.App) bool { return !a.Disabled })
}

// DelayText prints the settlement delay: "at once", "24h", "1h30m".
func (m consoleMerchant) DelayText() string { return delayText(m.SettlementDelay) }

// FeeViews are the merchant's fees as the console prints them.
func (m consoleMerchant) FeeViews() []feeView {
	out := make([]feeView, len(m.Fees))
	for i, f := range m.Fees {
		out[i] = newFeeView(f)
	}
	return out
}

// fieldLabels name the gateway's and auth's fields as the forms label them.
var fieldLabels = map[string]string{
	"name": "Name", "publicKey": "Public key", "notifyUrl": "Notify URL", "ipAllowlist": "IP allowlist",
	"fee": "Fee", "settlementDelay": "Settlement delay", "merchantId": "Merchant",
	"email": "Email", "password": "Password", "role": "Role", "merchant": "Merchant",
}

// formError turns a validation error into a message naming the form's
// field; ok is false for other errors, which failErr answers.
func formError(err error) (string, bool) {
	var ge *gateway.Error
	var dup *gateway.DuplicateError
	switch {
	case errors.As(err, &dup) && dup.Key == "email":
		return "Email: a user with this email already exists.", true
	case errors.As(err, &ge) && ge.Kind != gateway.KindInternal && ge.Kind != gateway.KindUnavailable:
		if label, ok := fieldLabels[ge.Field]; ok {
			return label + ": " + ge.Message + ".", true
		}
		return ge.Error() + ".", true
	}
	return "", false
}

// merchantsData is the merchants page.
type merchantsData struct {
	Merchants []consoleMerchant
	Form      newMerchantForm
	Error     string
}

// newMerchantForm is the onboarding form's values, kept when it is refused.
type newMerchantForm struct {
	Name, NotifyURL, PublicKey, IPAllowlist string
}

func (h *Handler) consoleMerchants(w http.ResponseWriter, r *Request) {
	h.showMerchants(w, r, http.StatusOK, merchantsData{})
}

func (h *Handler) showMerchants(w http.ResponseWriter, r *Request, status int, d merchantsData) {
	ms, err := h.opts.Data.ListMerchants(r.Context())
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	for _, m := range ms {
		d.Merchants = append(d.Merchants, consoleMerchant{m})
	}
	h.render(w, r, status, "console_merchants", "Merchants", "merchants", d)
}

// newCredentials are a new merchant's credentials, shown once.
type newCredentials struct {
	AppID      string
	MerchantNo int64
	APIKey     string
	KeyError   string // why the dialect B apiKey was not issued
}

// createMerchant onboards a merchant as `kasir merchant create` does: the
// merchant with one app, then its dialect B apiKey, shown once on the
// merchant's page.
func (h *Handler) createMerchant(w http.ResponseWriter, r *Request) {
	f := newMerchantForm{
		Name:        strings.TrimSpace(r.PostFormValue("name")),
		NotifyURL:   strings.TrimSpace(r.PostFormValue("notify_url")),
		PublicKey:   strings.TrimSpace(r.PostFormValue("public_key")),
		IPAllowlist: strings.TrimSpace(r.PostFormValue("ip_allowlist")),
	}
	nm := gateway.NewMerchant{Name: f.Name, NotifyURL: f.NotifyURL, IPAllowlist: splitList(f.IPAllowlist)}
	if f.PublicKey != "" {
		nm.PublicKeyPEM = strings.ReplaceAll(f.PublicKey, "\r\n", "\n") + "\n"
	}
	m, app, err := h.opts.Gateway.CreateMerchant(r.Context(), nm)
	if err != nil {
		if msg, ok := formError(err); ok {
			h.showMerchants(w, r, http.StatusBadRequest, merchantsData{Form: f, Error: msg})
			return
		}
		h.failErr(w, r, err)
		return
	}
	creds := &newCredentials{AppID: app.AppID}
	creds.MerchantNo, creds.APIKey, err = h.opts.Gateway.IssueAPIKey(r.Context(), m.ID, 0)
	if err != nil {
		h.log.Error("dashboard: issue apiKey of a new merchant", "merchantId", m.ID, "err", err)
		creds.KeyError = "The merchant was created, but its dialect B apiKey was not; issue one on the Developers page (choose this merchant) or with kasir merchant apikey rotate --app " + app.AppID + "."
	}
	h.log.Info("dashboard: merchant created", "merchantId", m.ID, "appId", app.AppID, "by", r.User.Email)
	h.showMerchant(w, r, http.StatusOK, m.ID, merchantData{Created: creds})
}

// splitList splits a comma- or space-separated list.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })
}

// merchantData is a merchant's page.
type merchantData struct {
	M        consoleMerchant
	Users    []auth.User
	Created  *newCredentials
	Error    string
	Form     merchantForms
	Channels []string
}

// merchantForms are the merchant page's form values, kept when refused.
type merchantForms struct {
	Email, Channel, Fixed, BPS, Delay string
}

func (h *Handler) consoleMerchant(w http.ResponseWriter, r *Request) {
	h.showMerchant(w, r, http.StatusOK, r.PathValue("id"), merchantData{})
}

// findMerchant returns a merchant's summary; gateway.ErrNotFound when there
// is none.
func (h *Handler) findMerchant(ctx context.Context, id string) (MerchantSummary, error) {
	ms, err := h.opts.Data.ListMerchants(ctx)
	if err != nil {
		return MerchantSummary{}, err
	}
	for _, m := range ms {
		if m.ID == id {
			return m, nil
		}
	}
	return MerchantSummary{}, gateway.ErrNotFound
}

func (h *Handler) showMerchant(w http.ResponseWriter, r *Request, status int, id string, d merchantData) {
	m, err := h.findMerchant(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d.M, d.Channels = consoleMerchant{m}, channelCodes()
	if d.Form.Channel == "" {
		d.Form.Channel = "*"
	}
	if d.Form.Delay == "" {
		d.Form.Delay = delayText(m.SettlementDelay)
		if m.SettlementDelay == 0 {
			d.Form.Delay = "0s"
		}
	}
	if d.Users, err = h.opts.Users.ListUsers(r.Context(), m.ID); err != nil {
		h.failErr(w, r, err)
		return
	}
	h.render(w, r, status, "console_merchant", m.Name, "merchants", d)
}

// refuse re-renders a merchant's page with a form's error.
func (h *Handler) refuse(w http.ResponseWriter, r *Request, id string, f merchantForms, msg string) {
	h.showMerchant(w, r, http.StatusBadRequest, id, merchantData{Form: f, Error: msg})
}

func merchantURL(id string) string { return Base + "/console/merchants/" + url.PathEscape(id) }

// formFailed answers a refused change: the page with the message for a
// validation error, 404 for an unknown merchant, failErr otherwise.
func (h *Handler) formFailed(w http.ResponseWriter, r *Request, id string, f merchantForms, err error) {
	if gateway.KindOf(err) == gateway.KindNotFound || errors.Is(err, gateway.ErrNotFound) {
		h.notFound(w, r)
		return
	}
	if msg, ok := formError(err); ok {
		h.refuse(w, r, id, f, msg)
		return
	}
	h.failErr(w, r, err)
}

func (h *Handler) disableMerchant(w http.ResponseWriter, r *Request) { h.setMerchantApps(w, r, true) }
func (h *Handler) enableMerchant(w http.ResponseWriter, r *Request)  { h.setMerchantApps(w, r, false) }

// setMerchantApps disables or enables every app of a merchant. The API
// refuses a disabled app's requests (dialect A by appId, dialect B through
// the app its key acts for) as merchant unavailable; notifications of its
// orders already made are still delivered.
func (h *Handler) setMerchantApps(w http.ResponseWriter, r *Request, disabled bool) {
	id := r.PathValue("id")
	m, err := h.findMerchant(r.Context(), id)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	// The gateway validates an app's whole settings on update: check the
	// keys first so that a refusal changes no app rather than some.
	for _, a := range m.Apps {
		if a.Disabled == disabled {
			continue
		}
		if a.PublicKeyPEM == "" {
			continue // dialect B only: nothing to check
		}
		if _, err := gateway.ParsePublicKey(a.PublicKeyPEM); err != nil {
			h.refuse(w, r, id, merchantForms{}, "App "+a.AppID+" cannot be changed here: its public key is missing or invalid ("+err.Error()+"); set one from the merchant's Developers page first.")
			return
		}
	}
	changed := 0
	for _, a := range m.Apps {
		if a.Disabled == disabled {
			continue
		}
		a.Disabled = disabled
		if err := h.opts.Gateway.UpdateApp(r.Context(), a); err != nil {
			if changed > 0 {
				h.log.Error("dashboard: merchant apps partly changed", "merchantId", id, "changed", changed, "err", err)
			}
			h.formFailed(w, r, id, merchantForms{}, err)
			return
		}
		changed++
	}
	verb, effect := "Enabled", "the API accepts its requests again."
	if disabled {
		verb, effect = "Disabled", "the API refuses its requests (merchant unavailable)."
	}
	h.log.Info("dashboard: merchant apps "+strings.ToLower(verb), "merchantId", id, "apps", changed, "by", r.User.Email)
	msg := fmt.Sprintf("%s %d app(s) of %s: %s", verb, changed, m.Name, effect)
	if changed == 0 {
		msg = fmt.Sprintf("Every app of %s was already %s.", m.Name, strings.ToLower(verb))
	}
	h.redirect(w, r, merchantURL(id), msg)
}
