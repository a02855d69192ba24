package dashboard_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/auth"
	. "github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
)

// consoleOperator signs in a new operator.
func consoleOperator(t *testing.T, e *env) *browser {
	t.Helper()
	e.user(t, "ops@kasir.test", auth.RoleOperator, "")
	return e.login(t, "ops@kasir.test")
}

// consoleMerchants returns the merchants by name.
func consoleMerchants(t *testing.T, e *env) map[string]MerchantSummary {
	t.Helper()
	ms, err := e.data.ListMerchants(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]MerchantSummary{}
	for _, m := range ms {
		out[m.Name] = m
	}
	return out
}

// consolePostRaw posts a form as it stands: no CSRF token is added.
func consolePostRaw(t *testing.T, b *browser, path string, form url.Values) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.srv.URL)
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestConsoleForbiddenToMerchantUsers(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		e.user(t, "shop@kasir.test", auth.RoleMerchant, e.app.MerchantID)
		b := e.login(t, "shop@kasir.test")
		id := e.app.MerchantID
		for _, path := range []string{"/console", "/console/merchants", "/console/merchants/" + id, "/console/channels", "/console/outbox"} {
			if status, body := b.get(Base + path); status != http.StatusForbidden || strings.Contains(body, e.app.AppID) {
				t.Errorf("GET %s as a merchant user: %d, want 403 without the data", path, status)
			}
		}
		before := consoleMerchants(t, e)
		b.get(Base + "/orders") // a page of the user's own, for a valid CSRF token
		posts := map[string]url.Values{
			"/console/merchants":                       {"name": {"Sneaky"}},
			"/console/merchants/" + id + "/disable":    {},
			"/console/merchants/" + id + "/enable":     {},
			"/console/merchants/" + id + "/fee":        {"channel": {"*"}, "fixed": {"0"}, "bps": {"0"}},
			"/console/merchants/" + id + "/settlement": {"delay": {"1h"}},
			"/console/merchants/" + id + "/users":      {"email": {"mole@kasir.test"}, "password": {testPassword}},
			"/console/ledger-check":                    {},
			"/console/sim/pay":                         {"transaction_id": {"C1"}},
			"/console/sim/complete":                    {"transaction_id": {"P1"}},
			"/console/sim/fail":                        {"transaction_id": {"P1"}},
		}
		users, _ := e.users.ListUsers(e.ctx, "")
		for path, form := range posts {
			if status, _ := b.post(Base+path, form); status != http.StatusForbidden {
				t.Errorf("POST %s as a merchant user: %d, want 403", path, status)
			}
		}
		// Nothing changed: no merchant, no fee, no delay, no user.
		after := consoleMerchants(t, e)
		if len(after) != len(before) {
			t.Errorf("merchants: %d before, %d after", len(before), len(after))
		}
		m := after["Sari-Sari Store"]
		if m.Merchant.SettlementDelay != 0 || len(m.Fees) != 1 || m.Fees[0].Fixed != 1000 || m.Apps[0].Disabled {
			t.Errorf("the merchant changed: %+v", m)
		}
		if got, _ := e.users.ListUsers(e.ctx, ""); len(got) != len(users) {
			t.Errorf("users: %d before, %d after", len(users), len(got))
		}
		// The ledger check did not run either.
		if _, body := consoleOperator(t, e).get(Base + "/console"); !strings.Contains(body, `data-status="none"`) {
			t.Error("the ledger check ran for a merchant user")
		}
	})
}

var newAppID = regexp.MustCompile(`id="new-app-id">([0-9a-f]+)<`)

