package notify

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// testKey is the platform key of the tests; one 2048-bit key is made once.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// rsaSigner signs as the platform key does: Base64(SHA256withRSA(data)).
type rsaSigner struct{ key *rsa.PrivateKey }

func (s rsaSigner) Sign(data []byte) (string, error) {
	sum := sha256.Sum256(data)
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	return base64.StdEncoding.EncodeToString(sig), err
}

// verify checks a notification's signature as a merchant does.
func verify(pub *rsa.PublicKey, param, sign string) error {
	sig, err := base64.StdEncoding.DecodeString(sign)
	if err != nil {
		return err
	}
	sum := sha256.Sum256([]byte(param))
	return rsa.VerifyPKCS1v15(pub, crypto.SHA256, sum[:], sig)
}

// seedEvent is the failed payout of seed 001's example.
func seedEvent() gateway.Event {
	return gateway.Event{
		Name: "disbursement.failed", Kind: "payout", TransactionID: "DU514182073259261952",
		MchOrderID: "10e1369686110330100", MerchantID: "m1", CountryCode: "PH", Currency: "PHP",
		Amount: 100, Status: gateway.StatusFailed,
		CreateTime: time.Date(2024, 7, 19, 6, 14, 47, 0, time.UTC),
		ReturnTime: time.Date(2024, 7, 19, 6, 15, 1, 500e6, time.UTC),
		FailedCode: -10004, FailedMessage: "Transaction Channel Rejected",
	}
}

func TestEncodeParam(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		ev   func(*gateway.Event)
		want string
	}{
		{
			// Seed 001's example, which has no fee.
			name: "Seed001",
			ev:   func(*gateway.Event) {},
			want: `{"amount":100,"countryCode":"PH","createTime":"2024-07-19T14:14:47+08:00","currency":"PHP","eventName":"disbursement.failed","failedCode":-10004,"failedMessage":"Transaction Channel Rejected","fee":0,"mchOrderId":"10e1369686110330100","returnTime":"2024-07-19T14:15:01+08:00","transactionId":"DU514182073259261952","transactionStatus":"FAILED"}`,
		},
		{
			name: "SuccessWithRemark",
			ev: func(ev *gateway.Event) {
				ev.Name, ev.Status, ev.FailedCode, ev.FailedMessage = "disbursement.success", gateway.StatusCompleted, 0, ""
				ev.CountryCode, ev.Currency, ev.Amount, ev.Fee, ev.Remark = "ID", "IDR", 50000, 2500, `a <b> & "c" ñ`
			},
			want: `{"amount":50000,"countryCode":"ID","createTime":"2024-07-19T13:14:47+07:00","currency":"IDR","eventName":"disbursement.success","fee":2500,"mchOrderId":"10e1369686110330100","remark":"a <b> & \"c\" ñ","returnTime":"2024-07-19T13:15:01+07:00","transactionId":"DU514182073259261952","transactionStatus":"COMPLETED"}`,
		},
		{
			name: "UnknownCountryZeroTime",
			ev: func(ev *gateway.Event) {
				ev.CountryCode, ev.Currency, ev.ReturnTime = "US", "USD", time.Time{}
			},
			want: `{"amount":100,"countryCode":"US","createTime":"2024-07-19T06:14:47+00:00","currency":"USD","eventName":"disbursement.failed","failedCode":-10004,"failedMessage":"Transaction Channel Rejected","fee":0,"mchOrderId":"10e1369686110330100","returnTime":"","transactionId":"DU514182073259261952","transactionStatus":"FAILED"}`,
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ev := seedEvent()
			tt.ev(&ev)
			got, err := EncodeParam(ev)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Fatalf("EncodeParam:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// received is one request a test receiver got.
type received struct {
	Header http.Header
	Param  string
	Sign   string
}

// receiver is a merchant's notification endpoint on 127.0.0.1 that answers
// with answer and keeps what it got.
type receiver struct {
	*httptest.Server
	mu  sync.Mutex
	got []received
}

func newReceiver(t testing.TB, answer http.HandlerFunc) *receiver {
	r := &receiver{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		var body struct{ Param, Sign string }
		if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
			t.Errorf("receiver: body: %v", err)
		}
		r.mu.Lock()
		r.got = append(r.got, received{req.Header.Clone(), body.Param, body.Sign})
		r.mu.Unlock()
		answer(w, req)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) requests() []received {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]received(nil), r.got...)
}

func answerWith(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

func notifyMessage(t testing.TB, url string, ev gateway.Event) gateway.OutboxMessage {
	payload, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return gateway.OutboxMessage{
		ID: 7, Topic: gateway.TopicNotify, AppID: "app1", TransactionID: ev.TransactionID,
		Event: ev.Name, URL: url, Payload: payload, Status: gateway.OutboxPending,
	}
}

func TestWebhookDelivers(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, answerWith(200, `{"code":10000,"message":"Success"}`))
	w := NewWebhook(rsaSigner{testKey()}, WebhookOptions{})
	ev := seedEvent()
	a := w.Handle(t.Context(), notifyMessage(t, r.URL+"/notify", ev))
	if !a.OK || a.HTTPStatus != 200 || a.Response != `{"code":10000,"message":"Success"}` {
		t.Fatalf("attempt = %+v, want OK with status 200 and the answer", a)
	}
	got := r.requests()
	if len(got) != 1 {
		t.Fatalf("receiver got %d requests, want 1", len(got))
	}
	want, _ := EncodeParam(ev)
	if got[0].Param != string(want) {
		t.Errorf("param = %s, want %s", got[0].Param, want)
	}
	if err := verify(&testKey().PublicKey, got[0].Param, got[0].Sign); err != nil {
		t.Errorf("signature does not verify with the platform public key: %v", err)
	}
	if ct := got[0].Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q", ct)
	}
	if ua := got[0].Header.Get("User-Agent"); ua != "Kasir-Webhook/1" {
		t.Errorf("User-Agent = %q", ua)
	}
}

