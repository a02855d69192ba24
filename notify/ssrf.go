package notify

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// guardTransport returns a transport that connects only where policy allows:
// the address of every connection is checked when it is dialled, after DNS,
// so a notify URL whose name resolves (or is later made to resolve) to a
// forbidden address cannot reach it, whatever the URL said when it was
// given. Redirects are not followed at all (NewWebhook).
//
// rt must be nil (http.DefaultTransport's settings) or an *http.Transport,
// which is cloned: its dialer is replaced, and proxies are turned off,
// since a proxy would make the connection on the gateway's behalf to an
// address no one checked. Another RoundTripper is returned as it is; its
// owner answers for where it connects.
func guardTransport(rt http.RoundTripper, policy gateway.AddrPolicy) http.RoundTripper {
	var t *http.Transport
	switch v := rt.(type) {
	case nil:
		t = http.DefaultTransport.(*http.Transport).Clone()
	case *http.Transport:
		t = v.Clone()
	default:
		return rt
	}
	d := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: dialControl(policy)}
	t.DialContext = d.DialContext
	// The caller's own dialers would dial unchecked.
	t.DialTLSContext, t.Dial, t.DialTLS = nil, nil, nil
	t.Proxy = nil
	return t
}

// dialControl is a net.Dialer Control function that refuses a connection
// to an address policy forbids, with a *gateway.AddrError. It runs for each
// address a name resolves to, before the connection is made.
func dialControl(policy gateway.AddrPolicy) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("notify: refusing to dial %q: not an IP address and port", address)
		}
		return policy.CheckAddr(ap.Addr())
	}
}

// refusedDelivery rewrites the error of a delivery that the policy stopped
// into a message that says so: the notify URL's host, the address it came
// to, and why. Other errors are returned as they are.
func refusedDelivery(rawURL string, err error) error {
	var ae *gateway.AddrError
	if !errors.As(err, &ae) {
		return err
	}
	host := rawURL
	if u, perr := url.Parse(rawURL); perr == nil {
		host = u.Hostname()
	}
	return fmt.Errorf("notify: not sent: the notify URL's host %s is at %s, in a forbidden range (%s) that the operator has not allowed for notifications",
		host, ae.Addr, ae.Range)
}