func TestConsoleCreateMerchant(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		b.get(Base + "/console/merchants")
		status, body := b.post(Base+"/console/merchants", url.Values{"name": {"Toko <Budi>"}, "notify_url": {"https://budi.example/notify"},
			"public_key": {strings.ReplaceAll(merchantPEM(), "\n", "\r\n")}})
		if status != http.StatusOK {
			t.Fatalf("create: %d\n%s", status, body)
		}
		m, ok := consoleMerchants(t, e)["Toko <Budi>"]
		if !ok || len(m.Apps) != 1 {
			t.Fatalf("the merchant is not listed with one app: %+v", m)
		}
		app := m.Apps[0]
		if got := newAppID.FindStringSubmatch(body); got == nil || got[1] != app.AppID {
			t.Errorf("the page shows appId %v, want %s", got, app.AppID)
		}
		if app.NotifyURL != "https://budi.example/notify" || !strings.Contains(app.PublicKeyPEM, "\nMII") || strings.Contains(app.PublicKeyPEM, "\r") {
			t.Errorf("app stored as %+v", app)
		}
		if !strings.Contains(body, "Toko &lt;Budi&gt;") || strings.Contains(body, "Toko <Budi>") {
			t.Error("the name is not escaped on the page")
		}
		// The dialect B apiKey was issued, shown this once, and works.
		if m.No == 0 || !strings.Contains(body, `id="new-api-key"`) {
			t.Fatalf("no dialect B number or key: no %d", m.No)
		}
		cred, err := e.gw.Credential(e.ctx, m.No)
		if err != nil || len(cred.Keys) != 1 || !strings.Contains(body, ">"+cred.Keys[0]+"<") {
			t.Errorf("credential %+v, %v; the page does not show its key", cred, err)
		}
		if _, again := b.get(Base + "/console/merchants/" + m.ID); strings.Contains(again, cred.Keys[0]) {
			t.Error("the apiKey is shown again")
		}
		if _, list := b.get(Base + "/console/merchants"); !strings.Contains(list, `data-merchant="`+m.ID+`"`) {
			t.Error("the merchants page does not list the new merchant")
		}
	})
}

func TestConsoleCreateMerchantInvalid(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		b.get(Base + "/console/merchants")
		for name, tc := range map[string]struct {
			form url.Values
			msg  string
		}{
			"BadKey":    {url.Values{"name": {"Bad Key Ltd"}, "public_key": {"-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"}}, "Public key:"},
			"NotPEM":    {url.Values{"name": {"Bad Key Ltd"}, "public_key": {"ssh-rsa AAAA"}}, "Public key: is not PEM"},
			"EmptyName": {url.Values{"name": {"  "}, "public_key": {merchantPEM()}}, "Name: is required"},
			"BadURL":    {url.Values{"name": {"Bad URL Ltd"}, "notify_url": {"ftp://x"}}, "Notify URL:"},
		} {
			status, body := b.post(Base+"/console/merchants", tc.form)
			if status != http.StatusBadRequest || !strings.Contains(body, tc.msg) || !strings.Contains(body, `id="form-error"`) {
				t.Errorf("%s: %d, want 400 with %q", name, status, tc.msg)
			}
			if name != "EmptyName" && !strings.Contains(body, `value="`+tc.form.Get("name")+`"`) {
				t.Errorf("%s: the form lost its values", name)
			}
		}
		if ms := consoleMerchants(t, e); len(ms) != 1 {
			t.Errorf("%d merchants after refused forms, want 1", len(ms))
		}
	})
}

