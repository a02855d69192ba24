package dashboard_test

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/auth"
	"github.com/kasir-gateway/kasir/dashboard"
	"github.com/kasir-gateway/kasir/gateway"
)

// portalOrderPath is an order page's address.
func portalOrderPath(transactionID string) string {
	return dashboard.Base + "/orders/" + url.PathEscape(transactionID)
}

// portalPayout creates a PH bank payout of amount minor units for app.
func portalPayout(t *testing.T, e *env, app gateway.App, mchOrderID string, amount int64) gateway.Payout {
	t.Helper()
	p, err := e.gw.CreatePayout(e.ctx, app, gateway.PayoutRequest{MchOrderID: mchOrderID, CountryCode: "PH", Currency: "PHP",
		Amount: amount, PayMethod: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan dela Cruz"})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// portalPaidPayment creates a GCash payment of amount and has the customer
// pay it in full through the simulator.
func portalPaidPayment(t *testing.T, e *env, app gateway.App, mchOrderID string, amount int64) gateway.Payment {
	t.Helper()
	p, err := e.gw.CreatePayment(e.ctx, app, gateway.PaymentRequest{MchOrderID: mchOrderID, CountryCode: "PH", Currency: "PHP",
		Amount: amount, ChannelCode: "PH_GCASH"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.Pay(e.ctx, p.TransactionID, amount); err != nil {
		t.Fatal(err)
	}
	if _, err := e.sim.ReportDue(e.ctx); err != nil {
		t.Fatal(err)
	}
	if p, err = e.data.GetPaymentByID(e.ctx, p.TransactionID); err != nil || p.Status != gateway.StatusCompleted {
		t.Fatalf("payment after the customer paid: %+v, %v", p, err)
	}
	return p
}

// portalMerchantUser signs in a new user of app's merchant.
func portalMerchantUser(t *testing.T, e *env, email string, app gateway.App) *browser {
	t.Helper()
	e.user(t, email, auth.RoleMerchant, app.MerchantID)
	return e.login(t, email)
}

func portalOperator(t *testing.T, e *env) *browser {
	t.Helper()
	e.user(t, "ops@kasir.test", auth.RoleOperator, "")
	return e.login(t, "ops@kasir.test")
}

var (
	rowTx    = regexp.MustCompile(`<tr data-tx="([^"]+)" data-type=`)
	nextLink = regexp.MustCompile(`<a href="([^"]+)" id="next-page"`)
	orderID  = regexp.MustCompile(`<h1 id="order" data-tx="([^"]+)"`)
)

// portalRows returns the transaction ids the transactions page lists.
func portalRows(body string) []string {
	var ids []string
	for _, m := range rowTx.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// portalList opens the transactions page with the query and returns the
// ids listed; an exact search that opened the order returns that one.
func portalList(t *testing.T, b *browser, query string) []string {
	t.Helper()
	status, body := b.get(dashboard.Base + "/orders?" + query)
	if status != http.StatusOK {
		t.Fatalf("orders?%s: status %d\n%s", query, status, body)
	}
	if m := orderID.FindStringSubmatch(body); m != nil {
		return []string{m[1]}
	}
	return portalRows(body)
}

func sameSet(got, want []string) bool {
	g, w := slices.Clone(got), slices.Clone(want)
	slices.Sort(g)
	slices.Sort(w)
	return slices.Equal(g, w)
}

func TestPortalOrdersScopedToMerchant(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		other := e.merchant(t, "Other Shop")
		mine := portalPayout(t, e, e.app, "MINE-1", 10_000)
		theirs := portalPayout(t, e, other, "THEIRS-1", 10_000)

		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		if got := portalList(t, b, ""); !sameSet(got, []string{mine.TransactionID}) {
			t.Errorf("merchant sees %v, want only its payout %s", got, mine.TransactionID)
		}
		// Asking for another merchant does not widen a merchant user's scope.
		if got := portalList(t, b, "merchant="+other.MerchantID); !sameSet(got, []string{mine.TransactionID}) {
			t.Errorf("merchant=other: merchant sees %v", got)
		}
		if _, body := b.get(dashboard.Base + "/orders"); strings.Contains(body, "THEIRS-1") {
			t.Error("the list shows another merchant's mchOrderId")
		}

		ops := portalOperator(t, e)
		if got := portalList(t, ops, ""); !sameSet(got, []string{mine.TransactionID, theirs.TransactionID}) {
			t.Errorf("operator sees %v, want both payouts", got)
		}
		if got := portalList(t, ops, "merchant="+other.MerchantID); !sameSet(got, []string{theirs.TransactionID}) {
			t.Errorf("operator filtering by merchant sees %v", got)
		}
	})
}

func TestPortalOrdersFilters(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		payout := portalPayout(t, e, e.app, "PO-1", 10_000)
		payment := portalPaidPayment(t, e, e.app, "PAY-1", 20_000)
		refund, err := e.gw.CreateRefund(e.ctx, e.app, gateway.RefundRequest{MchRefundOrderID: "RF-1",
			OriginalTransactionID: payment.TransactionID, Amount: 5_000})
		if err != nil {
			t.Fatal(err)
		}
		pending, err := e.gw.CreatePayment(e.ctx, e.app, gateway.PaymentRequest{MchOrderID: "PAY-2", CountryCode: "PH",
			Currency: "PHP", Amount: 30_000, ChannelCode: "PH_MAYA"})
		if err != nil {
			t.Fatal(err)
		}
		all := []string{payout.TransactionID, payment.TransactionID, refund.RefundTransactionID, pending.TransactionID}
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		today := time.Now().UTC()
		day := func(d int) string { return today.AddDate(0, 0, d).Format(time.DateOnly) }

		for _, c := range []struct {
			query string
			want  []string
		}{
			{"", all},
			{"type=payout", []string{payout.TransactionID}},
			{"type=payment", []string{payment.TransactionID, pending.TransactionID}},
			{"type=refund", []string{refund.RefundTransactionID}},
			{"status=COMPLETED", []string{payment.TransactionID}},
			{"status=PENDING", []string{payout.TransactionID, refund.RefundTransactionID, pending.TransactionID}},
			{"type=payment&status=PENDING", []string{pending.TransactionID}},
			{"country=PH", all},
			{"country=ID", nil},
			{"channel=BDO", []string{payout.TransactionID}},
			{"channel=PH_MAYA", []string{pending.TransactionID}},
			{"from=" + day(0) + "&to=" + day(0), all},
			{"from=" + day(1), nil},
			{"to=" + day(-1), nil},
			{"q=PO-1", []string{payout.TransactionID}},
			{"q=" + pending.TransactionID, []string{pending.TransactionID}},
			{"q=RF-1", []string{refund.RefundTransactionID}},
			{"q=NO-SUCH-ORDER", nil},
		} {
			if got := portalList(t, b, c.query); !sameSet(got, c.want) {
				t.Errorf("orders?%s lists %v, want %v", c.query, got, c.want)
			}
		}

		for _, bad := range []struct{ query, msg string }{
			{"type=invoice", "Type:"},
			{"status=LOST", "Status:"},
			{"country=XX", "Country:"},
			{"from=yesterday", "From:"},
			{"from=" + day(1) + "&to=" + day(0), "To: must not be before From."},
			{"limit=0", "Limit:"},
		} {
			status, body := b.get(dashboard.Base + "/orders?" + bad.query)
			if status != http.StatusBadRequest || !strings.Contains(body, `id="filter-error"`) || !strings.Contains(body, html.EscapeString(bad.msg)) {
				t.Errorf("orders?%s: status %d, want 400 with %q", bad.query, status, bad.msg)
			}
			if len(portalRows(body)) != 0 {
				t.Errorf("orders?%s: rows listed despite the error", bad.query)
			}
		}
	})
}

func TestPortalOrdersPaging(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		var want []string
		for i := range 12 {
			want = append(want, portalPayout(t, e, e.app, fmt.Sprintf("PAGE-%02d", i), 1_000).TransactionID)
		}
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		var seen []string
		path := dashboard.Base + "/orders?limit=5"
		for pages := 1; ; pages++ {
			status, body := b.get(path)
			if status != http.StatusOK {
				t.Fatalf("%s: status %d", path, status)
			}
			rows := portalRows(body)
			if len(rows) > 5 {
				t.Fatalf("page %d lists %d orders, more than the limit", pages, len(rows))
			}
			if pages > 1 && !strings.Contains(body, `id="first-page"`) {
				t.Errorf("page %d has no link to the first page", pages)
			}
			seen = append(seen, rows...)
			m := nextLink.FindStringSubmatch(body)
			if m == nil {
				if pages != 3 {
					t.Errorf("walked %d pages of 5 for 12 orders, want 3", pages)
				}
				break
			}
			if pages > 5 {
				t.Fatal("the next-page links do not end")
			}
			path = html.UnescapeString(m[1])
		}
		if len(seen) != len(want) || !sameSet(seen, want) {
			t.Errorf("paging saw %d orders %v, want the %d created", len(seen), seen, len(want))
		}
	})
}

