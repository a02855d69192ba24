package storetest

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
)

// dashboardStore returns s as a dashboard.Store. Each test asserts it, so
// that the other suites build and run while an engine lacks it.
func dashboardStore(t *testing.T, s Store) dashboard.Store {
	t.Helper()
	d, ok := s.(dashboard.Store)
	if !ok {
		t.Fatalf("store %T does not implement dashboard.Store", s)
	}
	return d
}

func listOrders(t *testing.T, d dashboard.Store, f dashboard.OrderFilter) dashboard.OrderPage {
	t.Helper()
	page, err := d.ListOrders(t.Context(), f)
	if err != nil {
		t.Fatalf("ListOrders(%+v): %v", f, err)
	}
	return page
}

// orderBook stores orders and remembers them as the transactions page shows
// them, to work out what a filter should return.
type orderBook struct {
	orders   []dashboard.Order
	original map[string]string // refund transaction id -> the refunded payment's
}

func (b *orderBook) payout(t *testing.T, s Store, p gateway.Payout) gateway.Payout {
	t.Helper()
	insertPayout(t, s, p)
	b.orders = append(b.orders, dashboard.Order{Type: dashboard.TypePayout, TransactionID: p.TransactionID,
		MchOrderID: p.MchOrderID, MerchantID: p.MerchantID, AppID: p.AppID, Country: p.CountryCode,
		Currency: p.Currency, Amount: p.Amount, Fee: p.Fee, Channel: p.TransferCode, Status: string(p.Status),
		CreatedAt: p.CreatedAt, FinishedAt: p.FinishedAt})
	return p
}

func (b *orderBook) payment(t *testing.T, s Store, p gateway.Payment) gateway.Payment {
	t.Helper()
	insertPayment(t, s, p)
	b.orders = append(b.orders, dashboard.Order{Type: dashboard.TypePayment, TransactionID: p.TransactionID,
		MchOrderID: p.MchOrderID, MerchantID: p.MerchantID, AppID: p.AppID, Country: p.CountryCode,
		Currency: p.Currency, Amount: p.Amount, Fee: p.Fee, Channel: p.ChannelCode, Status: string(p.Status),
		CreatedAt: p.CreatedAt, FinishedAt: p.FinishedAt})
	return p
}

func (b *orderBook) refund(t *testing.T, s Store, r gateway.Refund) gateway.Refund {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(t.Context(), r) })
	if b.original == nil {
		b.original = map[string]string{}
	}
	b.original[r.RefundTransactionID] = r.OriginalTransactionID
	b.orders = append(b.orders, dashboard.Order{Type: dashboard.TypeRefund, TransactionID: r.RefundTransactionID,
		MchOrderID: r.MchRefundOrderID, MerchantID: r.MerchantID, AppID: r.AppID, Country: r.CountryCode,
		Currency: r.Currency, Amount: r.Amount, Fee: r.FeeRefunded, Channel: r.ChannelCode, Status: string(r.Status),
		CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt})
	return r
}

// want returns the stored orders f selects, newest first, whatever its Limit.
func (b *orderBook) want(f dashboard.OrderFilter) []dashboard.Order {
	var out []dashboard.Order
	for _, o := range b.orders {
		switch {
		case f.MerchantID != "" && o.MerchantID != f.MerchantID, f.Type != "" && o.Type != f.Type,
			f.Status != "" && o.Status != f.Status, f.Country != "" && o.Country != f.Country,
			f.Channel != "" && o.Channel != f.Channel,
			!f.From.IsZero() && o.CreatedAt.Before(f.From), !f.To.IsZero() && !o.CreatedAt.Before(f.To),
			f.Query != "" && o.TransactionID != f.Query && o.MchOrderID != f.Query && b.original[o.TransactionID] != f.Query,
			!f.Before.IsZero() && !(o.CreatedAt.Before(f.Before) || o.CreatedAt.Equal(f.Before) && o.TransactionID < f.BeforeID):
			continue
		}
		out = append(out, o)
	}
	slices.SortFunc(out, func(x, y dashboard.Order) int {
		if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
			return c
		}
		return strings.Compare(y.TransactionID, x.TransactionID)
	})
	return out
}

// orderFixture is two merchants' orders of every type: several created at
// one instant, a static code's payment, refunds of a payment, and the same
// merchant order ids under both merchants.
type orderFixture struct {
	orderBook
	a, b     gateway.App
	paidA    gateway.Payment // refunded twice
	payoutA  gateway.Payout  // COMPLETED through PH_MAYA
	failedA  gateway.Payout  // the only order in ID
	refundA  gateway.Refund  // COMPLETE
	codeMchA string          // the static code's mchOrderId
}

