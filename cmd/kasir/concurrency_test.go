package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// The concurrency suite: many calls at once through a real server, on both
// engines, and the books exact afterwards. Each test bounds its load with a
// worker pool over keep-alive connections, so that it takes a few seconds.

// raceWorkers is how many calls are in flight at once.
const raceWorkers = 64

// raceClient returns the merchant's SDK client over an HTTP client that
// keeps a connection per worker alive, and that HTTP client.
func raceClient(s *Server, appID string, t *testing.T) (*client.Client, *http.Client) {
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: raceWorkers, MaxIdleConnsPerHost: raceWorkers, IdleConnTimeout: 30 * time.Second}}
	t.Cleanup(hc.CloseIdleConnections)
	return client.New("http://"+s.Addr(), appID, merchantKey(t), client.WithHTTPClient(hc)), hc
}

// racePost posts a signed body (client.Client.Envelope) to url and reads
// the answer as the SDK does: nil on 10000, with data decoded into out, and
// a *client.APIError for any other code.
func racePost(hc *http.Client, url string, body []byte, out any) error {
	resp, err := hc.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var r struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return fmt.Errorf("HTTP %d: %w", resp.StatusCode, err)
	}
	if r.Code != client.CodeSuccess {
		return &client.APIError{HTTPStatus: resp.StatusCode, Code: r.Code, Message: r.Message}
	}
	return json.Unmarshal(r.Data, out)
}

// raceHammer makes n calls of call(i) from raceWorkers goroutines and
// returns each call's code: 10000 for success, the *client.APIError's code
// otherwise. A call that gets no API answer at all (a transport failure)
// fails the test.
func raceHammer(t *testing.T, n int, call func(i int) error) []int {
	t.Helper()
	codes := make([]int, n)
	next := make(chan int)
	var wg sync.WaitGroup
	for range raceWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				err := call(i)
				codes[i] = client.CodeSuccess
				if err != nil {
					if codes[i] = client.ErrorCode(err); codes[i] == 0 {
						t.Errorf("call %d: %v", i, err)
					}
				}
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	return codes
}

// raceTally tallies codes.
func raceTally(codes []int) map[int]int {
	m := map[int]int{}
	for _, c := range codes {
		m[c]++
	}
	return m
}

// onboardFee is the fee onboard sets, on payouts and payments alike: PHP
// 10.00 plus 0.5% of the amount, rounded half up.
func onboardFee(amount int64) int64 { return 1000 + (amount*50+5_000)/10_000 }

// raceBalance waits until the merchant's PHP balance is exactly available,
// pending and held, and fails the test with the last one read otherwise.
func raceBalance(t *testing.T, c *client.Client, available, pending, held int64) {
	t.Helper()
	var last client.Balance
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		last, err = c.Balance(context.Background(), "PH")
		if err == nil && last.AvailableAmount == available && last.PendingAmount == pending && last.HeldAmount == held {
			return
		}
	}
	t.Fatalf("balance %+v, %v; want available %d, pending %d, held %d", last, err, available, pending, held)
}

// raceLedgerCheck runs `kasir ledger check` on db and fails the test
// unless it passes.
func raceLedgerCheck(t *testing.T, db string) {
	t.Helper()
	if code, out, errOut := runCLI(t, db, "ledger", "check"); code != 0 || !strings.Contains(out, "ledger check OK") {
		t.Fatalf("ledger check: exit %d\n%s%s", code, out, errOut)
	}
}