// portalAttempt records a delivery attempt on the transaction's
// notification as a dispatcher would: claim it, then finish it.
func portalAttempt(t *testing.T, e *env, transactionID string, httpStatus int, response string, ok bool) gateway.OutboxMessage {
	t.Helper()
	now := time.Now()
	msgs, err := e.data.ClaimOutbox(e.ctx, "portal-test", now.Add(time.Minute), now.Add(time.Hour), 100)
	if err != nil {
		t.Fatal(err)
	}
	var msg gateway.OutboxMessage
	for _, m := range msgs {
		if m.TransactionID == transactionID && m.Topic == gateway.TopicNotify {
			msg = m
		}
	}
	if msg.ID == 0 {
		t.Fatalf("no notification of %s to claim among %d messages", transactionID, len(msgs))
	}
	var next time.Time
	if !ok {
		next = now.Add(time.Hour)
	}
	// The other messages claimed stay leased for an hour; no test here
	// looks at them.
	a := gateway.DeliveryAttempt{MessageID: msg.ID, At: now, HTTPStatus: httpStatus, Response: response, Latency: 42 * time.Millisecond, OK: ok}
	if err := e.data.FinishAttempt(e.ctx, "portal-test", a, next); err != nil {
		t.Fatal(err)
	}
	return msg
}

