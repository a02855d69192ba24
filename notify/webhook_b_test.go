package notify

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// testKeys is the merchants' dialect B keys as SigningKeys: merchant "m1" is
// number 100001 with apiKey "k-secret-1"; other merchants are unknown.
type testKeys struct{ err error }

const (
	testMerchantNo = 100001
	testAPIKey     = "k-secret-1"
)

func (k testKeys) SigningKey(_ context.Context, merchantID string) (int64, string, error) {
	if k.err != nil {
		return 0, "", k.err
	}
	if merchantID != "m1" {
		return 0, "", errors.New("unknown merchant " + merchantID)
	}
	return testMerchantNo, testAPIKey, nil
}

// payoutB is a completed dialect B payout in Peru, finished at 03:00 UTC,
// which is the evening before in Lima.
func payoutB() gateway.Event {
	return gateway.Event{
		Name: "disbursement.success", Kind: "payout", TransactionID: "DU1", MchOrderID: "P-1", MerchantID: "m1",
		CountryCode: "PE", Currency: "PEN", Amount: 10000, Fee: 150, Status: gateway.StatusCompleted,
		CreateTime: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), ReturnTime: time.Date(2026, 3, 2, 3, 0, 0, 0, time.UTC),
		Dialect: gateway.DialectB,
	}
}

// payInB is a pending dialect B payment of 50.00 PEN.
func payInB() gateway.Event {
	return gateway.Event{
		Name: "order.payment.pending", Kind: "payment", TransactionID: "C1", MchOrderID: "I-1", MerchantID: "m1",
		CountryCode: "PE", Currency: "PEN", Amount: 5000, Status: gateway.StatusPending, ChannelCode: "PE_BCP",
		CreateTime: time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC), Dialect: gateway.DialectB,
	}
}

// receivedB is one request a dialect B receiver got.
type receivedB struct {
	Header http.Header
	Body   string
}

// receiverB is a merchant's dialect B endpoint on 127.0.0.1: it checks the
// MerchantId header and the Sign as a merchant does, keeps what it got and
// answers with answer.
type receiverB struct {
	*httptest.Server
	mu  sync.Mutex
	got []receivedB
}

func newReceiverB(t testing.TB, answer http.HandlerFunc) *receiverB {
	r := &receiverB{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(req.Body)
		if err != nil {
			t.Errorf("receiver: body: %v", err)
		}
		sum := md5.Sum(append(body, testAPIKey...))
		if want := strings.ToUpper(hex.EncodeToString(sum[:])); req.Header.Get("Sign") != want {
			t.Errorf("receiver: Sign = %q, want %q (MD5 of the body and the apiKey, upper case)", req.Header.Get("Sign"), want)
		}
		if got := req.Header.Get("MerchantId"); got != strconv.Itoa(testMerchantNo) {
			t.Errorf("receiver: MerchantId = %q, want %d", got, testMerchantNo)
		}
		var doc struct{ MerchantID json.Number }
		if err := json.Unmarshal(body, &doc); err != nil || doc.MerchantID.String() != strconv.Itoa(testMerchantNo) {
			t.Errorf("receiver: body merchantId = %q (%v), want the number %d", doc.MerchantID, err, testMerchantNo)
		}
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("receiver: %s with Content-Type %q, want a JSON POST", req.Method, req.Header.Get("Content-Type"))
		}
		r.mu.Lock()
		r.got = append(r.got, receivedB{req.Header.Clone(), string(body)})
		r.mu.Unlock()
		answer(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiverB) requests() []receivedB {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]receivedB(nil), r.got...)
}

func webhookB() *Webhook {
	return NewWebhook(rsaSigner{testKey()}, WebhookOptions{Keys: testKeys{}})
}