func TestWebhookAnswers(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 511) + "ñññ" // ñ is 2 bytes: the cut falls inside one
	for _, tt := range []struct {
		name     string
		answer   http.HandlerFunc
		ok       bool
		status   int
		response string
	}{
		{"CodeAsString", answerWith(200, `{"code":"10000","message":"Success"}`), true, 200, `{"code":"10000","message":"Success"}`},
		{"ErrServerError", answerWith(500, `{"code":10000}`), false, 500, `{"code":10000}`},
		{"ErrOtherCode", answerWith(200, `{"code":21000,"message":"server error"}`), false, 200, `{"code":21000,"message":"server error"}`},
		{"ErrPlainSuccess", answerWith(200, `SUCCESS`), false, 200, `SUCCESS`},
		{"ErrNoCode", answerWith(200, `{"message":"Success"}`), false, 200, `{"message":"Success"}`},
		{"ErrCodeOtherString", answerWith(200, `{"code":"10000x"}`), false, 200, `{"code":"10000x"}`},
		{"ErrCreated", answerWith(201, `{"code":10000}`), false, 201, `{"code":10000}`},
		{"ErrLongAnswerCut", answerWith(502, long), false, 502, strings.Repeat("x", 511)},
		{"ErrInvalidUTF8", answerWith(500, "bad \xff\x00byte"), false, 500, "bad \uFFFDbyte"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := newReceiver(t, tt.answer)
			a := NewWebhook(rsaSigner{testKey()}, WebhookOptions{}).Handle(t.Context(), notifyMessage(t, r.URL, seedEvent()))
			if a.OK != tt.ok || a.HTTPStatus != tt.status || a.Response != tt.response {
				t.Fatalf("attempt = {OK:%v HTTPStatus:%d Response:%q}, want {OK:%v HTTPStatus:%d Response:%q}",
					a.OK, a.HTTPStatus, a.Response, tt.ok, tt.status, tt.response)
			}
		})
	}
}

// TestWebhookRedactsSignature: a receiver that echoes the request must not
// get the signature into the attempt's record.
func TestWebhookRedactsSignature(t *testing.T) {
	t.Parallel()
	var r *receiver
	var sign atomic.Value
	r = newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		got := r.requests()
		s := got[len(got)-1].Sign
		sign.Store(s)
		w.WriteHeader(400)
		io.WriteString(w, `{"code":21001,"echo":"`+s+`"}`)
	})
	a := NewWebhook(rsaSigner{testKey()}, WebhookOptions{}).Handle(t.Context(), notifyMessage(t, r.URL, seedEvent()))
	s, _ := sign.Load().(string)
	if s == "" || strings.Contains(a.Response, s) || a.Response != `{"code":21001,"echo":"<sign>"}` {
		t.Fatalf("response = %q; the signature must be redacted", a.Response)
	}
}

func TestWebhookDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits.Add(1)
		io.WriteString(w, `{"code":10000}`)
	}))
	t.Cleanup(target.Close)
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		http.Redirect(w, req, target.URL, http.StatusTemporaryRedirect)
	})
	// Even a caller's client that follows redirects must not.
	w := NewWebhook(rsaSigner{testKey()}, WebhookOptions{Client: &http.Client{}})
	a := w.Handle(t.Context(), notifyMessage(t, r.URL, seedEvent()))
	if a.OK || a.HTTPStatus != http.StatusTemporaryRedirect {
		t.Fatalf("attempt = %+v, want a failed 307", a)
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the redirect was followed %d times", n)
	}
}

