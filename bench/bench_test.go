package bench

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

func TestHistogramQuantile(t *testing.T) {
	t.Parallel()
	var h histogram
	if h.quantile(0.99) != 0 {
		t.Fatal("an empty histogram has a quantile")
	}
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Millisecond)
	}
	for _, tc := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Millisecond}, {0.99, 990 * time.Millisecond}, {1, time.Second}} {
		// An upper bound, at most an eighth (one bucket) above.
		if got := h.quantile(tc.q); got < tc.want || got > tc.want+tc.want/8 {
			t.Errorf("quantile(%v) = %v, want within [%v, %v]", tc.q, got, tc.want, tc.want+tc.want/8)
		}
	}
	for us := uint64(0); us < 1<<20; us += 1 + us/16 {
		if i := bucketOf(us); bucketLow(i) > us || bucketLow(i+1) <= us {
			t.Fatalf("%d µs in bucket %d of [%d, %d)", us, i, bucketLow(i), bucketLow(i+1))
		}
	}
}

func TestExactLatencies(t *testing.T) {
	t.Parallel()
	var all []time.Duration
	for i := 100; i >= 1; i-- {
		all = append(all, time.Duration(i)*time.Millisecond)
	}
	got := exactLatencies(all)
	if want := (latencies{P50: 50, P90: 90, P99: 99, Max: 100}); got != want {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	if got := exactLatencies(nil); got != (latencies{}) {
		t.Fatalf("no latencies: %+v", got)
	}
}

func TestParseScenarios(t *testing.T) {
	t.Parallel()
	if got, err := ParseScenarios("all"); err != nil || !slices.Equal(got, Scenarios) {
		t.Fatalf("all: %v, %v", got, err)
	}
	if got, err := ParseScenarios("hot, notify,hot"); err != nil || !slices.Equal(got, []string{"hot", "notify"}) {
		t.Fatalf("hot, notify,hot: %v, %v", got, err)
	}
	if _, err := ParseScenarios("payouts,fast"); err == nil || !strings.Contains(err.Error(), `"fast"`) {
		t.Fatalf("an unknown scenario: %v", err)
	}
	// Growth is not part of all, and runs last when named.
	if got, err := ParseScenarios("all,growth"); err != nil || !slices.Equal(got, append(slices.Clone(Scenarios), ScenarioGrowth)) {
		t.Fatalf("all,growth: %v, %v", got, err)
	}
	if got, err := ParseScenarios("growth, hot,growth"); err != nil || !slices.Equal(got, []string{"hot", "growth"}) {
		t.Fatalf("growth, hot,growth: %v, %v", got, err)
	}
}

// TestSendClasses checks how answers are counted: code 10000 is success,
// another code is that code, an answer without one its HTTP status, and no
// answer "net"; a payout whose outcome is unknown is kept for the balance
// check.
func TestSendClasses(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok":
			w.Write([]byte(`{"code":10000,"message":"Success","data":{"transactionId":"D1","fee":1050}}`))
		case "/dup":
			w.Write([]byte(`{"code":21007,"message":"duplicate"}`))
		case "/busy":
			w.WriteHeader(http.StatusBadGateway)
			w.Write([]byte("<html>bad gateway</html>"))
		}
	}))
	defer srv.Close()
	c := &caller{hc: srv.Client(), base: srv.URL, expectedFee: 1050}
	var tl tally
	lv := &live{}
	for _, path := range []string{"/ok", "/dup", "/busy"} {
		c.do(context.Background(), request{op: opPayout, path: path, amount: 100, mchOrderID: path}, true, &tl, lv)
	}
	(&caller{hc: srv.Client(), base: "http://127.0.0.1:1", expectedFee: 1050}).
		do(context.Background(), request{op: opPayout, path: "/x", mchOrderID: "lost"}, true, &tl, lv)
	if tl.ok != 1 || tl.spent != 1150 || tl.feeBad != 0 || !slices.Equal(tl.txIDs, []string{"D1"}) {
		t.Errorf("acknowledged: %+v", tl)
	}
	if want := map[string]int64{"21007": 1, "http:502": 1, "net": 1}; len(tl.errs) != 3 || tl.errs["21007"] != 1 || tl.errs["http:502"] != 1 || tl.errs["net"] != 1 {
		t.Errorf("errors %v, want %v", tl.errs, want)
	}
	var unknown []string
	for _, r := range tl.unknown {
		unknown = append(unknown, r.mchOrderID)
	}
	if !slices.Equal(unknown, []string{"/busy", "lost"}) || len(tl.lat) != 3 || lv.ok.Load() != 1 || lv.errs.Load() != 3 {
		t.Errorf("unknown %v, %d latencies, live %d/%d", unknown, len(tl.lat), lv.ok.Load(), lv.errs.Load())
	}
}