// TestConcurrentIdenticalPayouts sends one payout request 1,000 times at
// once, byte for byte the same (as a client's retry storm would, within the
// timestamp window): exactly one order is created and held once; every
// other call is told the order exists.
func TestConcurrentIdenticalPayouts(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)
		defer closeServer(t, s)
		_, appID := onboard(t, s, db, "") // PHP 10,000.00 available
		c, hc := raceClient(s, appID, t)
		ctx := context.Background()
		// ...9999 stays PENDING: the hold stays visible until the end.
		param := fmt.Sprintf(`{"mchOrderId":"RACE-1","idempotencyId":"RACE-IDEM-1","countryCode":"PH","currency":"PHP",`+
			`"amount":10000,"payMethodCode":"BANK","transferCode":"BDO","accountNo":"1234569999",`+
			`"accountName":"Juan Dela Cruz","timestamp":%d}`, time.Now().UnixMilli())
		body, err := c.Envelope([]byte(param))
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var created []string
		start := time.Now()
		codes := raceHammer(t, 1000, func(int) error {
			var res client.PayoutResult
			err := racePost(hc, "http://"+s.Addr()+client.PathCreatePayout, body, &res)
			if err == nil {
				mu.Lock()
				created = append(created, res.TransactionID)
				mu.Unlock()
			}
			return err
		})
		t.Logf("1,000 identical payouts in %v: %v", time.Since(start), raceTally(codes))
		tally := raceTally(codes)
		if tally[client.CodeSuccess] != 1 || tally[client.CodeDuplicateOrder]+tally[client.CodeDuplicateIdempotent] != 999 {
			t.Fatalf("answers %v; want one 10000 and 999 × 21007/21015", tally)
		}
		p, err := c.CheckPayout(ctx, client.CheckRequest{MchOrderID: "RACE-1", CountryCode: "PH"})
		if err != nil || p.TransactionID != created[0] || p.Amount != 10_000 || p.Fee != onboardFee(10_000) {
			t.Fatalf("check: %+v, %v; want %s", p, err, created[0])
		}
		cost := 10_000 + onboardFee(10_000)
		raceBalance(t, c, 1_000_000-cost, 0, cost)
		// The day's payout report lists one order.
		date := time.Now().In(time.FixedZone("PHT", 8*3600)).Format("2006-01-02")
		code, out, errOut := runCLI(t, db, "report", "--app", appID, "--date", date, "--type", "payout")
		if code != 0 || strings.Count(out, "RACE-1") != 1 || strings.Count(strings.TrimSpace(out), "\n") != 1 {
			t.Fatalf("report: exit %d %s\n%s", code, errOut, out)
		}
		raceLedgerCheck(t, db)
	})
}

// TestConcurrentRefunds refunds one paid payment of PHP 1,000.00 fifty
// times at once, 30% each: three fit, the others are refused, and once the
// three complete the balance is exact.
func TestConcurrentRefunds(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)
		defer closeServer(t, s)
		_, appID := onboard(t, s, db, "")
		c, _ := raceClient(s, appID, t)
		ctx := context.Background()
		pay, err := c.CreatePayment(ctx, client.PaymentRequest{MchOrderID: "RACE-PAY", CountryCode: "PH", Currency: "PHP",
			Amount: 100_000, ChannelCode: "PH_QRPH_DYNAMIC"})
		if err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := runCLI(t, db, "sim", "pay", "--transaction-id", pay.TransactionID); code != 0 {
			t.Fatalf("sim pay: %s", errOut)
		}
		// Paid and settled: 10,000.00 + 1,000.00 - (10.00 + 5.00).
		raceBalance(t, c, 1_000_000+100_000-onboardFee(100_000), 0, 0)

		codes := raceHammer(t, 50, func(i int) error {
			_, err := c.CreateRefund(ctx, client.RefundRequest{MchRefundOrderID: fmt.Sprintf("RACE-RF-%02d", i),
				OriginalTransactionID: pay.TransactionID, Amount: 30_000, Reason: "race"})
			return err
		})
		tally := raceTally(codes)
		if tally[client.CodeSuccess] != 3 || tally[client.CodeRefundExceeds] != 47 {
			t.Fatalf("answers %v; want three 10000 and 47 × 21404", tally)
		}
		var list []client.Refund
		waitFor(t, "the three refunds to complete", func() bool {
			list, err = c.Refunds(ctx, client.RefundQuery{OriginalTransactionID: pay.TransactionID})
			done := err == nil && len(list) == 3
			for _, r := range list {
				done = done && r.RefundStatus == client.RefundComplete
			}
			return done
		})
		var sum int64
		for _, r := range list {
			sum += r.RefundAmount
			if i := strings.TrimPrefix(r.MchRefundOrderID, "RACE-RF-"); codes[raceIndex(t, i)] != client.CodeSuccess {
				t.Errorf("refund %s exists but its call answered %d", r.MchRefundOrderID, codes[raceIndex(t, i)])
			}
		}
		if sum != 90_000 {
			t.Fatalf("refunded %d, want 90000 of the 100000 paid", sum)
		}
		raceBalance(t, c, 1_000_000+100_000-onboardFee(100_000)-90_000, 0, 0)
		raceLedgerCheck(t, db)
	})
}