func TestConsoleFeeAndSettlement(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		id := e.app.MerchantID
		page := Base + "/console/merchants/" + id
		b.get(page)
		if status, body := b.post(page+"/fee", url.Values{"channel": {"GCASH"}, "fixed": {"500"}, "bps": {"250"}}); status != http.StatusOK || !strings.Contains(body, "Fee for GCASH set") {
			t.Fatalf("set fee: %d", status)
		}
		if f, err := e.data.FindFee(e.ctx, id, "GCASH"); err != nil || f.Fixed != 500 || f.BPS != 250 {
			t.Errorf("GCASH fee %+v, %v; want 500 + 250 bps", f, err)
		}
		if f, _ := e.data.FindFee(e.ctx, id, "BDO"); f.Fixed != 1000 || f.BPS != 100 {
			t.Errorf("the default fee changed: %+v", f)
		}
		// The gateway prices with it at once.
		p, err := e.gw.CreatePayout(e.ctx, e.app, gateway.PayoutRequest{MchOrderID: "FEE-1", CountryCode: "PH", Currency: "PHP", Amount: 10_000,
			PayMethod: gateway.MethodEWallet, TransferCode: "GCASH", AccountNo: "09171234567", AccountName: "Juan"})
		if err != nil || p.Fee != 500+250 {
			t.Errorf("payout fee %d, %v; want 750", p.Fee, err)
		}
		for name, form := range map[string]url.Values{
			"UnknownChannel": {"channel": {"NOPE"}, "fixed": {"1"}, "bps": {"1"}},
			"Decimal":        {"channel": {"GCASH"}, "fixed": {"1.5"}, "bps": {"1"}},
			"Negative":       {"channel": {"GCASH"}, "fixed": {"-1"}, "bps": {"1"}},
			"TooManyBPS":     {"channel": {"GCASH"}, "fixed": {"1"}, "bps": {"10001"}},
		} {
			if status, body := b.post(page+"/fee", form); status != http.StatusBadRequest || !strings.Contains(body, `id="form-error"`) {
				t.Errorf("%s: %d, want 400 with an error", name, status)
			}
		}
		if f, _ := e.data.FindFee(e.ctx, id, "GCASH"); f.Fixed != 500 || f.BPS != 250 {
			t.Errorf("a refused form changed the fee: %+v", f)
		}

		if status, _ := b.post(page+"/settlement", url.Values{"delay": {"48h"}}); status != http.StatusOK {
			t.Fatalf("settlement: %d", status)
		}
		if m, err := e.data.GetMerchant(e.ctx, id); err != nil || m.SettlementDelay != 48*time.Hour {
			t.Errorf("settlement delay %v, %v; want 48h", m.SettlementDelay, err)
		}
		for _, bad := range []string{"soon", "-1h", "2400h", ""} {
			if status, _ := b.post(page+"/settlement", url.Values{"delay": {bad}}); status != http.StatusBadRequest {
				t.Errorf("delay %q: %d, want 400", bad, status)
			}
		}
		if m, _ := e.data.GetMerchant(e.ctx, id); m.SettlementDelay != 48*time.Hour {
			t.Errorf("a refused delay changed it to %v", m.SettlementDelay)
		}
		if status, _ := b.post(Base+"/console/merchants/M404/fee", url.Values{"channel": {"*"}, "fixed": {"1"}, "bps": {"1"}}); status != http.StatusNotFound {
			t.Errorf("fee of an unknown merchant: %d, want 404", status)
		}
	})
}

func TestConsoleDisableAndEnableMerchant(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := consoleOperator(t, e)
		page := Base + "/console/merchants/" + e.app.MerchantID
		b.get(page)
		status, body := b.post(page+"/disable", url.Values{})
		if status != http.StatusOK || !strings.Contains(body, "Disabled 1 app(s)") || !strings.Contains(body, `id="enable-merchant"`) {
			t.Fatalf("disable: %d", status)
		}
		if app, err := e.data.GetApp(e.ctx, e.app.AppID); err != nil || !app.Disabled {
			t.Errorf("app after disable: %+v, %v", app, err)
		}
		if _, err := e.gw.App(e.ctx, e.app.AppID); gateway.KindOf(err) != gateway.KindMerchantUnavailable {
			t.Errorf("the gateway serves the disabled app: %v", err)
		}
		if status, _ := b.post(page+"/enable", url.Values{}); status != http.StatusOK {
			t.Fatalf("enable: %d", status)
		}
		if app, err := e.data.GetApp(e.ctx, e.app.AppID); err != nil || app.Disabled {
			t.Errorf("app after enable: %+v, %v", app, err)
		}
		if _, err := e.gw.App(e.ctx, e.app.AppID); err != nil {
			t.Errorf("the gateway refuses the enabled app: %v", err)
		}

		// A dialect B merchant's app has no public key: it is disabled and
		// enabled like any other.
		_, keyless, err := e.gw.CreateMerchant(e.ctx, gateway.NewMerchant{Name: "Dialect B Only"})
		if err != nil {
			t.Fatal(err)
		}
		page = Base + "/console/merchants/" + keyless.MerchantID
		b.get(page)
		if status, body := b.post(page+"/disable", url.Values{}); status != http.StatusOK || !strings.Contains(body, "Disabled 1 app") {
			t.Errorf("disable a keyless merchant: %d", status)
		}
		if app, _ := e.data.GetApp(e.ctx, keyless.AppID); !app.Disabled || app.PublicKeyPEM != "" {
			t.Errorf("the keyless app after disable: %+v", app)
		}
		if status, _ := b.post(page+"/enable", url.Values{}); status != http.StatusOK {
			t.Errorf("enable a keyless merchant: %d", status)
		}
		if app, _ := e.data.GetApp(e.ctx, keyless.AppID); app.Disabled {
			t.Error("the keyless app is still disabled")
		}
	})
}

