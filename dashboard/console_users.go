package dashboard

import (
	"net/http"
	"strings"

	"github.com/kasir-gateway/kasir/auth"
)

// The merchant page's dashboard users: creating, disabling, enabling.

// createMerchantUser creates a dashboard user of the merchant.
func (h *Handler) createMerchantUser(w http.ResponseWriter, r *Request) {
	id := r.PathValue("id")
	if _, err := h.opts.Data.GetMerchant(r.Context(), id); err != nil {
		h.failErr(w, r, err)
		return
	}
	f := merchantForms{Email: strings.TrimSpace(r.PostFormValue("email"))}
	u, err := h.opts.Auth.CreateUser(r.Context(), f.Email, r.PostFormValue("password"), auth.RoleMerchant, id)
	if err != nil {
		if msg, ok := formError(err); ok {
			h.refuse(w, r, id, f, msg)
			return
		}
		h.failErr(w, r, err)
		return
	}
	h.log.Info("dashboard: user created", "userId", u.ID, "merchantId", id, "by", r.User.Email)
	h.redirect(w, r, merchantURL(id)+"#merchant-users", "User "+u.Email+" created; they can sign in now and see this merchant only.")
}

func (h *Handler) disableUser(w http.ResponseWriter, r *Request) { h.setUserDisabled(w, r, true) }
func (h *Handler) enableUser(w http.ResponseWriter, r *Request)  { h.setUserDisabled(w, r, false) }

// setUserDisabled disables a user (their sessions stop working at once) or
// enables one again. Operators cannot disable themselves.
func (h *Handler) setUserDisabled(w http.ResponseWriter, r *Request, disabled bool) {
	u, err := h.opts.Users.UserByID(r.Context(), r.PathValue("id"))
	if err != nil {
		h.failErr(w, r, err)
		return
	}
	back := Base + "/console/merchants"
	if u.MerchantID != "" {
		back = merchantURL(u.MerchantID) + "#merchant-users"
	}
	if disabled && u.ID == r.User.ID {
		h.redirect(w, r, back, "You cannot disable your own account.")
		return
	}
	if err := h.opts.Users.SetUserDisabled(r.Context(), u.ID, disabled); err != nil {
		h.failErr(w, r, err)
		return
	}
	action, effect := "enabled", "they can sign in again."
	if disabled {
		action, effect = "disabled", "their sessions have ended."
	}
	h.log.Info("dashboard: user "+action, "userId", u.ID, "by", r.User.Email)
	h.redirect(w, r, back, "User "+u.Email+" "+action+"; "+effect)
}
