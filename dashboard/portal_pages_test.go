package dashboard_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/pem"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/reports"
)

func TestPortalBalances(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		portalPayout(t, e, e.app, "BAL-1", 10_000) // 100.00 plus a fee of 11.00 held
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		status, body := b.get(dashboard.Base + "/balances")
		if status != http.StatusOK {
			t.Fatalf("balances: status %d", status)
		}
		for _, want := range []string{
			`data-currency="PHP"`,
			`<div class="big" data-balance="available">889.00 PHP</div>`,
			`<span data-balance="held">111.00 PHP</span>`,
			`<span data-balance="pending">0.00 PHP</span>`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("balances page lacks %q", want)
			}
		}

		ops := portalOperator(t, e)
		if _, body := ops.get(dashboard.Base + "/balances"); !strings.Contains(body, `id="choose-merchant"`) || strings.Contains(body, "data-balance") {
			t.Error("an operator who chose no merchant is not asked to choose")
		}
		if _, body := ops.get(dashboard.Base + "/balances?merchant=" + e.app.MerchantID); !strings.Contains(body, "889.00 PHP") {
			t.Error("an operator does not see the chosen merchant's balance")
		}
		if status, _ := ops.get(dashboard.Base + "/balances?merchant=NOPE"); status != http.StatusNotFound {
			t.Errorf("unknown merchant: status %d, want 404", status)
		}
	})
}

func TestPortalStaticCodes(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		code, err := e.gw.CreateStaticCode(e.ctx, e.app, gateway.StaticCodeRequest{MchOrderID: "STALL-7", CountryCode: "PH",
			Currency: "PHP", ChannelCode: "PH_QRPH_STATIC", CustomerName: "Stall 7"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.sim.PayStatic(e.ctx, code.ID, 2_500); err != nil {
			t.Fatal(err)
		}
		if _, err := e.sim.ReportDue(e.ctx); err != nil {
			t.Fatal(err)
		}
		ps, total, err := e.data.ListStaticPayments(e.ctx, code.ID, 0, 10)
		if err != nil || total != 1 {
			t.Fatalf("payments into the code: %d, %v", total, err)
		}

		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		if _, body := b.get(dashboard.Base + "/static-codes"); !strings.Contains(body, `<tr data-code="`+code.ID+`">`) {
			t.Error("the static codes page does not list the code")
		}
		status, body := b.get(dashboard.Base + "/static-codes/" + code.ID)
		if status != http.StatusOK || !strings.Contains(body, `<a href="/dashboard/orders/`+ps[0].TransactionID+`">`) {
			t.Errorf("code page: status %d, links its payment: %v", status, strings.Contains(body, ps[0].TransactionID))
		}

		other := e.merchant(t, "Other Shop")
		stranger := portalMerchantUser(t, e, "stranger@other.test", other)
		if _, body := stranger.get(dashboard.Base + "/static-codes"); strings.Contains(body, code.ID) {
			t.Error("another merchant's list shows the code")
		}
		if status, body := stranger.get(dashboard.Base + "/static-codes/" + code.ID); status != http.StatusNotFound || strings.Contains(body, "STALL-7") {
			t.Errorf("another merchant's code: status %d, want 404", status)
		}
	})
}