func TestWebhookFailures(t *testing.T) {
	t.Parallel()
	// A port that was listening and is closed: connection refused.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closedURL := "http://" + l.Addr().String()
	l.Close()
	slow := newReceiver(t, func(w http.ResponseWriter, req *http.Request) {
		select {
		case <-req.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	signErr := errors.New("key unavailable")
	for _, tt := range []struct {
		name    string
		signer  Signer
		msg     func() gateway.OutboxMessage
		timeout time.Duration
		want    string
	}{
		{"ErrRefused", rsaSigner{testKey()}, func() gateway.OutboxMessage { return notifyMessage(t, closedURL, seedEvent()) }, 0, "connection refused"},
		{"ErrTimeout", rsaSigner{testKey()}, func() gateway.OutboxMessage { return notifyMessage(t, slow.URL, seedEvent()) }, 50 * time.Millisecond, "deadline exceeded"},
		{"ErrSign", signerFunc(func([]byte) (string, error) { return "", signErr }), func() gateway.OutboxMessage { return notifyMessage(t, slow.URL, seedEvent()) }, 0, "key unavailable"},
		{"ErrEmptySign", signerFunc(func([]byte) (string, error) { return "", nil }), func() gateway.OutboxMessage { return notifyMessage(t, slow.URL, seedEvent()) }, 0, "empty signature"},
		{"ErrBadPayload", rsaSigner{testKey()}, func() gateway.OutboxMessage {
			m := notifyMessage(t, slow.URL, seedEvent())
			m.Payload = []byte("{")
			return m
		}, 0, "payload of message 7"},
		{"ErrNoURL", rsaSigner{testKey()}, func() gateway.OutboxMessage { return notifyMessage(t, "", seedEvent()) }, 0, "no URL"},
		{"ErrBadURL", rsaSigner{testKey()}, func() gateway.OutboxMessage { return notifyMessage(t, "ftp://127.0.0.1/x", seedEvent()) }, 0, "unsupported protocol"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := NewWebhook(tt.signer, WebhookOptions{Timeout: tt.timeout})
			a := w.Handle(t.Context(), tt.msg())
			if a.OK || a.HTTPStatus != 0 || !strings.Contains(a.Response, tt.want) {
				t.Fatalf("attempt = %+v, want a failure without HTTP status saying %q", a, tt.want)
			}
		})
	}
	t.Cleanup(func() { // after the parallel subtests
		if n := len(slow.requests()); n != 1 {
			t.Errorf("the slow receiver got %d requests, want 1 (only ErrTimeout reaches it)", n)
		}
	})
}

type signerFunc func([]byte) (string, error)

func (f signerFunc) Sign(b []byte) (string, error) { return f(b) }

func TestWebhookHonoursContext(t *testing.T) {
	t.Parallel()
	r := newReceiver(t, func(w http.ResponseWriter, req *http.Request) { <-req.Context().Done() })
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	a := NewWebhook(rsaSigner{testKey()}, WebhookOptions{}).Handle(ctx, notifyMessage(t, r.URL, seedEvent()))
	if a.OK || !strings.Contains(a.Response, "deadline exceeded") {
		t.Fatalf("attempt = %+v, want a failure by the context's deadline", a)
	}
}

func TestEncodeParamPayment(t *testing.T) {
	t.Parallel()
	ev := gateway.Event{
		Name: "order.payment.success", Kind: "payment", TransactionID: "C1", MchOrderID: "M1", CountryCode: "ID",
		Currency: "IDR", Amount: 50000, Fee: 500, Status: gateway.StatusCompleted, ChannelCode: "ID_BCA_VA",
		PaidAmount: 49000, Flag: gateway.FlagUnderpaid,
		CreateTime: time.Date(2026, 1, 1, 2, 0, 0, 0, time.UTC), ReturnTime: time.Date(2026, 1, 1, 2, 5, 0, 0, time.UTC),
	}
	got, err := EncodeParam(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"amount":50000,"channelCode":"ID_BCA_VA","countryCode":"ID","createTime":"2026-01-01T09:00:00+07:00",` +
		`"currency":"IDR","eventName":"order.payment.success","fee":500,"flag":"UNDERPAID","mchOrderId":"M1",` +
		`"paidAmount":49000,"returnTime":"2026-01-01T09:05:00+07:00","transactionId":"C1","transactionStatus":"COMPLETED"}`
	if string(got) != want {
		t.Fatalf("EncodeParam =\n%s\nwant\n%s", got, want)
	}
}
