package dashboard

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	h := &Handler{opts: Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}}}
	for _, c := range []struct {
		peer, xff, want string
	}{
		{"203.0.113.9:5000", "", "203.0.113.9"},
		{"203.0.113.9:5000", "198.51.100.1", "203.0.113.9"}, // an untrusted peer cannot name another client
		{"127.0.0.1:5000", "198.51.100.1", "198.51.100.1"},
		{"127.0.0.1:5000", "6.6.6.6, 198.51.100.1, 10.1.2.3", "198.51.100.1"}, // the client cannot prepend hops
		{"127.0.0.1:5000", "10.1.2.3", "10.1.2.3"},                            // only proxies: the innermost
		{"127.0.0.1:5000", "", "127.0.0.1"},
		{"127.0.0.1:5000", "garbage, 10.1.2.3", "10.1.2.3"}, // a malformed hop ends the walk
		{"[::ffff:127.0.0.1]:5000", "198.51.100.7", "198.51.100.7"},
	} {
		r := httptest.NewRequest("POST", "/dashboard/login", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		if got := h.clientIP(r); got != c.want {
			t.Errorf("peer %s, X-Forwarded-For %q: %s, want %s", c.peer, c.xff, got, c.want)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	h := &Handler{opts: Options{PublicURL: "https://pay.example.com"}}
	for _, c := range []struct {
		host, origin, site string
		want               bool
	}{
		{"127.0.0.1:8080", "", "", true}, // no Origin: the token decides
		{"127.0.0.1:8080", "http://127.0.0.1:8080", "same-origin", true},
		{"127.0.0.1:8080", "https://pay.example.com", "same-origin", true}, // a proxy rewrote Host
		{"127.0.0.1:8080", "http://pay.example.com", "", false},            // not the public URL's scheme
		{"127.0.0.1:8080", "https://evil.example", "cross-site", false},
		{"127.0.0.1:8080", "https://evil.example", "", false},
		{"127.0.0.1:8080", "null", "", false},
		{"127.0.0.1:8080", "", "cross-site", false},
	} {
		r := httptest.NewRequest("POST", "/dashboard/login", nil)
		r.Host = c.host
		if c.origin != "" {
			r.Header.Set("Origin", c.origin)
		}
		if c.site != "" {
			r.Header.Set("Sec-Fetch-Site", c.site)
		}
		if got := h.sameOrigin(r); got != c.want {
			t.Errorf("Host %s, Origin %q, Sec-Fetch-Site %q: %v, want %v", c.host, c.origin, c.site, got, c.want)
		}
	}
}
