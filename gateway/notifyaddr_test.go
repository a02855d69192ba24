package gateway_test

import (
	"context"
	"log/slog"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/store/storetest"
)

func TestForbiddenRange(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]string{
		"127.0.0.1":              "loopback",
		"127.255.0.9":            "loopback",
		"::1":                    "loopback",
		"::ffff:127.0.0.1":       "loopback", // IPv4-mapped
		"64:ff9b::7f00:1":        "loopback", // NAT64 of 127.0.0.1
		"2002:7f00:1::1":         "loopback", // 6to4 of 127.0.0.1
		"10.1.2.3":               "private (RFC 1918)",
		"172.16.0.1":             "private (RFC 1918)",
		"172.31.255.255":         "private (RFC 1918)",
		"192.168.1.1":            "private (RFC 1918)",
		"::ffff:192.168.1.1":     "private (RFC 1918)",
		"fd00::1":                "private (unique local)",
		"fc00::1":                "private (unique local)",
		"169.254.169.254":        "link-local", // cloud metadata
		"fe80::1":                "link-local",
		"fe80::1%eth0":           "link-local",
		"0.0.0.0":                "unspecified",
		"::":                     "unspecified",
		"224.0.0.1":              "multicast",
		"ff02::1":                "multicast",
		"100.64.0.1":             "shared (carrier-grade NAT)",
		"100.127.255.255":        "shared (carrier-grade NAT)",
		"255.255.255.255":        "reserved",
		"::7f00:1":               "reserved (IPv4-compatible)",
		"::ffff:100.100.100.100": "shared (carrier-grade NAT)",
	} {
		got, ok := gateway.ForbiddenRange(netip.MustParseAddr(addr))
		if !ok || got != want {
			t.Errorf("%s: got %q %v, want %q", addr, got, ok, want)
		}
	}
	for _, addr := range []string{"8.8.8.8", "1.1.1.1", "100.128.0.1", "100.63.255.255", "172.32.0.1", "172.15.255.255",
		"192.169.0.1", "11.0.0.1", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1"} {
		if got, ok := gateway.ForbiddenRange(netip.MustParseAddr(addr)); ok {
			t.Errorf("%s: public address named %q", addr, got)
		}
	}
}

func TestAddrPolicy(t *testing.T) {
	t.Parallel()
	if err := (gateway.AddrPolicy{}).CheckAddr(netip.MustParseAddr("127.0.0.1")); err != nil {
		t.Errorf("the zero policy refuses loopback: %v", err)
	}
	allow, err := gateway.ParseAllowList(" 127.0.0.1/32, 10.0.0.0/8 ,fd00::/8,::1")
	if err != nil {
		t.Fatal(err)
	}
	p := gateway.AddrPolicy{Restrict: true, Allow: allow}
	for addr, ok := range map[string]bool{
		"127.0.0.1": true, "::ffff:127.0.0.1": true, "10.200.0.1": true, "fd12::1": true, "::1": true, "8.8.8.8": true,
		"127.0.0.2": false, "192.168.0.1": false, "169.254.169.254": false, "fc00::1": false, "::ffff:192.168.0.1": false,
	} {
		err := p.CheckAddr(netip.MustParseAddr(addr))
		if (err == nil) != ok {
			t.Errorf("%s: allowed %v, want %v (%v)", addr, err == nil, ok, err)
		}
	}
	err = p.CheckAddr(netip.MustParseAddr("169.254.169.254"))
	if err == nil || err.Error() != "169.254.169.254 is in a forbidden range (link-local) that the operator has not allowed for notifications" {
		t.Errorf("refusal reads %v", err)
	}
	for _, bad := range []string{"localhost", "10.0.0.0/33", "fe80::1%eth0", "1.2.3"} {
		if _, err := gateway.ParseAllowList(bad); err == nil {
			t.Errorf("ParseAllowList(%q) accepted", bad)
		}
	}
	if l, err := gateway.ParseAllowList(""); err != nil || len(l) != 0 {
		t.Errorf("empty list: %v %v", l, err)
	}
}