func TestWebhookBDelivers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		ev   func(*gateway.Event)
		base func() gateway.Event
		want string
	}{
		{"PayoutCompleted", func(*gateway.Event) {}, payoutB,
			`{"merchantId":100001,"mchOrderNo":"P-1","orderNo":"DU1","amount":100.00,"fee":1.50,"orderStatus":"SUCCESS",` +
				`"resultDesc":"SUCCESS","completionTime":"2026-03-01 22:00:00"}`},
		{"PayoutFailed", func(ev *gateway.Event) {
			ev.Status, ev.FailedCode, ev.FailedMessage = gateway.StatusFailed, gateway.FailedDestination, "Invalid account"
		}, payoutB,
			`{"merchantId":100001,"mchOrderNo":"P-1","orderNo":"DU1","amount":100.00,"fee":null,"orderStatus":"FAIL",` +
				`"resultDesc":"INVALID_BANK_ACCOUNT","completionTime":null}`},
		{"PayoutCanceled", func(ev *gateway.Event) {
			ev.Status, ev.FailedCode = gateway.StatusFailed, gateway.FailedCanceled
		}, payoutB,
			`{"merchantId":100001,"mchOrderNo":"P-1","orderNo":"DU1","amount":100.00,"fee":null,"orderStatus":"CANCEL",` +
				`"resultDesc":"ORDER_CANCELED","completionTime":null}`},
		{"PayoutLargeAmount", func(ev *gateway.Event) { ev.Amount, ev.Fee = 200000, 5 }, payoutB,
			`{"merchantId":100001,"mchOrderNo":"P-1","orderNo":"DU1","amount":2000.00,"fee":0.05,"orderStatus":"SUCCESS",` +
				`"resultDesc":"SUCCESS","completionTime":"2026-03-01 22:00:00"}`},
		{"PayInPaidOver", func(ev *gateway.Event) {
			ev.Status, ev.PaidAmount, ev.Fee, ev.Flag = gateway.StatusCompleted, 5050, 100, gateway.FlagOverpaid
			ev.ReturnTime = time.Date(2026, 3, 2, 14, 30, 9, 0, time.UTC)
		}, payInB,
			`{"merchantId":100001,"mchOrderNo":"I-1","orderNo":"C1","amount":50.50,"fee":1.00,"orderStatus":"SUCCESS",` +
				`"resultDesc":"SUCCESS","completionTime":"2026-03-02 09:30:09"}`},
		{"PayInPending", func(*gateway.Event) {}, payInB,
			`{"merchantId":100001,"mchOrderNo":"I-1","orderNo":"C1","amount":50.00,"fee":null,"orderStatus":"PAYING",` +
				`"resultDesc":"","completionTime":null}`},
		{"PayInExpired", func(ev *gateway.Event) {
			ev.Status, ev.ReturnTime = gateway.StatusExpired, time.Date(2026, 3, 2, 4, 0, 0, 0, time.UTC)
		}, payInB,
			`{"merchantId":100001,"mchOrderNo":"I-1","orderNo":"C1","amount":50.00,"fee":null,"orderStatus":"FAIL",` +
				`"resultDesc":"ORDER_EXPIRED","completionTime":null}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReceiverB(t, answerWith(200, "SUCCESS"))
			ev := tt.base()
			tt.ev(&ev)
			a := webhookB().Handle(t.Context(), notifyMessage(t, r.URL+"/cb", ev))
			if !a.OK || a.HTTPStatus != 200 || a.Response != "SUCCESS" {
				t.Fatalf("attempt = %+v, want OK with status 200 and the answer", a)
			}
			got := r.requests()
			if len(got) != 1 {
				t.Fatalf("receiver got %d requests, want 1", len(got))
			}
			if got[0].Body != tt.want {
				t.Errorf("body =\n%s\nwant\n%s", got[0].Body, tt.want)
			}
		})
	}
}

func TestWebhookBAnswers(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		answer http.HandlerFunc
		ok     bool
		status int
	}{
		{"OK", answerWith(200, "SUCCESS"), true, 200},
		{"OKSurroundingSpace", answerWith(200, " SUCCESS\r\n"), true, 200},
		{"ErrLowerCase", answerWith(200, "success"), false, 200},
		{"ErrFail", answerWith(200, "FAIL"), false, 200},
		{"ErrLonger", answerWith(200, "SUCCESSFUL"), false, 200},
		{"ErrEmpty", answerWith(200, ""), false, 200},
		{"ErrServerError", answerWith(500, "SUCCESS"), false, 500},
		{"ErrDialectACode", answerWith(200, `{"code":10000}`), false, 200},
		{"ErrJSONEnvelope", answerWith(200, `{"code":200,"msg":"SUCCESS"}`), false, 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReceiverB(t, tt.answer)
			a := webhookB().Handle(t.Context(), notifyMessage(t, r.URL, payoutB()))
			if a.OK != tt.ok || a.HTTPStatus != tt.status {
				t.Fatalf("attempt = {OK:%v HTTPStatus:%d Response:%q}, want {OK:%v HTTPStatus:%d}",
					a.OK, a.HTTPStatus, a.Response, tt.ok, tt.status)
			}
		})
	}
}

// TestWebhookBRedactsSign: a receiver that echoes the request must not get
// the Sign into the attempt's record.
func TestWebhookBRedactsSign(t *testing.T) {
	t.Parallel()
	r := newReceiverB(t, func(w http.ResponseWriter, req *http.Request) {
		w.WriteHeader(400)
		io.WriteString(w, "bad sign "+req.Header.Get("Sign"))
	})
	a := webhookB().Handle(t.Context(), notifyMessage(t, r.URL, payoutB()))
	got := r.requests()
	if len(got) != 1 || got[0].Header.Get("Sign") == "" {
		t.Fatalf("receiver got %d requests, want 1 with a Sign", len(got))
	}
	if a.OK || a.Response != "bad sign <sign>" {
		t.Fatalf("response = %q; the Sign must be redacted", a.Response)
	}
}

func TestWebhookBDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		io.WriteString(w, "SUCCESS")
	}))
	t.Cleanup(target.Close)
	r := newReceiverB(t, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, target.URL, http.StatusTemporaryRedirect)
	})
	w := NewWebhook(nil, WebhookOptions{Keys: testKeys{}, Client: &http.Client{}})
	a := w.Handle(t.Context(), notifyMessage(t, r.URL, payoutB()))
	if a.OK || a.HTTPStatus != http.StatusTemporaryRedirect {
		t.Fatalf("attempt = %+v, want a failed 307", a)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

func TestWebhookBFailures(t *testing.T) {
	t.Parallel()
	r := newReceiverB(t, answerWith(200, "SUCCESS"))
	for _, tt := range []struct {
		name string
		keys SigningKeys
		ev   func() gateway.Event
		want string
	}{
		{"ErrNoKeys", nil, payoutB, "dialect B and this webhook has no signing keys"},
		{"ErrKeyLookup", testKeys{err: errors.New("store down")}, payoutB, "signing key of merchant m1: store down"},
		{"ErrUnknownMerchant", testKeys{}, func() gateway.Event {
			ev := payoutB()
			ev.MerchantID = "m2"
			return ev
		}, "unknown merchant m2"},
		{"ErrRefund", testKeys{}, func() gateway.Event {
			ev := payoutB()
			ev.Kind = "refund"
			return ev
		}, `kind "refund" has no dialect B form`},
		{"ErrUnknownDialect", testKeys{}, func() gateway.Event {
			ev := payoutB()
			ev.Dialect = "C"
			return ev
		}, `unknown dialect "C"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := NewWebhook(rsaSigner{testKey()}, WebhookOptions{Keys: tt.keys})
			a := w.Handle(t.Context(), notifyMessage(t, r.URL, tt.ev()))
			if a.OK || a.HTTPStatus != 0 || !strings.Contains(a.Response, tt.want) {
				t.Fatalf("attempt = %+v, want a failure without HTTP status saying %q", a, tt.want)
			}
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		if n := len(r.requests()); n != 0 {
			t.Errorf("the receiver got %d requests, want none", n)
		}
	})
}