func seedOrders(t *testing.T, s Store) orderFixture {
	t.Helper()
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	var fx orderFixture
	_, fx.a = seedApp(t, s)
	_, fx.b = seedApp(t, s)

	fx.payout(t, s, newPayout(fx.a, "po-1"))
	p := newPayout(fx.a, "po-2")
	p.TransferCode, p.Status, p.ChannelState = "PH_MAYA", gateway.StatusCompleted, gateway.ChannelDone
	p.CreatedAt, p.UpdatedAt, p.FinishedAt = at(time.Minute), at(2*time.Minute), at(2*time.Minute)
	fx.payoutA = fx.payout(t, s, p)
	p = newPayout(fx.a, "shared-1")
	p.CountryCode, p.Currency, p.TransferCode, p.Amount = "ID", "IDR", "ID_BCA", 5_000_000
	p.Status, p.ChannelState, p.FailedCode, p.FailedMessage = gateway.StatusFailed, gateway.ChannelDone, 3001, "account closed"
	p.CreatedAt, p.UpdatedAt, p.FinishedAt = at(time.Minute), at(90*time.Second), at(90*time.Second)
	fx.failedA = fx.payout(t, s, p)

	c := newPayment(fx.a, "pay-1")
	c.Status, c.PaidAmount, c.Fee, c.ChannelRef = gateway.StatusCompleted, 25000, 350, uniq("REF")
	c.CreatedAt, c.UpdatedAt, c.FinishedAt, c.SettleAt = at(30*time.Second), at(40*time.Second), at(40*time.Second), at(time.Hour)
	fx.paidA = fx.payment(t, s, c)
	c = newPayment(fx.a, "shared-1")
	c.Status, c.CreatedAt, c.UpdatedAt, c.FinishedAt = gateway.StatusExpired, at(time.Minute), at(16*time.Minute), at(16*time.Minute)
	fx.payment(t, s, c)
	code := newStaticCode(fx.a, "stall-7")
	insertStaticCode(t, s, code)
	fx.codeMchA = code.MchOrderID
	fx.payment(t, s, staticPayment(code, uniq("REF"), 777, at(2*time.Minute)))

	r := newRefund(fx.paidA, "rf-1", 1000)
	r.CreatedAt, r.UpdatedAt = at(3*time.Minute), at(3*time.Minute)
	fx.refund(t, s, r)
	r = newRefund(fx.paidA, "rf-2", 2000)
	r.Status, r.ChannelState = gateway.RefundComplete, gateway.ChannelDone
	r.CreatedAt, r.UpdatedAt, r.FinishedAt = at(3*time.Minute), at(4*time.Minute), at(4*time.Minute)
	fx.refundA = fx.refund(t, s, r)

	p = newPayout(fx.b, "po-1")
	p.CreatedAt, p.UpdatedAt = at(time.Minute), at(time.Minute)
	fx.payout(t, s, p)
	c = newPayment(fx.b, "pay-1")
	c.Status, c.PaidAmount, c.Fee, c.ChannelRef = gateway.StatusCompleted, 25000, 350, uniq("REF")
	c.CreatedAt, c.UpdatedAt, c.FinishedAt = at(time.Minute), at(time.Minute), at(time.Minute)
	paidB := fx.payment(t, s, c)
	r = newRefund(paidB, "rf-1", 500)
	r.CreatedAt, r.UpdatedAt = at(3*time.Minute), at(3*time.Minute)
	fx.refund(t, s, r)
	return fx
}

// walk reads every page of f, checking that each page but the last is full
// and says More, and returns the orders in the order read.
func walk(t *testing.T, d dashboard.Store, f dashboard.OrderFilter) []dashboard.Order {
	t.Helper()
	var all []dashboard.Order
	for pages := 1; ; pages++ {
		if pages > 100 {
			t.Fatalf("walk %+v: more than 100 pages", f)
		}
		page := listOrders(t, d, f)
		all = append(all, page.Orders...)
		if !page.More {
			return all
		}
		if len(page.Orders) != f.Limit {
			t.Fatalf("walk %+v: page %d has %d orders and More", f, pages, len(page.Orders))
		}
		last := page.Orders[len(page.Orders)-1]
		f.Before, f.BeforeID = last.CreatedAt, last.TransactionID
	}
}