// portalComplete completes a payout as its channel would report it.
func portalComplete(t *testing.T, e *env, transactionID string) {
	t.Helper()
	if err := e.gw.ApplyPayoutResult(e.ctx, transactionID, gateway.ChannelResult{Status: gateway.StatusCompleted}); err != nil {
		t.Fatal(err)
	}
}

func TestPortalOrderTimeline(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		p := portalPayout(t, e, e.app, "TL-1", 10_000)
		portalComplete(t, e, p.TransactionID)
		msg := portalAttempt(t, e, p.TransactionID, http.StatusInternalServerError, "upstream exploded", false)

		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		status, body := b.get(portalOrderPath(p.TransactionID))
		if status != http.StatusOK {
			t.Fatalf("order page: status %d\n%s", status, body)
		}
		i := strings.Index(body, `id="timeline"`)
		if i < 0 {
			t.Fatalf("no timeline on the order page:\n%s", body)
		}
		tl := body[i:]
		for _, want := range []string{
			`data-entry="` + p.TransactionID + `:hold"`,
			`data-entry="` + p.TransactionID + `:post"`,
			fmt.Sprintf(`data-message="%d"`, msg.ID),
			"Notification disbursement.success queued",
			fmt.Sprintf(`data-attempt="%d" data-ok="false"`, msg.ID),
			"HTTP 500", "upstream exploded",
			"&#34;mchOrderId&#34;: &#34;TL-1&#34;", // the request body, indented
			"&#34;transactionStatus&#34;: &#34;COMPLETED&#34;",
			"merchant:" + e.app.MerchantID + ":held:PHP",
			"Payout completed",
		} {
			if !strings.Contains(tl, want) {
				t.Errorf("the timeline lacks %q", want)
			}
		}
		// Oldest first: the hold comes before the post, the post before the attempt.
		hold, post, attempt := strings.Index(tl, ":hold\""), strings.Index(tl, ":post\""), strings.Index(tl, "data-attempt=")
		if !(hold < post && post < attempt) {
			t.Errorf("timeline out of order: hold at %d, post at %d, attempt at %d", hold, post, attempt)
		}
	})
}

func TestPortalOrderOfAnotherMerchantIsNotFound(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		other := e.merchant(t, "Other Shop")
		theirs := portalPayout(t, e, other, "SECRET-ORDER-7", 10_000)
		portalComplete(t, e, theirs.TransactionID)
		portalAttempt(t, e, theirs.TransactionID, http.StatusOK, `{"code":10000}`, true)
		payment := portalPaidPayment(t, e, other, "SECRET-PAY-8", 10_000)
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)

		for _, id := range []string{theirs.TransactionID, payment.TransactionID, "NO-SUCH-ID"} {
			status, body := b.get(portalOrderPath(id))
			if status != http.StatusNotFound || strings.Contains(body, "SECRET-") {
				t.Errorf("GET another merchant's order %s: status %d, reveals it: %v", id, status, strings.Contains(body, "SECRET-"))
			}
		}
		b.get(dashboard.Base + "/orders") // a fresh form token
		if status, _ := b.post(portalOrderPath(theirs.TransactionID)+"/resend", url.Values{}); status != http.StatusNotFound {
			t.Errorf("resend of another merchant's order: status %d, want 404", status)
		}
		if status, _ := b.post(portalOrderPath(payment.TransactionID)+"/refund", url.Values{"amount": {"1.00"}}); status != http.StatusNotFound {
			t.Errorf("refund of another merchant's payment: status %d, want 404", status)
		}
		if m := portalNotice(t, e, theirs.TransactionID); m.Status != gateway.OutboxDelivered {
			t.Errorf("another merchant's resend changed its notification to %s", m.Status)
		}
		if rs, err := e.data.ListRefunds(e.ctx, other.AppID, payment.TransactionID); err != nil || len(rs) != 0 {
			t.Errorf("refunds of the other merchant's payment: %v, %v", rs, err)
		}
	})
}