// TestWebhookRoutesByDialect: one Webhook, as cmd/kasir builds it, sends a
// dialect A event in dialect A form and a dialect B event in dialect B form.
func TestWebhookRoutesByDialect(t *testing.T) {
	t.Parallel()
	w := webhookB()
	ra := newReceiver(t, answerWith(200, `{"code":10000}`))
	rb := newReceiverB(t, answerWith(200, "SUCCESS"))

	evA := payoutB()
	evA.Dialect = gateway.DialectA
	if a := w.Handle(t.Context(), notifyMessage(t, ra.URL, evA)); !a.OK {
		t.Fatalf("dialect A attempt = %+v, want OK", a)
	}
	gotA := ra.requests()
	if len(gotA) != 1 {
		t.Fatalf("dialect A receiver got %d requests, want 1", len(gotA))
	}
	wantParam, _ := EncodeParam(evA)
	if gotA[0].Param != string(wantParam) {
		t.Errorf("dialect A param = %s, want %s", gotA[0].Param, wantParam)
	}
	if err := verify(&testKey().PublicKey, gotA[0].Param, gotA[0].Sign); err != nil {
		t.Errorf("dialect A signature: %v", err)
	}
	if h := gotA[0].Header.Get("MerchantId") + gotA[0].Header.Get("Sign"); h != "" {
		t.Errorf("dialect A request has dialect B headers: %q", h)
	}

	if a := w.Handle(t.Context(), notifyMessage(t, rb.URL, payoutB())); !a.OK {
		t.Fatalf("dialect B attempt = %+v, want OK", a)
	}
	gotB := rb.requests()
	if len(gotB) != 1 {
		t.Fatalf("dialect B receiver got %d requests, want 1", len(gotB))
	}
	wantBody, err := EncodeDialectB(payoutB(), testMerchantNo)
	if err != nil || gotB[0].Body != string(wantBody) {
		t.Errorf("dialect B body = %s, want %s (%v)", gotB[0].Body, wantBody, err)
	}
}