func TestConsoleMerchantUsers(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		other := e.merchant(t, "Other Shop")
		p, err := e.gw.CreatePayout(e.ctx, e.app, gateway.PayoutRequest{MchOrderID: "U-1", CountryCode: "PH", Currency: "PHP", Amount: 10_000,
			PayMethod: gateway.MethodBank, TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan"})
		if err != nil {
			t.Fatal(err)
		}
		b := consoleOperator(t, e)
		page := Base + "/console/merchants/" + other.MerchantID
		b.get(page)
		status, body := b.post(page+"/users", url.Values{"email": {"Clerk@Other.test"}, "password": {testPassword}})
		if status != http.StatusOK || !strings.Contains(body, "clerk@other.test") {
			t.Fatalf("create user: %d", status)
		}
		if !strings.Contains(body, `id="merchant-users"`) {
			t.Error("no users table")
		}
		users, err := e.users.ListUsers(e.ctx, other.MerchantID)
		if err != nil || len(users) != 1 || users[0].Role != auth.RoleMerchant || users[0].MerchantID != other.MerchantID {
			t.Fatalf("users of the merchant: %+v, %v", users, err)
		}
		// The new user signs in and sees its merchant alone.
		clerk := e.login(t, "clerk@other.test")
		if status, _ := clerk.get(Base + "/orders/" + p.TransactionID); status != http.StatusNotFound {
			t.Errorf("the clerk opens another merchant's order: %d, want 404", status)
		}
		if status, _ := clerk.get(Base + "/console/merchants/" + e.app.MerchantID); status != http.StatusForbidden {
			t.Errorf("the clerk opens the console: %d, want 403", status)
		}

		for name, tc := range map[string]struct {
			email, password, msg string
		}{
			"Duplicate":     {"clerk@other.test", testPassword, "already exists"},
			"ShortPassword": {"new@other.test", "short", "Password:"},
			"BadEmail":      {"not-an-email", testPassword, "Email:"},
		} {
			status, body := b.post(page+"/users", url.Values{"email": {tc.email}, "password": {tc.password}})
			if status != http.StatusBadRequest || !strings.Contains(body, tc.msg) {
				t.Errorf("%s: %d, want 400 with %q", name, status, tc.msg)
			}
		}
		if users, _ := e.users.ListUsers(e.ctx, other.MerchantID); len(users) != 1 {
			t.Errorf("%d users after refused forms, want 1", len(users))
		}

		// Disabling the user ends its session.
		b.get(page)
		if status, body := b.post(Base+"/console/users/"+users[0].ID+"/disable", url.Values{}); status != http.StatusOK || !strings.Contains(body, "disabled") {
			t.Fatalf("disable user: %d", status)
		}
		if u, err := e.users.UserByID(e.ctx, users[0].ID); err != nil || !u.Disabled {
			t.Errorf("user after disable: %+v, %v", u, err)
		}
		if _, body := clerk.get(Base + "/balances"); !strings.Contains(body, `action="/dashboard/login"`) {
			t.Error("the disabled user is still signed in")
		}
	})
}
