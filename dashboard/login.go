package dashboard

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/auth"
)

// loginData is the login page's.
type loginData struct {
	Email, Next, Token string
}

// loginPage shows the form with a fresh double-submit token: the same value
// in a cookie and in the form, since there is no session to hold one yet.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	h.showLogin(w, r, http.StatusOK, "", r.URL.Query().Get("next"), "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, status int, email, next, msg string) {
	token := randomToken()
	h.setCookie(w, r, loginCSRF, token, time.Hour)
	p := Page{Title: "Sign in", Error: msg, Data: loginData{Email: email, Next: safeNext(next), Token: token}}
	t := h.tmpl["login"]
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		h.log.Error("dashboard: render login", "err", err)
	}
}

// login checks the form and starts a session.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	email, next := strings.TrimSpace(r.PostFormValue("email")), r.PostFormValue("next")
	c, err := r.Cookie(loginCSRF)
	if err != nil || !h.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(c.Value), []byte(r.PostFormValue("csrf"))) != 1 {
		h.showLogin(w, r, http.StatusForbidden, email, next, "The sign-in form expired; please try again.")
		return
	}
	token, sess, _, err := h.opts.Auth.Login(r.Context(), email, r.PostFormValue("password"), h.clientIP(r))
	var many *auth.TooManyAttemptsError
	switch {
	case errors.As(err, &many):
		w.Header().Set("Retry-After", strconv.Itoa(int(many.RetryAfter.Seconds()+0.999)))
		h.showLogin(w, r, http.StatusTooManyRequests, email, next, "Too many failed sign-ins. Try again in "+many.RetryAfter.Round(time.Second).String()+".")
		return
	case errors.Is(err, auth.ErrBusy):
		w.Header().Set("Retry-After", "5")
		h.showLogin(w, r, http.StatusServiceUnavailable, email, next, "Too many sign-ins at once; try again in a few seconds.")
		return
	case errors.Is(err, auth.ErrBadCredentials):
		h.showLogin(w, r, http.StatusUnauthorized, email, next, "Wrong email or password.")
		return
	case err != nil:
		h.log.Error("dashboard: login", "err", err)
		h.showLogin(w, r, http.StatusServiceUnavailable, email, next, "Signing in is not possible right now; try again shortly.")
		return
	}
	h.clearCookie(w, r, loginCSRF)
	h.setCookie(w, r, sessionCookie, token, time.Until(sess.ExpiresAt))
	to := safeNext(next)
	if to == "" {
		to = Base + "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (h *Handler) logout(w http.ResponseWriter, r *Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := h.opts.Auth.Logout(r.Context(), c.Value); err != nil {
			h.log.Warn("dashboard: logout", "err", err)
		}
	}
	h.clearCookie(w, r.Request, sessionCookie)
	http.Redirect(w, r.Request, Base+"/login", http.StatusSeeOther)
}

// safeNext keeps a post-login redirect on the dashboard.
func safeNext(next string) string {
	if !strings.HasPrefix(next, Base+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n") {
		return ""
	}
	return next
}

// clientIP is the address failed sign-ins are counted against: the peer's,
// or, when the peer is a trusted proxy, the last address in
// X-Forwarded-For that is not one (the proxies append to it, so what comes
// before that address is the client's own say and is not believed).
func (h *Handler) clientIP(r *http.Request) string {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	addr := peer.Addr().Unmap()
	if !h.trusted(addr) {
		return addr.String()
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := addr
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop: trust nothing before it
		}
		if client = a.Unmap(); !h.trusted(client) {
			break
		}
	}
	// The first hop that is not a trusted proxy, or the outermost one when
	// every hop is (a client inside the proxies' own network).
	return client.String()
}

func (h *Handler) trusted(a netip.Addr) bool {
	for _, p := range h.opts.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

func randomToken() string {
	var b [24]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}
