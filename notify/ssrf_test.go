package notify

import (
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
)

// loopbackOnly restricts deliveries and allows 127.0.0.1 alone, the way
// the cmd/kasir tests do.
var loopbackOnly = gateway.AddrPolicy{Restrict: true, Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

// onHost returns u with its host name replaced, the port kept.
func onHost(t *testing.T, u, host string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p.Host = host + ":" + p.Port()
	return p.String()
}

// TestWebhookRefusesForbiddenAddresses delivers to a receiver on 127.0.0.1
// under a policy that forbids loopback: by address, and by a name that
// resolves to it, which only the check at dial time can see. Both are
// failed attempts that say why, and the receiver gets nothing; with the
// operator's allowance the same delivery goes through.
func TestWebhookRefusesForbiddenAddresses(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, answerWith(200, `{"code":10000}`))
	rb := newReceiverB(t, answerWith(200, "SUCCESS"))
	strict := gateway.AddrPolicy{Restrict: true}
	for name, tc := range map[string]struct {
		url     string
		ev      gateway.Event
		w       *Webhook
		message string
	}{
		"Address": {r.URL, seedEvent(), NewWebhook(rsaSigner{testKey()}, WebhookOptions{Policy: strict}),
			"host 127.0.0.1 is at 127.0.0.1, in a forbidden range (loopback)"},
		"NameResolvingToLoopback": {onHost(t, r.URL, "localhost"), seedEvent(), NewWebhook(rsaSigner{testKey()}, WebhookOptions{Policy: strict}),
			"the notify URL's host localhost is at "},
		"CallersTransport": {r.URL, seedEvent(), NewWebhook(rsaSigner{testKey()}, WebhookOptions{Policy: strict, Client: &http.Client{Transport: &http.Transport{}}}),
			"(loopback)"},
		"DialectB": {rb.URL, payoutB(), NewWebhook(nil, WebhookOptions{Keys: testKeys{}, Policy: strict}),
			"in a forbidden range (loopback) that the operator has not allowed for notifications"},
	} {
		t.Run(name, func(t *testing.T) {
			a := tc.w.Handle(t.Context(), notifyMessage(t, tc.url, tc.ev))
			if a.OK || a.HTTPStatus != 0 || !strings.Contains(a.Response, tc.message) || !strings.HasPrefix(a.Response, "notify: not sent: ") {
				t.Errorf("attempt = %+v, want a failed attempt saying %q", a, tc.message)
			}
		})
	}
	if n := len(r.requests()) + len(rb.requests()); n != 0 {
		t.Fatalf("the receivers got %d requests through a forbidding policy", n)
	}

	allowed := NewWebhook(rsaSigner{testKey()}, WebhookOptions{Policy: loopbackOnly})
	if a := allowed.Handle(t.Context(), notifyMessage(t, r.URL, seedEvent())); !a.OK {
		t.Fatalf("allowed delivery: %+v", a)
	}
	if a := NewWebhook(nil, WebhookOptions{Keys: testKeys{}, Policy: loopbackOnly}).Handle(t.Context(), notifyMessage(t, rb.URL, payoutB())); !a.OK {
		t.Fatalf("allowed dialect B delivery: %+v", a)
	}
	if n := len(r.requests()) + len(rb.requests()); n != 2 {
		t.Fatalf("the receivers got %d requests, want 2", n)
	}
}

// TestWebhookRedirectIntoForbidden: an allowed endpoint that redirects
// elsewhere gets a failed attempt; the redirect's target is never asked,
// under the guarded transport too.
func TestWebhookRedirectIntoForbidden(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := newReceiver(t, func(w http.ResponseWriter, _ *http.Request) { hits.Add(1) })
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, onHost(t, target.URL, "localhost"), http.StatusFound)
	})
	a := NewWebhook(rsaSigner{testKey()}, WebhookOptions{Policy: loopbackOnly, Client: &http.Client{}}).
		Handle(t.Context(), notifyMessage(t, r.URL, seedEvent()))
	if a.OK || a.HTTPStatus != http.StatusFound || hits.Load() != 0 {
		t.Fatalf("attempt = %+v, target hit %d times; want a failed 302 and no hit", a, hits.Load())
	}
}

func TestDialControl(t *testing.T) {
	t.Parallel()
	control := dialControl(loopbackOnly)
	for address, ok := range map[string]bool{
		"127.0.0.1:80": true, "8.8.8.8:443": true, "[2001:4860:4860::8888]:443": true,
		"[::1]:80": false, "10.0.0.1:80": false, "[::ffff:192.168.0.1]:80": false, "[fe80::1%lo]:80": false,
		"169.254.169.254:80": false, "localhost:80": false, "": false,
	} {
		if err := control("tcp", address, nil); (err == nil) != ok {
			t.Errorf("%q: allowed %v, want %v (%v)", address, err == nil, ok, err)
		}
	}
	if err := dialControl(gateway.AddrPolicy{})("tcp", "127.0.0.1:80", nil); err != nil {
		t.Errorf("the zero policy refused: %v", err)
	}
}