func TestPortalReportDownload(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		p := portalPayout(t, e, e.app, "REP-1", 10_000)
		date := p.CreatedAt.In(gateway.Countries["PH"].Location).Format(reports.DateLayout)
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		if status, body := b.get(dashboard.Base + "/reports"); status != http.StatusOK || !strings.Contains(body, `id="report-form"`) {
			t.Fatalf("reports page: status %d", status)
		}

		q := url.Values{"app": {e.app.AppID}, "date": {date}, "type": {"payout"}, "country": {"PH"}}
		resp, err := b.c.Get(e.srv.URL + dashboard.Base + "/reports/download?" + q.Encode())
		if err != nil {
			t.Fatal(err)
		}
		csv, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("download: status %d, type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if cd := resp.Header.Get("Content-Disposition"); cd != `attachment; filename=payout_PH_`+date+`.csv` {
			t.Errorf("Content-Disposition %q", cd)
		}
		lines := strings.Split(strings.TrimSpace(string(csv)), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "transactionId,") || !strings.HasPrefix(lines[1], p.TransactionID+",REP-1,") {
			t.Errorf("report:\n%s", csv)
		}

		// Without the app: the merchant's only app is taken.
		q.Del("app")
		if status, body := b.get(dashboard.Base + "/reports/download?" + q.Encode()); status != http.StatusOK || !strings.Contains(body, p.TransactionID) {
			t.Errorf("download without app: status %d", status)
		}
		for _, bad := range []struct{ field, value, msg string }{
			{"date", "23/11/2026", "Date: a date like"},
			{"type", "invoice", "Type: choose payout"},
			{"country", "", "Country: choose one of"},
		} {
			v := url.Values{"app": {e.app.AppID}, "date": {date}, "type": {"payout"}, "country": {"PH"}}
			v.Set(bad.field, bad.value)
			status, body := b.get(dashboard.Base + "/reports/download?" + v.Encode())
			if status != http.StatusBadRequest || !strings.Contains(body, `id="report-error"`) || !strings.Contains(body, bad.msg) {
				t.Errorf("%s=%q: status %d, want 400 with %q", bad.field, bad.value, status, bad.msg)
			}
		}

		other := e.merchant(t, "Other Shop")
		v := url.Values{"app": {other.AppID}, "date": {date}, "type": {"payout"}, "country": {"PH"}}
		if status, _ := b.get(dashboard.Base + "/reports/download?" + v.Encode()); status != http.StatusNotFound {
			t.Errorf("another merchant's report: status %d, want 404", status)
		}
	})
}

var fingerprintCell = regexp.MustCompile(`data-fingerprint="([0-9A-F:]*)"`)

// portalFingerprint is the SHA-256 of a PEM key's DER as the page shows it:
// upper-case hex pairs joined by colons.
func portalFingerprint(t *testing.T, pemText string) string {
	t.Helper()
	block, _ := pem.Decode([]byte(pemText))
	if block == nil {
		t.Fatal("not PEM")
	}
	sum := sha256.Sum256(block.Bytes)
	return strings.ToUpper(strings.Join(regexp.MustCompile("..").FindAllString(hex.EncodeToString(sum[:]), -1), ":"))
}

func portalNewPEM(t *testing.T) string {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestPortalDevelopersPublicKey(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		status, body := b.get(dashboard.Base + "/developers")
		if status != http.StatusOK || !strings.Contains(body, `<tr data-app="`+e.app.AppID+`">`) {
			t.Fatalf("developers page: status %d", status)
		}
		if m := fingerprintCell.FindStringSubmatch(body); m == nil || m[1] != portalFingerprint(t, e.app.PublicKeyPEM) || len(m[1]) != 95 {
			t.Errorf("fingerprint shown %v, want %s", m, portalFingerprint(t, e.app.PublicKeyPEM))
		}
		keyNow := func() string {
			app, err := e.data.GetApp(e.ctx, e.app.AppID)
			if err != nil {
				t.Fatal(err)
			}
			return app.PublicKeyPEM
		}

		for _, garbage := range []string{"not a key at all", "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----", ""} {
			status, body := b.post(dashboard.Base+"/developers/public-key", url.Values{"app": {e.app.AppID}, "pem": {garbage}})
			if status != http.StatusBadRequest || !strings.Contains(body, `id="key-error"`) || !strings.Contains(body, "Public key") {
				t.Errorf("garbage key %q: status %d, want 400 with an error", garbage, status)
			}
			if keyNow() != e.app.PublicKeyPEM {
				t.Fatalf("garbage key %q changed the stored key", garbage)
			}
		}

		// A valid key, pasted.
		fresh := portalNewPEM(t)
		status, body = b.post(dashboard.Base+"/developers/public-key", url.Values{"app": {e.app.AppID}, "pem": {fresh}})
		if status != http.StatusOK || !strings.Contains(body, "was replaced; its fingerprint is "+portalFingerprint(t, fresh)) {
			t.Fatalf("replace key: status %d\n%s", status, body)
		}
		if strings.TrimSpace(keyNow()) != strings.TrimSpace(fresh) {
			t.Fatal("the valid key was not stored")
		}

		// Another, uploaded as a file.
		upload := portalNewPEM(t)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("csrf", b.csrf)
		mw.WriteField("app", e.app.AppID)
		mw.WriteField("pem", "")
		fw, _ := mw.CreateFormFile("pemfile", "merchant.pem")
		fw.Write([]byte(upload))
		mw.Close()
		req, _ := http.NewRequest(http.MethodPost, e.srv.URL+dashboard.Base+"/developers/public-key", &buf)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Origin", e.srv.URL)
		resp, err := b.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || strings.TrimSpace(keyNow()) != strings.TrimSpace(upload) {
			t.Errorf("uploaded key: status %d, stored: %v", resp.StatusCode, strings.TrimSpace(keyNow()) == strings.TrimSpace(upload))
		}

		// Another merchant's app is not found and keeps its key.
		other := e.merchant(t, "Other Shop")
		b.get(dashboard.Base + "/developers")
		if status, _ := b.post(dashboard.Base+"/developers/public-key", url.Values{"app": {other.AppID}, "pem": {fresh}}); status != http.StatusNotFound {
			t.Errorf("another merchant's app: status %d, want 404", status)
		}
		if app, _ := e.data.GetApp(e.ctx, other.AppID); app.PublicKeyPEM != other.PublicKeyPEM {
			t.Error("another merchant's key was replaced")
		}
	})
}

