// Package dashboard serves the merchant portal and the operator console:
// server-rendered pages (html/template, embedded in the binary) with a
// little JavaScript, under /dashboard/ on the gateway's own listener.
//
// It is an adapter like the API dialects: what it changes goes through the
// gateway core (refunds, merchants, fees) or the notify package (resend);
// what it shows comes from the stores. A merchant user's requests are
// scoped to its merchant on the server, whatever the URL says.
package dashboard

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/notify"
	"github.com/kasir-gateway/kasir/reports"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Base is where the dashboard is mounted.
const Base = "/dashboard"

const (
	sessionCookie = "kasir_session"
	loginCSRF     = "kasir_login_csrf" // double-submit token of the login form
	flashCookie   = "kasir_flash"
)

// Data is everything the pages read: the gateway's store, the outbox, the
// dashboard's own queries and the reports' source.
type Data interface {
	gateway.Store
	gateway.RefundReader
	gateway.StaticReader
	notify.Store
	Store
	reports.Store
}

// Simulator is the sandbox's hand on the simulated channel.
type Simulator interface {
	Pay(ctx context.Context, transactionID string, amount int64) (string, error)
	// Decide completes a payout (failedCode 0) or fails it with the code.
	Decide(ctx context.Context, transactionID string, failedCode int) error
}

// Options are New's settings.
type Options struct {
	Gateway *gateway.Gateway
	Data    Data
	Auth    *auth.Service
	Users   auth.Store
	Sim     Simulator // nil outside sandbox mode: the simulator's buttons are not offered
	// Routes describes the channels and where they go, for the console.
	Routes func() []RouteInfo
	// PlatformKeyPEM is the platform's public key, which signs
	// notifications, for merchants to download.
	PlatformKeyPEM []byte
	// SecureCookies marks cookies Secure even on plain HTTP requests (set it
	// behind a TLS-terminating proxy); requests that came over TLS get
	// Secure cookies anyway.
	SecureCookies bool
	// PublicURL is the gateway's address as browsers reach it (serve's
	// --public-url): a form's Origin may be its host as well as the
	// request's Host, which a proxy in front may have rewritten.
	PublicURL string
	// TrustedProxies are the addresses of proxies in front whose
	// X-Forwarded-For names the client, for the sign-in limit per address.
	TrustedProxies []netip.Prefix
	Logger         *slog.Logger
	Clock          gateway.Clock
}

// RouteInfo is one channel route as the console shows it.
type RouteInfo struct {
	Channel    string   // a channel code, a prefix like PE_*, or *
	Connectors []string // tried in order
}

// Handler serves the dashboard.
type Handler struct {
	opts Options
	log  *slog.Logger
	tmpl map[string]*template.Template // page name -> layout + page
	mux  *http.ServeMux

	console consoleState
}

// New parses the templates and registers the pages.
func New(opts Options) (*Handler, error) {
	h := &Handler{opts: opts, log: opts.Logger, mux: http.NewServeMux()}
	if h.log == nil {
		h.log = slog.Default()
	}
	if h.opts.Clock == nil {
		h.opts.Clock = gateway.SystemClock{}
	}
	if err := h.parseTemplates(); err != nil {
		return nil, err
	}
	static, _ := fs.Sub(staticFS, "static")
	h.mux.Handle("GET "+Base+"/static/", http.StripPrefix(Base+"/static/", http.FileServerFS(static)))
	h.mux.HandleFunc("GET "+Base+"/login", h.loginPage)
	h.mux.HandleFunc("POST "+Base+"/login", h.login)
	h.mux.HandleFunc("POST "+Base+"/logout", h.user(h.logout))
	h.mux.HandleFunc("GET "+Base+"/{$}", h.user(h.home))
	h.registerPortal()
	h.registerConsole()
	return h, nil
}

// parseTemplates pairs the layout with each page template.
func (h *Handler) parseTemplates() error {
	names, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	h.tmpl = map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(strings.TrimPrefix(n, "templates/"), ".html")
		if base == "layout" || base == "partials" {
			continue
		}
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", n)
		if err != nil {
			return err
		}
		h.tmpl[base] = t
	}
	return nil
}

// ServeHTTP serves the pages with headers that keep them out of frames and
// off other origins' scripts.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "same-origin")
	if !strings.HasPrefix(r.URL.Path, Base+"/static/") {
		hd.Set("Cache-Control", "no-store")
	}
	h.mux.ServeHTTP(w, r)
}

// Request is a signed-in request.
type Request struct {
	*http.Request
	User    auth.User
	Session auth.Session
}

// Operator reports whether the user is an operator.
func (r *Request) Operator() bool { return r.User.Role == auth.RoleOperator }

// MerchantScope is the merchant whose data the request may see: a merchant
// user's own, whatever asked; for operators the one asked for (may be "",
// all merchants).
func (r *Request) MerchantScope(asked string) string {
	if r.Operator() {
		return asked
	}
	return r.User.MerchantID
}

// Owns reports whether the user may see an object of merchantID.
func (r *Request) Owns(merchantID string) bool {
	return r.Operator() || (merchantID != "" && merchantID == r.User.MerchantID)
}

type handlerFunc func(w http.ResponseWriter, r *Request)