// restricted returns a gateway on e that refuses forbidden notify addresses
// but those in allow, with one funded merchant.
func restricted(t *testing.T, e storetest.Engine, allow string) (*gateway.Gateway, gateway.App) {
	t.Helper()
	ctx := context.Background()
	s := e.Open(t)
	prefixes, err := gateway.ParseAllowList(allow)
	if err != nil {
		t.Fatal(err)
	}
	sm := sim.New(s, sim.Options{Delay: time.Hour})
	gw, err := gateway.New(ctx, s, sm, gateway.Options{Logger: slog.New(slog.DiscardHandler),
		Config: gateway.Config{NotifyPolicy: gateway.AddrPolicy{Restrict: true, Allow: prefixes}}})
	if err != nil {
		t.Fatal(err)
	}
	_, app, err := gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Toko", PublicKeyPEM: merchantPEM(t)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := gw.CreditBalance(ctx, app.MerchantID, "PHP", 1_000_000); err != nil {
		t.Fatal(err)
	}
	return gw, app
}

// TestNotifyURLPolicy gives every operation that takes a notify URL the
// hostile ones: each is refused with KindInvalid naming the field, and
// nothing is stored; public URLs and the operator's allowance pass.
func TestNotifyURLPolicy(t *testing.T) {
	t.Parallel()
	refused := map[string]string{
		"http://127.0.0.1:9000/notify":      "points at 127.0.0.1 (loopback); notifications go to public addresses only",
		"https://[::1]/n":                   "points at ::1 (loopback)",
		"http://[::ffff:10.0.0.1]/n":        "points at ::ffff:10.0.0.1 (private (RFC 1918))",
		"http://169.254.169.254/latest":     "(link-local)",
		"http://[fe80::1%25eth0]:80/":       "points at fe80::1 (link-local)",
		"http://0.0.0.0:8080/":              "unspecified",
		"http://100.64.1.1/":                "carrier-grade NAT",
		"http://192.168.1.10/":              "private (RFC 1918)",
		"http://[fd00::5]/":                 "unique local",
		"http://224.0.0.1/":                 "multicast",
		"http://localhost:8080/":            "points at 127.0.0.1 (loopback)",
		"http://api.localhost/":             "loopback",
		"http://2130706433/":                "must be a domain name or an IP address in standard notation",
		"http://0x7f.1/":                    "standard notation",
		"http://127.1/":                     "standard notation",
		"http://0177.0.0.1/":                "standard notation",
		"http://127.0.0.1./":                "standard notation",
		"https://user:pw@merchant.example/": "must not contain a user name or password",
		"https://merchant.example@10.0.0.1": "must not contain a user name or password",
		"ftp://merchant.example/":           "must be an absolute http or https URL",
	}
	for _, e := range storetest.Engines() {
		t.Run(e.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			gw, app := restricted(t, e, "")
			for url, want := range refused {
				for op, call := range notifyOps(gw, app, url) {
					err := call(ctx)
					ge, ok := err.(*gateway.Error)
					if !ok || ge.Kind != gateway.KindInvalid || !strings.Contains(ge.Message, want) {
						t.Errorf("%s with %s: got %v, want KindInvalid %q", op, url, err, want)
					}
				}
			}
			if _, err := gw.CheckPayout(ctx, app.AppID, gateway.OrderRef{MchOrderID: "P-1"}); gateway.KindOf(err) != gateway.KindNotFound {
				t.Errorf("a refused payout was stored: %v", err)
			}
			if _, err := gw.CheckPayment(ctx, app.AppID, gateway.OrderRef{MchOrderID: "C-1"}); gateway.KindOf(err) != gateway.KindNotFound {
				t.Errorf("a refused payment was stored: %v", err)
			}
			// Public addresses and names pass (their resolution is checked
			// at delivery); the refund then fails for its own reason.
			for i, url := range []string{"https://merchant.example/notify", "http://8.8.8.8/n", "https://[2001:db8::1]/n", "http://shop123.example./n"} {
				for op, call := range notifyOps(gw, app, url) {
					err := call(ctx)
					if op == "CreateRefund" && gateway.KindOf(err) == gateway.KindRefundNotFound ||
						gateway.KindOf(err) == gateway.KindDuplicateOrder && i > 0 {
						continue
					}
					if err != nil {
						t.Errorf("%s with %s: %v", op, url, err)
					}
				}
			}
		})
	}
}