var dashboardTests = []test{
	{"DashboardOrderFilters", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		fx := seedOrders(t, s)
		at := func(d time.Duration) time.Time { return t0.Add(d) }
		cases := []struct {
			name  string
			f     dashboard.OrderFilter
			empty bool // the fixture has no such order
		}{
			{name: "All"},
			{name: "Payouts", f: dashboard.OrderFilter{Type: dashboard.TypePayout}},
			{name: "Payments", f: dashboard.OrderFilter{Type: dashboard.TypePayment}},
			{name: "Refunds", f: dashboard.OrderFilter{Type: dashboard.TypeRefund}},
			{name: "Pending", f: dashboard.OrderFilter{Status: "PENDING"}},
			{name: "Completed", f: dashboard.OrderFilter{Status: "COMPLETED"}},
			{name: "Complete", f: dashboard.OrderFilter{Status: "COMPLETE"}},
			{name: "Failed", f: dashboard.OrderFilter{Status: "FAILED"}},
			{name: "Expired", f: dashboard.OrderFilter{Status: "EXPIRED"}},
			{name: "Country", f: dashboard.OrderFilter{Country: "ID"}},
			{name: "TransferCode", f: dashboard.OrderFilter{Channel: "PH_MAYA"}},
			{name: "ChannelCode", f: dashboard.OrderFilter{Channel: "PH_QRPH"}},
			{name: "From", f: dashboard.OrderFilter{From: at(time.Minute)}},
			{name: "To", f: dashboard.OrderFilter{To: at(time.Minute)}},
			{name: "FromTo", f: dashboard.OrderFilter{From: at(30 * time.Second), To: at(2 * time.Minute)}},
			{name: "QueryTransactionID", f: dashboard.OrderFilter{Query: fx.payoutA.TransactionID}},
			{name: "QueryRefundID", f: dashboard.OrderFilter{Query: fx.refundA.RefundTransactionID}},
			{name: "QueryMchOrderID", f: dashboard.OrderFilter{Query: "shared-1"}},
			{name: "QueryMchRefundOrderID", f: dashboard.OrderFilter{Query: "rf-1"}},
			{name: "QueryStaticCode", f: dashboard.OrderFilter{Query: fx.codeMchA}},
			{name: "QueryOriginal", f: dashboard.OrderFilter{Query: fx.paidA.TransactionID}},
			{name: "QueryUnknown", f: dashboard.OrderFilter{Query: "no-such-order"}, empty: true},
			{name: "PayoutFailedInID", f: dashboard.OrderFilter{Type: dashboard.TypePayout, Status: "FAILED", Country: "ID"}},
			{name: "PayoutInPH", f: dashboard.OrderFilter{Type: dashboard.TypePayout, Country: "PH"}},
			{name: "PendingGCash", f: dashboard.OrderFilter{Status: "PENDING", Channel: "PH_GCASH"}},
			{name: "PaymentsQRLater", f: dashboard.OrderFilter{Type: dashboard.TypePayment, Channel: "PH_QRPH", From: at(45 * time.Second)}},
			{name: "QueryAndType", f: dashboard.OrderFilter{Query: "shared-1", Type: dashboard.TypePayment}},
			{name: "OriginalComplete", f: dashboard.OrderFilter{Query: fx.paidA.TransactionID, Type: dashboard.TypeRefund, Status: "COMPLETE"}},
			{name: "CompletedInRange", f: dashboard.OrderFilter{Status: "COMPLETED", From: at(time.Minute), To: at(3 * time.Minute)}},
			{name: "Before", f: dashboard.OrderFilter{Before: at(time.Minute), BeforeID: fx.payoutA.TransactionID}},
			{name: "BeforeWithoutID", f: dashboard.OrderFilter{Before: at(3 * time.Minute), Type: dashboard.TypePayment}},
			{name: "StatusOfNoPayout", f: dashboard.OrderFilter{Type: dashboard.TypePayout, Status: "COMPLETE"}, empty: true},
		}
		for _, merchantID := range []string{fx.a.MerchantID, ""} {
			scope := fx.want(dashboard.OrderFilter{MerchantID: merchantID})
			for _, tc := range cases {
				f := tc.f
				f.MerchantID, f.Limit = merchantID, 200
				want := fx.want(f)
				if (len(want) == 0) != tc.empty || tc.name != "All" && len(want) == len(scope) {
					t.Fatalf("%s (merchant %q): the fixture has %d of %d orders for it, which tests nothing",
						tc.name, merchantID, len(want), len(scope))
				}
				page := listOrders(t, d, f)
				if len(want) > 0 || len(page.Orders) > 0 {
					same(t, tc.name+" (merchant "+merchantID+")", page.Orders, want)
				}
				if page.More {
					t.Errorf("%s (merchant %q): More with %d orders", tc.name, merchantID, len(page.Orders))
				}
			}
		}
		if _, err := d.ListOrders(t.Context(), dashboard.OrderFilter{Type: "transfer"}); err == nil {
			t.Error("ListOrders of an unknown type: no error")
		}
	}},
	{"DashboardOrderMerchantScope", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		fx := seedOrders(t, s)
		for _, typ := range []dashboard.OrderType{dashboard.TypePayout, dashboard.TypePayment, dashboard.TypeRefund} {
			for _, own := range []gateway.App{fx.a, fx.b} {
				other := fx.b
				if own.AppID == fx.b.AppID {
					other = fx.a
				}
				page := listOrders(t, d, dashboard.OrderFilter{MerchantID: own.MerchantID, Type: typ, Limit: 200})
				if len(page.Orders) == 0 {
					t.Errorf("%s of merchant %s: none", typ, own.MerchantID)
				}
				for _, o := range page.Orders {
					if o.MerchantID != own.MerchantID {
						t.Errorf("%s of merchant %s: got %s of merchant %s", typ, own.MerchantID, o.TransactionID, o.MerchantID)
					}
				}
				// The other merchant's orders, asked for by every id they match.
				for _, o := range fx.want(dashboard.OrderFilter{MerchantID: other.MerchantID, Type: typ}) {
					for _, q := range []string{o.TransactionID, o.MchOrderID, fx.original[o.TransactionID]} {
						if q == "" {
							continue
						}
						for _, g := range listOrders(t, d, dashboard.OrderFilter{MerchantID: own.MerchantID, Query: q}).Orders {
							if g.MerchantID != own.MerchantID {
								t.Errorf("merchant %s asking for %q: got %s %s of merchant %s",
									own.MerchantID, q, g.Type, g.TransactionID, g.MerchantID)
							}
						}
					}
				}
			}
		}
	}},
	{"DashboardOrderPaging", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		_, a := seedApp(t, s)
		_, b := seedApp(t, s)
		var book orderBook
		paid := map[string]gateway.Payment{} // by app id
		for _, app := range []gateway.App{a, b} {
			c := newPayment(app, uniq("pay"))
			c.Status, c.PaidAmount, c.ChannelRef = gateway.StatusCompleted, c.Amount, uniq("REF")
			paid[app.AppID] = book.payment(t, s, c)
		}
		// Many orders at each of four instants, so that pages end inside a
		// run of equal times.
		for i := range 40 {
			app := a
			if i%5 == 4 {
				app = b
			}
			at := t0.Add(time.Duration(i%4) * time.Second)
			switch i % 3 {
			case 0:
				p := newPayout(app, uniq("po"))
				p.CreatedAt, p.UpdatedAt = at, at
				book.payout(t, s, p)
			case 1:
				c := newPayment(app, uniq("pay"))
				c.CreatedAt, c.UpdatedAt = at, at
				if i%2 == 0 {
					c.Status, c.FinishedAt = gateway.StatusExpired, at
				}
				book.payment(t, s, c)
			case 2:
				r := newRefund(paid[app.AppID], uniq("rf"), 100)
				r.CreatedAt, r.UpdatedAt = at, at
				book.refund(t, s, r)
			}
		}
		all := len(book.want(dashboard.OrderFilter{}))
		for _, f := range []dashboard.OrderFilter{
			{MerchantID: a.MerchantID, Limit: 4},
			{Limit: 7},
			{Limit: all},
			{Limit: all - 1},
			{Limit: 1},
			{MerchantID: a.MerchantID, Status: "PENDING", Limit: 3},
			{MerchantID: b.MerchantID, Type: dashboard.TypeRefund, Limit: 1},
			{Channel: "PH_QRPH", To: t0.Add(3 * time.Second), Limit: 5},
		} {
			want := book.want(f)
			if len(want) <= f.Limit && f.Limit != all {
				t.Fatalf("%+v: %d orders fit on one page, which tests nothing", f, len(want))
			}
			same(t, "orders read page by page", walk(t, d, f), want)
		}
	}},
	{"DashboardOrderPageSize", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		_, app := seedApp(t, s)
		var ids []string // newest first
		mustTx(t, s, func(tx gateway.Tx) error {
			for i := range 205 {
				p := newPayout(app, uniq("po"))
				p.CreatedAt = t0.Add(time.Duration(i) * time.Millisecond)
				p.UpdatedAt = p.CreatedAt
				ids = append([]string{p.TransactionID}, ids...)
				if err := tx.InsertPayout(t.Context(), p); err != nil {
					return err
				}
			}
			return nil
		})
		for _, tc := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {20, 20}, {200, 200}, {205, 200}, {1000, 200}} {
			page := listOrders(t, d, dashboard.OrderFilter{MerchantID: app.MerchantID, Limit: tc.limit})
			if len(page.Orders) != tc.want || !page.More || page.Orders[0].TransactionID != ids[0] ||
				page.Orders[len(page.Orders)-1].TransactionID != ids[tc.want-1] {
				t.Errorf("Limit %d: %d orders, More %v; want the newest %d and More", tc.limit, len(page.Orders), page.More, tc.want)
			}
		}
		page := listOrders(t, d, dashboard.OrderFilter{Before: t0.Add(5 * time.Millisecond), Limit: 5})
		if got := len(page.Orders); got != 5 || page.More || page.Orders[4].TransactionID != ids[204] {
			t.Errorf("the last 5: %d orders, More %v", got, page.More)
		}
	}},
	{"DashboardLedgerEntries", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		m, _ := seedApp(t, s)
		ref := uniq("D")
		avail, pending := ledger.MerchantAvailable(m.ID, "PHP"), ledger.MerchantPending(m.ID, "PHP")
		first := ledger.Entry{ID: uniq("E"), Kind: "payment.collect", Ref: ref, At: t0.Add(2 * time.Second),
			Postings: []ledger.Posting{
				{Account: pending, Currency: "PHP", Amount: 9650},
				{Account: ledger.Channel("PH_QRPH", "PHP"), Currency: "PHP", Amount: -10000},
				{Account: ledger.PlatformRevenue("PHP"), Currency: "PHP", Amount: 350},
			}}
		second := transfer(pending, avail, "PHP", 9650)
		second.Kind, second.Ref, second.At = "payment.settle", ref, t0.Add(5*time.Second)
		third := transfer(avail, pending, "PHP", 50)
		third.Kind, third.Ref, third.At = "adjust", ref, t0.Add(5*time.Second)
		other := fundingEntry(m.ID, "PHP", 1000)
		for _, e := range []ledger.Entry{first, second, third, other} {
			if err := post(t, s, e); err != nil {
				t.Fatalf("PostEntry %s: %v", e.ID, err)
			}
		}
		want := []ledger.Entry{first, second, third}
		slices.SortFunc(want, func(x, y ledger.Entry) int {
			if c := x.At.Compare(y.At); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		got, err := d.LedgerEntries(t.Context(), ref)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "entries of "+ref, got, want)
		if got, err := d.LedgerEntries(t.Context(), "D-none"); err != nil || len(got) != 0 {
			t.Errorf("entries of an unknown ref: %+v, %v", got, err)
		}
	}},
	{"DashboardListMerchants", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		ctx := t.Context()
		create := func(name string, disabled bool, delay time.Duration) (gateway.Merchant, gateway.App) {
			m := gateway.Merchant{ID: uniq("M"), Name: name, Disabled: disabled, SettlementDelay: delay, CreatedAt: t0}
			app := gateway.App{AppID: uniq("app"), MerchantID: m.ID, PublicKeyPEM: "pem " + name,
				NotifyURL: "https://" + m.ID + ".example/n", IPAllowlist: []string{"192.0.2.7"}, CreatedAt: t0}
			mustTx(t, s, func(tx gateway.Tx) error { return tx.CreateMerchant(ctx, m, app) })
			return m, app
		}
		beta, betaApp := create("Warung Beta", true, 36*time.Hour)
		beta.No = mustAssignNo(t, s, beta.ID)
		betaApp2 := addApp(t, s, betaApp, uniq("app"), time.Second)
		fees := []gateway.Fee{
			{MerchantID: beta.ID, Channel: "PH_GCASH", Fixed: 100, BPS: 25},
			{MerchantID: beta.ID, Channel: "*", Fixed: 500, BPS: 10},
		}
		for _, f := range fees {
			mustTx(t, s, func(tx gateway.Tx) error { return tx.SetFee(ctx, f) })
		}
		alpha, alphaApp := create("Apotek Alpha", false, 0)
		twin, twinApp := create("Warung Beta", false, time.Minute)
		mustTx(t, s, func(tx gateway.Tx) error {
			return tx.SetFee(ctx, gateway.Fee{MerchantID: twin.ID, Channel: "*", Fixed: 1})
		})
		want := []dashboard.MerchantSummary{
			{Merchant: alpha, Apps: []gateway.App{alphaApp}},
			{Merchant: beta, Apps: []gateway.App{betaApp, betaApp2}, Fees: []gateway.Fee{fees[1], fees[0]}},
			{Merchant: twin, Apps: []gateway.App{twinApp}, Fees: []gateway.Fee{{MerchantID: twin.ID, Channel: "*", Fixed: 1}}},
		}
		slices.SortFunc(want, func(x, y dashboard.MerchantSummary) int {
			if c := strings.Compare(x.Name, y.Name); c != 0 {
				return c
			}
			return strings.Compare(x.ID, y.ID)
		})
		got, err := d.ListMerchants(ctx)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "merchants", got, want)
	}},
	{"DashboardStaticCodes", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		_, a := seedApp(t, s)
		_, b := seedApp(t, s)
		var codes []gateway.StaticCode
		for i, app := range []gateway.App{a, a, a, b, a} {
			c := newStaticCode(app, uniq("code"))
			c.CreatedAt = t0.Add(time.Duration(i/2) * time.Second) // two pairs made at one instant
			c.UpdatedAt = c.CreatedAt
			insertStaticCode(t, s, c)
			codes = append(codes, c)
		}
		newest := func(merchantID string, n int) []gateway.StaticCode {
			var want []gateway.StaticCode
			for _, c := range codes {
				if merchantID == "" || c.MerchantID == merchantID {
					want = append(want, c)
				}
			}
			slices.SortFunc(want, func(x, y gateway.StaticCode) int {
				if c := y.CreatedAt.Compare(x.CreatedAt); c != 0 {
					return c
				}
				return strings.Compare(y.ID, x.ID)
			})
			return want[:min(n, len(want))]
		}
		for _, tc := range []struct {
			merchantID string
			limit      int
			want       []gateway.StaticCode
		}{
			{a.MerchantID, 10, newest(a.MerchantID, 10)},
			{a.MerchantID, 2, newest(a.MerchantID, 2)},
			{b.MerchantID, 10, newest(b.MerchantID, 10)},
			{"", 0, newest("", 50)},
			{"", 3, newest("", 3)},
		} {
			got, err := d.ListStaticCodes(t.Context(), tc.merchantID, tc.limit)
			if err != nil {
				t.Fatal(err)
			}
			same(t, "static codes of "+tc.merchantID, got, tc.want)
		}
	}},
	{"DashboardEndpoints", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		ctx := t.Context()
		fx := seedDeliveries(t, s)
		u1, u2, u3, u4, u6 := "https://a.example/hook", "https://a.example/orders", "https://a.example/slow",
			"https://a.example/x-dead", "https://b.example/hook"
		round := fx.round
		ofA := []dashboard.EndpointHealth{
			{URL: u1, Pending: 1, Dead: 1, Attempts: 4, Failures: 3, LastError: "504 final", LastAttemptAt: round(3)},
			{URL: u2, Pending: 1, Attempts: 1, Failures: 1, LastError: "400 bad", LastAttemptAt: round(2)},
			{URL: u3, Pending: 1, LastError: "old failure", LastAttemptAt: round(0)},
			{URL: u4, Dead: 1, LastError: "gave up"},
		}
		got, err := d.Endpoints(ctx, fx.a1.MerchantID, fx.since)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "endpoints of merchant A", got, ofA)
		all := slices.Insert(slices.Clone(ofA), 1,
			dashboard.EndpointHealth{URL: u6, Pending: 1, Attempts: 2, Failures: 2, LastError: "500 h", LastAttemptAt: round(3)})
		got, err = d.Endpoints(ctx, "", fx.since)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "endpoints of every merchant", got, all)
		got, err = d.Endpoints(ctx, fx.b.MerchantID, round(4))
		if err != nil {
			t.Fatal(err)
		}
		same(t, "endpoints of merchant B after the last attempt", got,
			[]dashboard.EndpointHealth{{URL: u6, Pending: 1, LastError: "500 h", LastAttemptAt: round(3)}})
	}},
	{"DashboardDeliveryLatencies", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		fx := seedDeliveries(t, s)
		for _, tc := range []struct {
			merchantID string
			since      time.Time
		}{
			{fx.a1.MerchantID, fx.since},
			{"", fx.since},
			{fx.b.MerchantID, fx.since},
			{"", fx.round(0)},
			{fx.a1.MerchantID, fx.round(4)},
		} {
			var want []time.Duration
			for _, a := range fx.attempts {
				if a.notify && !a.at.Before(tc.since) && (tc.merchantID == "" || a.merchantID == tc.merchantID) {
					want = append(want, a.latency)
				}
			}
			slices.Sort(want)
			got, err := d.DeliveryLatencies(t.Context(), tc.merchantID, tc.since)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) == 0 && len(want) == 0 {
				continue
			}
			same(t, "latencies of "+tc.merchantID+" since "+tc.since.String(), got, want)
		}
	}},
	{"DashboardVolume", func(t *testing.T, s Store) {
		d := dashboardStore(t, s)
		_, a := seedApp(t, s)
		_, b := seedApp(t, s)
		day1 := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		day2 := day1.AddDate(0, 0, 1)
		payout := func(app gateway.App, code string, status gateway.Status, amount int64, at time.Time) {
			p := newPayout(app, uniq("po"))
			p.TransferCode, p.Status, p.Amount, p.CreatedAt, p.UpdatedAt = code, status, amount, at, at
			if code == "ID_BCA" {
				p.CountryCode, p.Currency = "ID", "IDR"
			}
			insertPayout(t, s, p)
		}
		payout(a, "PH_GCASH", gateway.StatusCompleted, 10000, day1.Add(time.Hour))
		payout(a, "PH_GCASH", gateway.StatusCompleted, 20000, day2.Add(-time.Millisecond))
		payout(a, "PH_GCASH", gateway.StatusFailed, 5000, day1.Add(2*time.Hour))
		payout(a, "PH_GCASH", gateway.StatusPending, 7000, day1)
		payout(a, "ID_BCA", gateway.StatusFailed, 900000, day1.Add(3*time.Hour))
		payout(a, "PH_GCASH", gateway.StatusCompleted, 1000, day2)
		payout(a, "PH_GCASH", gateway.StatusCompleted, 1, day1.Add(-time.Millisecond)) // before from
		payout(a, "PH_GCASH", gateway.StatusCompleted, 1, day2.AddDate(0, 0, 1))       // at to
		payout(b, "PH_GCASH", gateway.StatusCompleted, 99999, day1.Add(4*time.Hour))   // another merchant's
		under := newPayment(a, uniq("pay"))
		under.Status, under.PaidAmount, under.ChannelRef = gateway.StatusCompleted, 24000, uniq("REF") // of 25000
		under.CreatedAt, under.UpdatedAt = day1.Add(5*time.Hour), day1.Add(5*time.Hour)
		insertPayment(t, s, under)
		expired := newPayment(a, uniq("pay"))
		expired.Status, expired.Amount, expired.CreatedAt, expired.UpdatedAt = gateway.StatusExpired, 9000, day1.Add(time.Hour), day1.Add(time.Hour)
		insertPayment(t, s, expired)
		for _, r := range []struct {
			status gateway.RefundStatus
			amount int64
		}{{gateway.RefundComplete, 1000}, {gateway.RefundCancel, 500}, {gateway.RefundFailed, 300}, {gateway.RefundPending, 200}} {
			rf := newRefund(under, uniq("rf"), r.amount)
			rf.Status, rf.CreatedAt, rf.UpdatedAt = r.status, day1.Add(6*time.Hour), day1.Add(6*time.Hour)
			mustTx(t, s, func(tx gateway.Tx) error { return tx.InsertRefund(t.Context(), rf) })
		}
		row := func(day time.Time, typ dashboard.OrderType, channel, currency string, count, ok, failed, amount int64) dashboard.VolumeRow {
			return dashboard.VolumeRow{Day: day, Type: typ, Channel: channel, Currency: currency, Count: count,
				Succeeded: ok, Failed: failed, Amount: amount}
		}
		ofA := []dashboard.VolumeRow{
			row(day1, dashboard.TypePayment, "PH_QRPH", "PHP", 2, 1, 1, 24000),
			row(day1, dashboard.TypePayout, "ID_BCA", "IDR", 1, 0, 1, 0),
			row(day1, dashboard.TypePayout, "PH_GCASH", "PHP", 4, 2, 1, 30000),
			row(day1, dashboard.TypeRefund, "PH_QRPH", "PHP", 4, 1, 2, 1000),
			row(day2, dashboard.TypePayout, "PH_GCASH", "PHP", 1, 1, 0, 1000),
		}
		to := day2.AddDate(0, 0, 1)
		got, err := d.Volume(t.Context(), a.MerchantID, day1, to)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "volume of merchant A", got, ofA)
		all := slices.Clone(ofA)
		all[2] = row(day1, dashboard.TypePayout, "PH_GCASH", "PHP", 5, 3, 1, 129999)
		got, err = d.Volume(t.Context(), "", day1, to)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "volume of every merchant", got, all)
	}},
}