// portalNotice returns the transaction's notification.
func portalNotice(t *testing.T, e *env, transactionID string) gateway.OutboxMessage {
	t.Helper()
	msgs, err := e.data.ListOutbox(e.ctx, transactionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Topic == gateway.TopicNotify {
			return m
		}
	}
	t.Fatalf("%s has no notification", transactionID)
	return gateway.OutboxMessage{}
}

// portalForeignPost posts a form with the right token from another origin.
func portalForeignPost(t *testing.T, b *browser, path string, form url.Values) int {
	t.Helper()
	form.Set("csrf", b.csrf)
	req, _ := http.NewRequest(http.MethodPost, b.e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	resp, err := b.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestPortalResend(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		p := portalPayout(t, e, e.app, "RS-1", 10_000)
		portalComplete(t, e, p.TransactionID)
		portalAttempt(t, e, p.TransactionID, http.StatusOK, `{"code":10000}`, true)
		if m := portalNotice(t, e, p.TransactionID); m.Status != gateway.OutboxDelivered {
			t.Fatalf("notification before resend: %s", m.Status)
		}
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		if status, _ := b.get(portalOrderPath(p.TransactionID)); status != http.StatusOK {
			t.Fatalf("order page: %d", status)
		}

		// Refused: without the form token, and from another origin.
		if status, _ := b.post(portalOrderPath(p.TransactionID)+"/resend", url.Values{"csrf": {"forged"}}); status != http.StatusForbidden {
			t.Errorf("resend with a wrong token: status %d, want 403", status)
		}
		b.get(portalOrderPath(p.TransactionID))
		if status := portalForeignPost(t, b, portalOrderPath(p.TransactionID)+"/resend", url.Values{}); status != http.StatusForbidden {
			t.Errorf("resend from another origin: status %d, want 403", status)
		}
		if m := portalNotice(t, e, p.TransactionID); m.Status != gateway.OutboxDelivered {
			t.Fatalf("a refused resend changed the notification to %s", m.Status)
		}

		status, body := b.post(portalOrderPath(p.TransactionID)+"/resend", url.Values{})
		if status != http.StatusOK || !strings.Contains(body, "1 notification(s) queued for delivery.") {
			t.Errorf("resend: status %d, flash missing:\n%s", status, body)
		}
		if !strings.Contains(body, `id="timeline"`) {
			t.Error("resend did not lead back to the order page")
		}
		if m := portalNotice(t, e, p.TransactionID); m.Status != gateway.OutboxPending {
			t.Errorf("notification after resend: %s, want PENDING", m.Status)
		}
	})
}