// TestNotifyURLAllowance shows the operator's allowance at work, and that a
// gateway without a policy (the library default) takes any address.
func TestNotifyURLAllowance(t *testing.T) {
	t.Parallel()
	e := storetest.Engines()[0]
	ctx := context.Background()
	gw, app := restricted(t, e, "127.0.0.1/32,10.0.0.0/8")
	for url, ok := range map[string]bool{
		"http://127.0.0.1:9000/n": true, "http://[::ffff:127.0.0.1]/n": true, "http://localhost/n": true,
		"http://10.9.8.7/n": true, "http://127.0.0.2/n": false, "http://192.168.0.1/n": false,
	} {
		app.NotifyURL = url
		err := gw.UpdateApp(ctx, app)
		if (err == nil) != ok {
			t.Errorf("UpdateApp %s: %v, want allowed %v", url, err, ok)
		}
	}

	plain := setup(t, e)
	if _, _, err := plain.gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Dev", NotifyURL: "http://127.0.0.1:9000/n"}); err != nil {
		t.Errorf("the zero policy refuses loopback: %v", err)
	}
	if _, _, err := plain.gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Dev", NotifyURL: "http://u:p@127.0.0.1/"}); gateway.KindOf(err) != gateway.KindInvalid {
		t.Errorf("user information accepted without a policy: %v", err)
	}
}

// notifyOps returns every gateway operation that takes a notify URL, each
// given url.
func notifyOps(gw *gateway.Gateway, app gateway.App, url string) map[string]func(context.Context) error {
	return map[string]func(context.Context) error{
		"CreateMerchant": func(ctx context.Context) error {
			_, _, err := gw.CreateMerchant(ctx, gateway.NewMerchant{Name: "Other", NotifyURL: url})
			return err
		},
		"UpdateApp": func(ctx context.Context) error {
			a := app
			a.NotifyURL = url
			return gw.UpdateApp(ctx, a)
		},
		"CreatePayout": func(ctx context.Context) error {
			_, err := gw.CreatePayout(ctx, app, gateway.PayoutRequest{MchOrderID: "P-1", CountryCode: "PH", Currency: "PHP",
				Amount: 10_000, PayMethod: gateway.MethodBank, TransferCode: "BDO", AccountNo: "1234567890",
				AccountName: "Juan", NotifyURL: url})
			return err
		},
		"CreatePayment": func(ctx context.Context) error {
			_, err := gw.CreatePayment(ctx, app, gateway.PaymentRequest{MchOrderID: "C-1", CountryCode: "PH", Currency: "PHP",
				Amount: 10_000, ChannelCode: "PH_QRPH_DYNAMIC", NotifyURL: url})
			return err
		},
		"CreateStaticCode": func(ctx context.Context) error {
			_, err := gw.CreateStaticCode(ctx, app, gateway.StaticCodeRequest{MchOrderID: "S-1", CountryCode: "PH", Currency: "PHP",
				ChannelCode: "PH_QRPH_STATIC", CustomerName: "Counter", NotifyURL: url})
			return err
		},
		"CreateRefund": func(ctx context.Context) error {
			_, err := gw.CreateRefund(ctx, app, gateway.RefundRequest{MchRefundOrderID: "R-1", OriginalTransactionID: "C1",
				Amount: 100, CallbackURL: url})
			return err
		},
	}
}