// deliveries is notifications of two merchants (merchant A through two
// apps) and their attempts, made in rounds a minute apart; since falls
// between the second and third round.
type deliveries struct {
	a1, a2, b gateway.App
	since     time.Time
	attempts  []deliveryAttempt
}

type deliveryAttempt struct {
	merchantID string
	notify     bool
	at         time.Time
	latency    time.Duration
}

func (deliveries) round(k int) time.Time { return t0.Add(time.Duration(k) * time.Minute) }

// seedDeliveries queues the messages and runs their attempts through
// ClaimOutbox and FinishAttempt, as the dispatcher does.
func seedDeliveries(t *testing.T, s Store) deliveries {
	t.Helper()
	var fx deliveries
	_, fx.a1 = seedApp(t, s)
	fx.a2 = addApp(t, s, fx.a1, uniq("app"), time.Second)
	_, fx.b = seedApp(t, s)
	fx.since = fx.round(1).Add(30 * time.Second)
	never := t0.Add(24 * time.Hour)
	type script struct {
		msg   gateway.OutboxMessage
		first int      // the round of the first attempt
		steps []string // each attempt's response; "ok" delivers
		dies  bool     // no retry after the last failure
	}
	msg := func(app gateway.App, url string, created time.Time) gateway.OutboxMessage {
		m := notification(uniq("N"), never)
		m.AppID, m.URL, m.CreatedAt = app.AppID, url, created
		return m
	}
	scripts := []script{
		{msg: msg(fx.a1, "https://a.example/hook", t0), steps: []string{"500 a", "500 b", "502 c", "ok"}},
		{msg: msg(fx.a2, "https://a.example/hook", t0), steps: []string{"500 d", "500 e", "503 f", "504 final"}, dies: true},
		{msg: msg(fx.a1, "https://a.example/hook", fx.round(2))},
		{msg: msg(fx.a1, "https://a.example/orders", t0), first: 2, steps: []string{"400 bad"}},
		{msg: msg(fx.a2, "https://a.example/slow", t0.Add(-time.Hour)), steps: []string{"old failure"}},
		{msg: msg(fx.a1, "https://a.example/old", t0.Add(-time.Hour)), steps: []string{"ok"}},
		{msg: msg(fx.b, "https://b.example/hook", t0), steps: []string{"500", "500", "500 g", "500 h"}},
		{msg: gateway.OutboxMessage{Topic: gateway.TopicSubmit, AppID: fx.a1.AppID, TransactionID: uniq("N"),
			CreatedAt: fx.round(2)}, first: 2, steps: []string{"submit failed"}},
	}
	dead := msg(fx.a1, "https://a.example/x-dead", fx.round(2))
	dead.Status, dead.LastError = gateway.OutboxDead, "gave up"
	queue(t, s, dead)
	byID := map[int64]*script{}
	for i := range scripts {
		sc := &scripts[i]
		if len(sc.steps) > 0 {
			sc.msg.NextAttemptAt = fx.round(sc.first)
		}
		sc.msg = queue(t, s, sc.msg)[0]
		byID[sc.msg.ID] = sc
	}
	merchantOf := map[string]string{fx.a1.AppID: fx.a1.MerchantID, fx.a2.AppID: fx.a2.MerchantID, fx.b.AppID: fx.b.MerchantID}
	for k := range 4 {
		now := fx.round(k)
		for _, id := range claim(t, s, "dispatcher", now, 100) {
			sc := byID[id]
			if sc == nil || k-sc.first >= len(sc.steps) {
				t.Fatalf("round %d claimed message %d, which has no attempt left", k, id)
			}
			i := k - sc.first
			a := gateway.DeliveryAttempt{MessageID: id, At: now, HTTPStatus: 500, Response: sc.steps[i],
				Latency: time.Duration((len(fx.attempts)*37)%50+1) * time.Millisecond, OK: sc.steps[i] == "ok"}
			next := never
			switch {
			case a.OK:
				a.HTTPStatus = 200
			case i < len(sc.steps)-1:
				next = fx.round(k + 1)
			case sc.dies:
				next = time.Time{}
			}
			if err := finish(t, s, "dispatcher", a, next); err != nil {
				t.Fatalf("FinishAttempt: %v", err)
			}
			fx.attempts = append(fx.attempts, deliveryAttempt{merchantID: merchantOf[sc.msg.AppID],
				notify: sc.msg.Topic == gateway.TopicNotify, at: now, latency: a.Latency})
		}
	}
	return fx
}