// fakeCore answers the checks as told.
type fakeCore struct {
	Core
	available int64
	problems  []string
}

func (f fakeCore) Available(context.Context, string, string) (int64, error) { return f.available, nil }
func (f fakeCore) CheckLedger(context.Context) (string, []string, error) {
	return "checked", f.problems, nil
}
func (f fakeCore) PlatformKey(context.Context) (*rsa.PublicKey, error) { return nil, nil }

// TestHotChecks: the balance must be exact to the unit, and a ledger
// problem fails the ledger check.
func TestHotChecks(t *testing.T) {
	t.Parallel()
	f := &fleet{hot: &merchant{id: "M1"}}
	for _, tc := range []struct {
		name       string
		available  int64
		problems   []string
		sumErr     error
		wantPasses [2]bool
	}{
		{"OK", creditAmount - 3*11050, nil, nil, [2]bool{true, true}},
		{"OneUnitOff", creditAmount - 3*11050 + 1, nil, nil, [2]bool{false, true}},
		{"LedgerProblem", creditAmount - 3*11050, []string{"account below zero: x"}, nil, [2]bool{true, false}},
		{"UnresolvedPayout", creditAmount - 3*11050, nil, context.DeadlineExceeded, [2]bool{false, true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := &bench{core: fakeCore{available: tc.available, problems: tc.problems}, fleet: f}
			got := b.hotChecks(context.Background(), 3*11050, 3, tc.sumErr)
			if len(got) != 2 || got[0].Pass != tc.wantPasses[0] || got[1].Pass != tc.wantPasses[1] {
				t.Fatalf("checks %+v, want passes %v", got, tc.wantPasses)
			}
		})
	}
}

// TestReceiver refuses deliveries (503) until it accepts them, verifying
// each: a bad signature is counted and refused with 401.
func TestReceiver(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	r, err := startReceiver(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	defer r.close()
	post := func(body string) int {
		resp, err := http.Post(r.url, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	good, err := client.SignNotification([]byte(`{"transactionId":"D7","eventName":"disbursement.success"}`), key)
	if err != nil {
		t.Fatal(err)
	}
	if code := post(string(good)); code != http.StatusServiceUnavailable {
		t.Fatalf("before accepting: %d", code)
	}
	if got, err := r.waitFor(context.Background(), []string{"D7"}, time.Second, r.refusedSet); got != 1 || err != nil {
		t.Fatalf("refused: %d, %v", got, err)
	}
	r.accept()
	codes := []int{post(string(good)), post(`{"param":"{}","sign":"AAAA"}`), post(string(good))}
	if !slices.Equal(codes, []int{200, 401, 200}) {
		t.Fatalf("answers %v, want 200, 401, 200", codes)
	}
	got, err := r.waitFor(context.Background(), []string{"D7"}, time.Second, r.seenSet)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil || got != 1 || r.badSigs != 1 || r.posts != 2 || r.first.IsZero() {
		t.Fatalf("got %d, %v; bad signatures %d, posts %d", got, err, r.badSigs, r.posts)
	}
}
