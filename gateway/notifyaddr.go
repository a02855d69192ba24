package gateway

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"
)

// AddrPolicy decides which network addresses the gateway may send
// notifications to, so that a merchant cannot aim the gateway's webhooks at
// the operator's own network (server-side request forgery through
// notifyUrl). It is applied twice: to a literal IP address in a notify URL
// when the URL is given (Gateway.checkNotifyTarget), and to the address a
// delivery actually connects to, after DNS (notify.WebhookOptions.Policy).
//
// The zero AddrPolicy allows every address, so that code and tests that
// build a Gateway without configuration keep working; kasir serve restricts.
type AddrPolicy struct {
	// Restrict refuses the addresses ForbiddenRange names, unless Allow
	// contains them.
	Restrict bool
	// Allow are the ranges the operator permits although they are
	// forbidden, e.g. 127.0.0.1/32 for a receiver on the same machine.
	Allow []netip.Prefix
}

// forbiddenRanges are the ranges a restricting AddrPolicy refuses, with the
// name a refusal gives. IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are
// judged as the IPv4 address they carry; other IPv6 forms that embed an IPv4
// address (NAT64, 6to4) as that address too, see embeddedV4.
var forbiddenRanges = []struct {
	prefix netip.Prefix
	name   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "unspecified"}, // "this network"; 0.0.0.0 reaches the local host
	{netip.MustParsePrefix("10.0.0.0/8"), "private (RFC 1918)"},
	{netip.MustParsePrefix("100.64.0.0/10"), "shared (carrier-grade NAT)"},
	{netip.MustParsePrefix("127.0.0.0/8"), "loopback"},
	{netip.MustParsePrefix("169.254.0.0/16"), "link-local"}, // cloud metadata services live here
	{netip.MustParsePrefix("172.16.0.0/12"), "private (RFC 1918)"},
	{netip.MustParsePrefix("192.0.0.0/24"), "reserved (IETF protocol assignments)"},
	{netip.MustParsePrefix("192.168.0.0/16"), "private (RFC 1918)"},
	{netip.MustParsePrefix("198.18.0.0/15"), "reserved (benchmarking)"},
	{netip.MustParsePrefix("224.0.0.0/4"), "multicast"},
	{netip.MustParsePrefix("240.0.0.0/4"), "reserved"}, // 255.255.255.255 included
	{netip.MustParsePrefix("::/128"), "unspecified"},
	{netip.MustParsePrefix("::1/128"), "loopback"},
	{netip.MustParsePrefix("::/96"), "reserved (IPv4-compatible)"},
	{netip.MustParsePrefix("fc00::/7"), "private (unique local)"},
	{netip.MustParsePrefix("fe80::/10"), "link-local"},
	{netip.MustParsePrefix("ff00::/8"), "multicast"},
}

var (
	nat64  = netip.MustParsePrefix("64:ff9b::/96")
	sixTo4 = netip.MustParsePrefix("2002::/16")
)

// embeddedV4 returns the IPv4 address an IPv6 address stands for: the
// mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) forms
// reach it. Other addresses are returned as they are, without their zone.
func embeddedV4(a netip.Addr) netip.Addr {
	a = a.WithZone("").Unmap()
	if !a.Is6() {
		return a
	}
	b := a.As16()
	switch {
	case nat64.Contains(a):
		return netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	case sixTo4.Contains(a):
		return netip.AddrFrom4([4]byte{b[2], b[3], b[4], b[5]})
	}
	return a
}

// ForbiddenRange returns the name of the forbidden range addr is in
// ("loopback", "private (RFC 1918)", ...), and false for a public address.
func ForbiddenRange(addr netip.Addr) (string, bool) {
	a := embeddedV4(addr)
	for _, r := range forbiddenRanges {
		if r.prefix.Contains(a) {
			return r.name, true
		}
	}
	return "", false
}

// CheckAddr returns nil when the policy lets notifications go to addr, and
// otherwise an *AddrError naming addr's range.
func (p AddrPolicy) CheckAddr(addr netip.Addr) error {
	if !p.Restrict {
		return nil
	}
	name, forbidden := ForbiddenRange(addr)
	if !forbidden || p.allows(addr) {
		return nil
	}
	return &AddrError{Addr: addr.WithZone(""), Range: name}
}

// allows reports whether an Allow prefix contains addr, in any of its forms.
func (p AddrPolicy) allows(addr netip.Addr) bool {
	plain := addr.WithZone("")
	for _, a := range []netip.Addr{plain, plain.Unmap(), embeddedV4(addr)} {
		for _, pr := range p.Allow {
			if pr.Contains(a) {
				return true
			}
		}
	}
	return false
}

// AddrError is a refusal of AddrPolicy.CheckAddr.
type AddrError struct {
	Addr  netip.Addr
	Range string // ForbiddenRange's name
}

func (e *AddrError) Error() string {
	return fmt.Sprintf("%s is in a forbidden range (%s) that the operator has not allowed for notifications", e.Addr, e.Range)
}

// ParseAllowList reads a comma-separated list of CIDR prefixes and single
// addresses ("127.0.0.1/32,10.0.0.0/8,::1"); a single address stands for
// itself alone. An empty list is none.
func ParseAllowList(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not a CIDR prefix or an IP address", part)
		}
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// checkNotifyTarget applies the gateway's AddrPolicy (Config.NotifyPolicy)
// to a notify URL that CheckNotifyURL accepted: a literal IP address in a
// forbidden range, "localhost" and the names under it, and a host written as
// a number in another notation than dotted decimal ("2130706433", "0x7f.1",
// "127.1", which resolvers read as IPv4 addresses) are refused with
// KindInvalid, unless the policy allows the address. Other names pass here:
// what they resolve to is checked when a delivery connects, since DNS may
// answer differently then.
func (g *Gateway) checkNotifyTarget(field, v string) error {
	p := g.cfg.NotifyPolicy
	if v == "" || !p.Restrict {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil {
		return Errorf(KindInvalid, field, "must be an absolute http or https URL")
	}
	host := strings.ToLower(u.Hostname())
	addr, err := netip.ParseAddr(host)
	switch {
	case err == nil:
	case host == "localhost" || strings.HasSuffix(strings.TrimSuffix(host, "."), ".localhost"):
		addr = netip.AddrFrom4([4]byte{127, 0, 0, 1})
	case numericHost(host):
		return Errorf(KindInvalid, field, "host %q must be a domain name or an IP address in standard notation", u.Hostname())
	default:
		return nil
	}
	var ae *AddrError
	if errors.As(p.CheckAddr(addr), &ae) {
		return Errorf(KindInvalid, field, "points at %s (%s); notifications go to public addresses only", ae.Addr, ae.Range)
	}
	return nil
}

// numericHost reports whether every label of host is a number (decimal,
// octal or 0x hex): such a host is an IPv4 address to most resolvers, and no
// domain has a numeric top-level label.
func numericHost(host string) bool {
	host = strings.TrimSuffix(host, ".")
	if host == "" {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if !isNumber(label) {
			return false
		}
	}
	return true
}

// isNumber reports whether s is a number as inet_aton reads one: decimal,
// octal (a leading 0) or hex (0x, whose digits may be absent).
func isNumber(s string) bool {
	digits, isHex := strings.CutPrefix(s, "0x")
	if !isHex && digits == "" {
		return false
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || isHex && 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