func TestPortalRefund(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		pay := portalPaidPayment(t, e, e.app, "RFD-1", 20_000)
		b := portalMerchantUser(t, e, "owner@shop.test", e.app)
		page := portalOrderPath(pay.TransactionID)
		status, body := b.get(page)
		if status != http.StatusOK || !strings.Contains(body, `id="refund-form"`) {
			t.Fatalf("payment page: status %d, refund form shown: %v", status, strings.Contains(body, `id="refund-form"`))
		}
		refunds := func() []gateway.Refund {
			rs, err := e.data.ListRefunds(e.ctx, e.app.AppID, pay.TransactionID)
			if err != nil {
				t.Fatal(err)
			}
			return rs
		}

		_, pageBody := b.get(page)
		m := refundIDField.FindStringSubmatch(pageBody)
		if m == nil {
			t.Fatal("the refund form has no refund_id")
		}
		refundID := m[1]
		for _, bad := range []struct{ amount, msg string }{
			{"", "Amount: enter how much to refund"},
			{"ten", "Amount: a positive amount in PHP"},
			{"-5", "Amount: a positive amount in PHP"},
			{"0", "Amount: a positive amount in PHP"},
			{"1.234", "Amount: a positive amount in PHP"},
			{"200.01", "Amount: refund amount 20001 exceeds"},
		} {
			status, body := b.post(page+"/refund", url.Values{"amount": {bad.amount}, "reason": {"broken"}, "refund_id": {refundID}})
			if status != http.StatusBadRequest || !strings.Contains(body, `id="refund-amount-error"`) || !strings.Contains(body, bad.msg) {
				t.Errorf("refund of %q: status %d, want 400 with %q", bad.amount, status, bad.msg)
			}
			if n := len(refunds()); n != 0 {
				t.Fatalf("refund of %q created %d refunds", bad.amount, n)
			}
		}

		if status, _ := b.post(page+"/refund", url.Values{"amount": {"50.00"}, "csrf": {"forged"}}); status != http.StatusForbidden {
			t.Errorf("refund with a wrong token: status %d, want 403", status)
		}
		b.get(page)
		if status := portalForeignPost(t, b, page+"/refund", url.Values{"amount": {"50.00"}}); status != http.StatusForbidden {
			t.Errorf("refund from another origin: status %d, want 403", status)
		}
		if n := len(refunds()); n != 0 {
			t.Fatalf("refused refunds created %d refunds", n)
		}

		if status, body := b.post(page+"/refund", url.Values{"amount": {"50.00"}}); status != http.StatusBadRequest || !strings.Contains(body, "out of date") {
			t.Errorf("refund without the form's refund_id: status %d, want 400 saying the form is out of date", status)
		}
		status, body = b.post(page+"/refund", url.Values{"amount": {"50.00"}, "reason": {"damaged box"}, "refund_id": {refundID}})
		if status != http.StatusOK || !strings.Contains(body, "Refund of 50.00 PHP created") {
			t.Fatalf("refund: status %d\n%s", status, body)
		}
		// The same form sent again (a double click) makes no second refund.
		if status, body := b.post(page+"/refund", url.Values{"amount": {"50.00"}, "reason": {"damaged box"}, "refund_id": {refundID}}); status != http.StatusOK || !strings.Contains(body, "made already") {
			t.Errorf("the same refund form again: status %d, want the page saying it was made already", status)
		}
		rs := refunds()
		if len(rs) != 1 || rs[0].Amount != 5_000 || rs[0].Reason != "damaged box" || rs[0].MchRefundOrderID != refundID {
			t.Fatalf("refunds after one: %+v", rs)
		}
		_, body = b.get(page)
		if !strings.Contains(body, `<tr data-tx="`+rs[0].RefundTransactionID+`">`) {
			t.Error("the payment page does not list its refund")
		}
		// The refund's own page links back to the payment.
		status, body = b.get(portalOrderPath(rs[0].RefundTransactionID))
		if status != http.StatusOK || !strings.Contains(body, `id="original-payment">`+pay.TransactionID) {
			t.Errorf("refund page: status %d, links to the payment: %v", status, strings.Contains(body, pay.TransactionID))
		}
	})
}

var refundIDField = regexp.MustCompile(`name="refund_id" value="([^"]+)"`)

// A merchant user's timeline holds the notifications only: not the channel
// submissions (their attempts carry the connectors' own errors) nor the
// connector's name; operators see both.
func TestPortalTimelineHidesChannelInternals(t *testing.T) {
	forEngine(t, func(t *testing.T, e *env) {
		p, err := e.gw.CreatePayout(e.ctx, e.app, gateway.PayoutRequest{MchOrderID: "INTERNALS-1", CountryCode: "PH", Currency: "PHP",
			Amount: 10_000, PayMethod: "BANK", TransferCode: "BDO", AccountNo: "1234567890", AccountName: "Juan"})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.gw.SubmitPayout(e.ctx, p.TransactionID); err != nil {
			t.Fatal(err)
		}
		e.user(t, "ops@kasir.test", auth.RoleOperator, "")
		e.user(t, "owner@sari.test", auth.RoleMerchant, e.app.MerchantID)
		_, merchantPage := e.login(t, "owner@sari.test").get(portalOrderPath(p.TransactionID))
		_, operatorPage := e.login(t, "ops@kasir.test").get(portalOrderPath(p.TransactionID))
		for _, hidden := range []string{"Submission to the channel", "connector sim", "Connector: sim"} {
			if strings.Contains(merchantPage, hidden) {
				t.Errorf("the merchant user's order page shows %q", hidden)
			}
		}
		if !strings.Contains(operatorPage, "connector sim") || !strings.Contains(operatorPage, "Connector: sim") {
			t.Error("the operator's order page does not show the connector")
		}
	})
}
