package checkout_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
	"github.com/kasir-gateway/kasir/web/checkout"
)

func publicKeyPEM(t *testing.T) string {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

func TestHostedPage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewSQLite(t)
	log := slog.New(slog.DiscardHandler)
	sm := sim.New(s, sim.Options{Logger: log})
	gw, err := gateway.New(ctx, s, sm, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	sm.SetResults(gw)
	_, app, err := gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Warung", PublicKeyPEM: publicKeyPEM(t)})
	if err != nil {
		t.Fatal(err)
	}
	va, err := gw.CreatePayment(ctx, app, gateway.PaymentRequest{MchOrderID: "VA-1", CountryCode: "ID", Currency: "IDR",
		Amount: 75_000, ChannelCode: "BNI_VA", RedirectURL: "https://shop.example/done"})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	(&checkout.Handler{Payments: s, Payer: sm, Logger: log}).Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	get := func(path string) (int, string) {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	code, body := get("/pay/" + va.TransactionID)
	for _, want := range []string{"75000.00 IDR", va.PayData, "PENDING", `id="pay"`, "BNI_VA"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Fatalf("page (HTTP %d) lacks %q:\n%s", code, want, body)
		}
	}
	if code, _ := get("/pay/C404"); code != http.StatusNotFound {
		t.Fatalf("unknown order: HTTP %d", code)
	}

	// A form on another site may not press the button.
	cross, _ := http.NewRequest(http.MethodPost, srv.URL+"/pay/"+va.TransactionID, nil)
	cross.Header.Set("Origin", "https://evil.example")
	if resp, err := noRedirect.Do(cross); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-site POST: %v %v", resp, err)
	}

	resp, err := noRedirect.PostForm(srv.URL+"/pay/"+va.TransactionID, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("pay button: HTTP %d", resp.StatusCode)
	}
	if _, err := sm.ReportDue(ctx); err != nil {
		t.Fatal(err)
	}
	code, body = get("/pay/" + va.TransactionID)
	if code != 200 || !strings.Contains(body, "COMPLETED") || !strings.Contains(body, "https://shop.example/done") || strings.Contains(body, `id="pay"`) {
		t.Fatalf("paid page:\n%s", body)
	}
	// Pressing it again on a paid order pays nothing more.
	resp, err = noRedirect.PostForm(srv.URL+"/pay/"+va.TransactionID, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if _, err := sm.ReportDue(ctx); err != nil {
		t.Fatal(err)
	}
	bal, err := gw.Balance(ctx, app.MerchantID, "IDR")
	if err != nil || bal.Available != 75_000 {
		t.Fatalf("balance %+v, %v; want the payment credited (no fee set)", bal, err)
	}

	// Outside sandbox mode there is no pay button and POST is not served.
	live := http.NewServeMux()
	(&checkout.Handler{Payments: s, Logger: log}).Register(live)
	liveSrv := httptest.NewServer(live)
	defer liveSrv.Close()
	resp, err = http.PostForm(liveSrv.URL+"/pay/"+va.TransactionID, url.Values{})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST outside sandbox: HTTP %d", resp.StatusCode)
	}
}

// TestHostedPageHostileIDs: ids no payment can have are not found, also on
// PostgreSQL, which cannot compare text holding a NUL.
func TestHostedPageHostileIDs(t *testing.T) {
	t.Parallel()
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			s := e.Open(t)
			mux := http.NewServeMux()
			(&checkout.Handler{Payments: s, Logger: slog.New(slog.DiscardHandler)}).Register(mux)
			srv := httptest.NewServer(mux)
			defer srv.Close()
			for _, path := range []string{"/pay/C1%00", "/pay/" + strings.Repeat("9", 200), "/pay/C1%00x"} {
				resp, err := http.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Errorf("GET %s: HTTP %d, want 404", path, resp.StatusCode)
				}
			}
		})
	}
}