var newKey = regexp.MustCompile(`<code id="new-apikey-value">([0-9a-f]+)</code>`)

func TestPortalDevelopersAPIKey(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		b.get(dashboard.Base + "/developers")
		if status, _ := b.post(dashboard.Base+"/developers/apikey", url.Values{"grace": {"3y"}}); status != http.StatusBadRequest {
			t.Errorf("unknown grace: status %d, want 400", status)
		}
		b.get(dashboard.Base + "/developers")
		status, body := b.post(dashboard.Base+"/developers/apikey", url.Values{"grace": {"0"}})
		m := newKey.FindStringSubmatch(body)
		if status != http.StatusOK || m == nil || !strings.Contains(body, "shown this once") {
			t.Fatalf("issue apiKey: status %d, key shown: %v", status, m != nil)
		}
		merchant, err := e.data.GetMerchant(e.ctx, e.app.MerchantID)
		if err != nil || merchant.No == 0 {
			t.Fatalf("merchant after the first key: %+v, %v", merchant, err)
		}
		cred, err := e.gw.Credential(e.ctx, merchant.No)
		if err != nil || len(cred.Keys) != 1 || cred.Keys[0] != m[1] {
			t.Fatalf("credential %+v, %v; want the key shown", cred, err)
		}
		if _, body := b.get(dashboard.Base + "/developers"); strings.Contains(body, m[1]) {
			t.Error("the key is shown again")
		}

		// A second key with no grace retires the first at once.
		status, body = b.post(dashboard.Base+"/developers/apikey", url.Values{"grace": {"0"}})
		m2 := newKey.FindStringSubmatch(body)
		if status != http.StatusOK || m2 == nil || m2[1] == m[1] {
			t.Fatalf("second key: status %d, %v", status, m2)
		}
		if cred, err := e.gw.Credential(e.ctx, merchant.No); err != nil || len(cred.Keys) != 1 || cred.Keys[0] != m2[1] {
			t.Errorf("after rotation without grace: %+v, %v", cred, err)
		}
	})
}

func TestPortalSimulatorButtons(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		payout := portalPayout(t, e, e.app, "SIM-1", 10_000)
		payment, err := e.gw.CreatePayment(e.ctx, e.app, gateway.PaymentRequest{MchOrderID: "SIM-2", CountryCode: "PH",
			Currency: "PHP", Amount: 12_345, ChannelCode: "PH_GCASH"})
		if err != nil {
			t.Fatal(err)
		}
		ops := portalOperator(t, e)
		if _, body := ops.get(portalOrderPath(payout.TransactionID)); !strings.Contains(body, `id="sim-complete"`) || !strings.Contains(body, `id="sim-fail"`) {
			t.Error("an operator is not offered to complete or fail a pending payout in sandbox mode")
		}
		if _, body := ops.get(portalOrderPath(payment.TransactionID)); !strings.Contains(body, `<input name="amount" id="sim-amount" value="123.45">`) {
			t.Error("an operator is not offered to pay a pending payment, amount prefilled")
		}
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		if _, body := b.get(portalOrderPath(payout.TransactionID)); strings.Contains(body, "/console/sim/") {
			t.Error("a merchant user is offered the simulator")
		}
	})
}
