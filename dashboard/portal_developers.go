package dashboard

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// developersData is the developers page's.
type developersData struct {
	merchantChoice
	Info gateway.Merchant
	Apps []gateway.App
	// The public key form's input and error, for the app it was about.
	KeyApp, KeyPEM, KeyError string
	// NewKey is a just-issued dialect B apiKey, shown on this page once.
	NewKey string
	Graces []graceOption
}

// graceOption is how long replaced apiKeys keep working.
type graceOption struct {
	Value, Label string
	D            time.Duration
}

var graces = []graceOption{
	{"0", "Stop the old keys now", 0},
	{"1h", "1 hour", time.Hour},
	{"24h", "24 hours", 24 * time.Hour},
	{"168h", "7 days", 7 * 24 * time.Hour},
}

// maxKeyFile bounds an uploaded public key file; a 4096-bit key's PEM is
// under 1 KB.
const maxKeyFile = 16 << 10

// developers shows a merchant's apps, their public keys and its dialect B
// credentials. Operators choose the merchant with ?merchant=.
func (h *Handler) developers(w http.ResponseWriter, r *Request) {
	c, err := h.merchantChoice(r)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	h.showDevelopers(w, r, http.StatusOK, developersData{merchantChoice: c})
}

// showDevelopers renders the page for d.Merchant ("" for an operator who
// has not chosen one yet).
func (h *Handler) showDevelopers(w http.ResponseWriter, r *Request, status int, d developersData) {
	d.Graces = graces
	var err error
	if d.Operator && d.Merchants == nil {
		if d.Merchants, err = h.opts.Data.ListMerchants(r.Context()); err != nil {
			h.failErr(w, r, err)
			return
		}
	}
	if d.Merchant != "" {
		if d.Info, err = h.opts.Data.GetMerchant(r.Context(), d.Merchant); err != nil {
			h.failErr(w, r, err)
			return
		}
		if d.Apps, err = h.opts.Data.ListApps(r.Context(), d.Merchant); err != nil {
			h.failErr(w, r, err)
			return
		}
	}
	h.render(w, r, status, "portal_developers", "Developers", "developers", d)
}

// developersURL is the page of a merchant, as the user addresses it.
func developersURL(r *Request, merchantID string) string {
	if r.Operator() {
		return Base + "/developers?merchant=" + url.QueryEscape(merchantID)
	}
	return Base + "/developers"
}

// replacePublicKey replaces an app's public key with a pasted or uploaded
// PEM. A key the gateway refuses changes nothing and is shown back with
// the reason.
func (h *Handler) replacePublicKey(w http.ResponseWriter, r *Request) {
	app, err := h.opts.Data.GetApp(r.Context(), strings.TrimSpace(r.PostFormValue("app")))
	if err == nil && !r.Owns(app.MerchantID) {
		err = gateway.ErrNotFound
	}
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	pemText, msg := readKeyForm(r)
	if msg == "" {
		if _, err := gateway.ParsePublicKey(pemText); err != nil {
			msg = keyError(err)
		}
	}
	if msg == "" {
		app.PublicKeyPEM = pemText
		if err := h.opts.Gateway.UpdateApp(r.Context(), app); err != nil {
			var ge *gateway.Error
			if !errors.As(err, &ge) {
				h.failErr(w, r, err)
				return
			}
			msg = keyError(err)
		}
	}
	if msg != "" {
		d := developersData{merchantChoice: merchantChoice{Operator: r.Operator(), Merchant: app.MerchantID},
			KeyApp: app.AppID, KeyPEM: pemText, KeyError: msg}
		h.showDevelopers(w, r, http.StatusBadRequest, d)
		return
	}
	h.redirect(w, r, developersURL(r, app.MerchantID), "The public key of app "+app.AppID+" was replaced; its fingerprint is "+fingerprint(pemText)+".")
}

// readKeyForm returns the key from the uploaded file, or else the text
// area; the message says what is wrong, "" when there is a key to check.
func readKeyForm(r *Request) (string, string) {
	text := r.PostFormValue("pem")
	if f, _, err := r.FormFile("pemfile"); err == nil {
		defer f.Close()
		b, err := io.ReadAll(io.LimitReader(f, maxKeyFile+1))
		if err != nil {
			return "", "Public key file: cannot be read."
		}
		if len(b) > maxKeyFile {
			return "", "Public key file: too large for a public key (at most 16 KB)."
		}
		if strings.TrimSpace(string(b)) != "" {
			text = string(b)
		}
	}
	text = strings.TrimSpace(text)
	if text == "" {
		return "", "Public key: paste a PEM public key or choose a .pem file."
	}
	return text + "\n", ""
}

// keyError words the gateway's refusal of a key or app setting.
func keyError(err error) string {
	var ge *gateway.Error
	if errors.As(err, &ge) && ge.Field == "publicKey" {
		return "Public key: " + ge.Message + ". Paste an RSA public key of 2048 to 4096 bits, from -----BEGIN PUBLIC KEY----- to -----END PUBLIC KEY-----."
	}
	if errors.As(err, &ge) {
		return "The app's settings were refused: " + ge.Error()
	}
	return err.Error()
}

// issueAPIKey gives the merchant a new dialect B apiKey and shows it on the
// page it answers with, once: it is not kept anywhere it could be shown
// again (the flash cookie included).
func (h *Handler) issueAPIKey(w http.ResponseWriter, r *Request) {
	merchantID := r.MerchantScope(strings.TrimSpace(r.PostFormValue("merchant")))
	if merchantID == "" {
		h.fail(w, r.Request, r, http.StatusBadRequest, "Merchant: choose the merchant to issue an apiKey for.")
		return
	}
	if _, err := h.opts.Data.GetMerchant(r.Context(), merchantID); err != nil {
		h.failErr(w, r, err)
		return
	}
	grace, ok := time.Duration(0), false
	for _, g := range graces {
		if g.Value == r.PostFormValue("grace") {
			grace, ok = g.D, true
		}
	}
	if !ok {
		h.fail(w, r.Request, r, http.StatusBadRequest, "Grace period: choose one of the periods offered.")
		return
	}
	_, key, err := h.opts.Gateway.IssueAPIKey(r.Context(), merchantID, grace)
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	d := developersData{merchantChoice: merchantChoice{Operator: r.Operator(), Merchant: merchantID}, NewKey: key}
	h.showDevelopers(w, r, http.StatusOK, d)
}

// platformKey serves the platform's public key, with which merchants
// verify the gateway's signed responses and notifications.
func (h *Handler) platformKey(w http.ResponseWriter, r *Request) {
	if len(h.opts.PlatformKeyPEM) == 0 {
		h.fail(w, r.Request, r, http.StatusNotFound, "This gateway was started without a platform key to show; operators print it with kasir keys platform.")
		return
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="kasir-platform-public-key.pem"`)
	w.Write(h.opts.PlatformKeyPEM)
}
