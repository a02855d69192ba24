// The harness is in package dashboard_test: it imports store/storetest,
// whose dashboard suite imports this package, so a test in package
// dashboard that used it would be an import cycle. Tests that use the
// harness are in package dashboard_test and reach the handler through its
// exported API (New, Options, Base); tests of unexported helpers (charts,
// funcs) stay in package dashboard and do not import storetest.
package dashboard_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/channel/sim"
	. "github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// The dashboard's tests run the real handler over a real store (both
// engines), a real gateway and the simulator, through an HTTP client that
// keeps cookies like a browser.

var (
	keyOnce sync.Once
	testPEM string
)

func merchantPEM() string {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
		testPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
	})
	return testPEM
}

// env is one dashboard on a fresh database with one funded merchant.
type env struct {
	ctx   context.Context
	store storetest.Store
	data  Data
	gw    *gateway.Gateway
	sim   *sim.Sim
	auth  *auth.Service
	users auth.Store
	h     *Handler
	srv   *httptest.Server
	app   gateway.App // the first merchant's app, funded with PHP 1,000.00, fee 10.00 + 1%
}

// forEngine runs f as a parallel subtest on PostgreSQL and on SQLite.
func forEngine(t *testing.T, f func(t *testing.T, e *env)) {
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			f(t, setup(t, eng))
		})
	}
}

func setup(t *testing.T, eng storetest.Engine) *env {
	t.Helper()
	ctx := context.Background()
	s := eng.Open(t)
	data, ok := s.(Data)
	if !ok {
		t.Fatalf("the %s store does not implement dashboard.Data", eng.Name)
	}
	users, ok := s.(auth.Store)
	if !ok {
		t.Fatalf("the %s store does not implement auth.Store", eng.Name)
	}
	log := slog.New(slog.DiscardHandler)
	sm := sim.New(s, sim.Options{Delay: time.Hour})
	gw, err := gateway.New(ctx, s, sm, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sm.SetResults(gw)
	e := &env{ctx: ctx, store: s, data: data, gw: gw, sim: sm, users: users,
		auth: auth.New(users, auth.Options{Logger: log})}
	e.app = e.merchant(t, "Sari-Sari Store")
	e.h, err = New(Options{Gateway: gw, Data: data, Auth: e.auth, Users: users, Sim: sm, Logger: log,
		Routes: func() []RouteInfo { return []RouteInfo{{Channel: "*", Connectors: []string{"sim"}}} }})
	if err != nil {
		t.Fatal(err)
	}
	e.srv = httptest.NewServer(e.h)
	t.Cleanup(e.srv.Close)
	return e
}

// merchant creates a merchant funded with PHP 1,000.00 whose fee is 10.00 + 1%.
func (e *env) merchant(t *testing.T, name string) gateway.App {
	t.Helper()
	_, app, err := e.gw.CreateMerchant(e.ctx, gateway.NewMerchant{Name: name, PublicKeyPEM: merchantPEM(),
		NotifyURL: "http://127.0.0.1:1/notify"})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.gw.SetFee(e.ctx, gateway.Fee{MerchantID: app.MerchantID, Channel: "*", Fixed: 1000, BPS: 100}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.gw.CreditBalance(e.ctx, app.MerchantID, "PHP", 100_000); err != nil {
		t.Fatal(err)
	}
	return app
}

const testPassword = "correct horse battery"

// user creates a user; merchantID is "" for operators.
func (e *env) user(t *testing.T, email string, role auth.Role, merchantID string) auth.User {
	t.Helper()
	u, err := e.auth.CreateUser(e.ctx, email, testPassword, role, merchantID)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// browser is an HTTP client with a cookie jar, signed in or not.
type browser struct {
	t    *testing.T
	e    *env
	c    *http.Client
	csrf string // the last page's form token
}

func (e *env) browser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// login signs in through the form and fails the test unless it worked.
func (e *env) login(t *testing.T, email string) *browser {
	t.Helper()
	b := e.browser(t)
	b.get(Base + "/login")
	status, body := b.post(Base+"/login", url.Values{"email": {email}, "password": {testPassword}})
	if status != http.StatusOK || strings.Contains(body, `action="/dashboard/login"`) {
		t.Fatalf("login as %s: status %d, page:\n%s", email, status, body)
	}
	return b
}

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// get fetches a page (following redirects) and keeps its form token.
func (b *browser) get(path string) (int, string) {
	b.t.Helper()
	resp, err := b.c.Get(b.e.srv.URL + path)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

// post submits a form with the last page's token (unless form has one),
// as the browser would from this origin, following the redirect.
func (b *browser) post(path string, form url.Values) (int, string) {
	b.t.Helper()
	if form.Get("csrf") == "" && b.csrf != "" {
		form.Set("csrf", b.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) (int, string) {
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	if m := csrfField.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp.StatusCode, string(body)
}