// raceIndex reads the number at the end of a refund's mchRefundOrderId.
func raceIndex(t *testing.T, s string) int {
	t.Helper()
	var n int
	if _, err := fmt.Sscanf(s, "%d", &n); err != nil {
		t.Fatalf("%q: %v", s, err)
	}
	return n
}

// TestConcurrentPayoutsBalance sends 64 different payouts of one merchant
// at once, together worth more than its balance: some complete, some fail
// (their hold comes back), some stay held, some may be refused for want of
// balance. The balance is exact to the centavo and the ledger checks.
func TestConcurrentPayoutsBalance(t *testing.T) {
	t.Parallel()
	eachEngine(t, func(t *testing.T, db string) {
		s := startServer(t, db, nil)
		defer closeServer(t, s)
		_, appID := onboard(t, s, db, "") // PHP 10,000.00 available
		c, _ := raceClient(s, appID, t)
		ctx := context.Background()
		const n = 64
		// Amounts 150.00 to 150.63 (fees with and without rounding), 64 of
		// them worth about 10,300.00 with their fees.
		amount := func(i int) int64 { return 15_000 + int64(i) }
		account := func(i int) string { return "12345" + [4]string{"04005", "09999", "00001", "00002"}[i%4] }
		codes := raceHammer(t, n, func(i int) error {
			res, err := c.CreatePayout(ctx, client.PayoutRequest{MchOrderID: fmt.Sprintf("BAL-%02d", i), CountryCode: "PH",
				Currency: "PHP", Amount: amount(i), PayMethodCode: "BANK", TransferCode: "BDO", AccountNo: account(i),
				AccountName: "Juan Dela Cruz"})
			if err == nil && res.Fee != onboardFee(amount(i)) {
				t.Errorf("payout %d: fee %d, want %d", i, res.Fee, onboardFee(amount(i)))
			}
			return err
		})
		t.Logf("64 payouts: %v", raceTally(codes))
		var spent, held int64
		for i, code := range codes {
			id := fmt.Sprintf("BAL-%02d", i)
			switch code {
			case client.CodeSuccess:
				want := map[int]string{0: "FAILED", 1: "PENDING", 2: "COMPLETED", 3: "COMPLETED"}[i%4]
				waitFor(t, id+" to be "+want, func() bool {
					p, err := c.CheckPayout(ctx, client.CheckRequest{MchOrderID: id, CountryCode: "PH"})
					return err == nil && p.TransactionStatus == want
				})
				cost := amount(i) + onboardFee(amount(i))
				switch want {
				case "COMPLETED":
					spent += cost
				case "PENDING":
					held += cost
				}
			case client.CodeInsufficientBalance:
				if _, err := c.CheckPayout(ctx, client.CheckRequest{MchOrderID: id, CountryCode: "PH"}); client.ErrorCode(err) != client.CodeNotFound {
					t.Errorf("%s was refused for balance but checks as %v", id, err)
				}
			default:
				t.Errorf("%s: answered %d, want 10000 or 21014", id, code)
			}
		}
		if raceTally(codes)[client.CodeSuccess] < n/2 {
			t.Fatalf("only %v accepted: the balance covers about 60", raceTally(codes))
		}
		raceBalance(t, c, 1_000_000-spent-held, 0, held)
		raceLedgerCheck(t, db)
	})
}