// user wraps a page that needs a signed-in user; POSTs must carry the
// session's CSRF token and come from this origin.
func (h *Handler) user(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			h.toLogin(w, r)
			return
		}
		u, sess, err := h.opts.Auth.Authenticate(r.Context(), c.Value)
		if errors.Is(err, auth.ErrNoSession) {
			h.clearCookie(w, r, sessionCookie)
			h.toLogin(w, r)
			return
		}
		if err != nil {
			h.fail(w, r, nil, http.StatusServiceUnavailable, "The dashboard cannot reach its database; try again shortly.")
			return
		}
		req := &Request{Request: r, User: u, Session: sess}
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			r.Body = http.MaxBytesReader(w, r.Body, 1<<20) // forms and key uploads are small
			if !h.sameOrigin(r) || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(sess.CSRF)) != 1 {
				h.fail(w, r, req, http.StatusForbidden, "This form has expired or did not come from this dashboard. Reload the page and try again.")
				return
			}
		}
		fn(w, req)
	}
}

// operator wraps a page only operators may open.
func (h *Handler) operator(fn handlerFunc) http.HandlerFunc {
	return h.user(func(w http.ResponseWriter, r *Request) {
		if !r.Operator() {
			h.fail(w, r.Request, r, http.StatusForbidden, "This page is for operators.")
			return
		}
		fn(w, r)
	})
}

// sameOrigin rejects cross-site form posts: Origin, when the browser sends
// it, must be this host or the public URL's; Sec-Fetch-Site must not be
// cross-site.
func (h *Handler) sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site == "cross-site" || site == "same-site" {
		return false
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return origin == ""
	}
	u, err := url.Parse(origin)
	if err != nil {
		return false
	}
	if u.Host == r.Host {
		return true
	}
	pub, err := url.Parse(h.opts.PublicURL)
	return h.opts.PublicURL != "" && err == nil && strings.EqualFold(u.Scheme+"://"+u.Host, pub.Scheme+"://"+pub.Host)
}

func (h *Handler) toLogin(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "not signed in", http.StatusUnauthorized)
		return
	}
	http.Redirect(w, r, Base+"/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
}

// home sends operators to the console and merchant users to their orders.
func (h *Handler) home(w http.ResponseWriter, r *Request) {
	if r.Operator() {
		http.Redirect(w, r.Request, Base+"/console", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r.Request, Base+"/orders", http.StatusSeeOther)
}

// Page is what every template gets: the user, the CSRF token for its forms,
// the flash message, and the page's own data as .Data.
type Page struct {
	Title   string
	User    auth.User
	CSRF    string
	Flash   string
	Error   string
	Sandbox bool
	Nav     string // the section to highlight
	Data    any
}

// render writes a page with the layout; status 200 unless set.
func (h *Handler) render(w http.ResponseWriter, r *Request, status int, name, title, nav string, data any) {
	t, ok := h.tmpl[name]
	if !ok {
		h.log.Error("dashboard: no template", "name", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	p := Page{Title: title, Nav: nav, Data: data, Sandbox: h.opts.Sim != nil}
	if r != nil {
		p.User, p.CSRF = r.User, r.Session.CSRF
		p.Flash = h.takeFlash(w, r.Request)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status != 0 {
		w.WriteHeader(status)
	}
	if err := t.ExecuteTemplate(w, "layout.html", p); err != nil {
		h.log.Error("dashboard: render", "page", name, "err", err)
	}
}

// fail renders the error page.
func (h *Handler) fail(w http.ResponseWriter, _ *http.Request, r *Request, status int, msg string) {
	h.render(w, r, status, "error", http.StatusText(status), "", msg)
}

// failErr renders err: a domain error's message as it stands, a missing
// object as 404, anything else as a logged 500.
func (h *Handler) failErr(w http.ResponseWriter, r *Request, err error) {
	var ge *gateway.Error
	switch {
	case errors.Is(err, gateway.ErrNotFound):
		h.fail(w, r.Request, r, http.StatusNotFound, "Not found.")
	case errors.As(err, &ge):
		h.fail(w, r.Request, r, http.StatusBadRequest, ge.Error())
	case errors.Is(err, gateway.ErrUnavailable):
		h.fail(w, r.Request, r, http.StatusServiceUnavailable, "The database is unavailable; try again shortly.")
	default:
		h.log.Error("dashboard", "path", r.URL.Path, "err", err)
		h.fail(w, r.Request, r, http.StatusInternalServerError, "Something went wrong; it has been logged.")
	}
}

// redirect answers a form post with a redirect to a page (POST, redirect,
// GET) that shows msg once.
func (h *Handler) redirect(w http.ResponseWriter, r *Request, to, msg string) {
	if msg != "" {
		h.setCookie(w, r.Request, flashCookie, url.QueryEscape(msg), 60*time.Second)
	}
	http.Redirect(w, r.Request, to, http.StatusSeeOther)
}

func (h *Handler) takeFlash(w http.ResponseWriter, r *http.Request) string {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return ""
	}
	h.clearCookie(w, r, flashCookie)
	msg, _ := url.QueryUnescape(c.Value)
	return msg
}

func (h *Handler) setCookie(w http.ResponseWriter, r *http.Request, name, value string, ttl time.Duration) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: value, Path: Base + "/", MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: h.opts.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}

func (h *Handler) clearCookie(w http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: Base + "/", MaxAge: -1,
		HttpOnly: true, Secure: h.opts.SecureCookies || r.TLS != nil, SameSite: http.SameSiteLaxMode})
}
