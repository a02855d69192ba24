package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"

	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/keys"
)

// Benchmarks of a notification's making: what Handle does before it posts,
// for each dialect, and one whole delivery to a receiver on loopback. They
// measure, never assert a speed; each checks its result where that is
// cheap.

// benchSigner is the platform key as serve loads it (keys.Load, 2048 bits),
// in a file of the benchmark's temporary directory.
func benchSigner(b *testing.B) *keys.Platform {
	b.Helper()
	p, err := keys.Load(b.Context(), keys.Options{Path: filepath.Join(b.TempDir(), "platform.pem")})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// buildA makes a dialect A notification's body from an outbox payload as
// Handle does: decode the event, encode its param, sign it, wrap both.
func buildA(payload []byte, signer Signer) (body []byte, param []byte, sig string, err error) {
	var ev gateway.Event
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, nil, "", err
	}
	if param, err = EncodeParam(ev); err != nil {
		return nil, nil, "", err
	}
	if sig, err = signer.Sign(param); err != nil {
		return nil, nil, "", err
	}
	body, err = marshal(struct {
		Param string `json:"param"`
		Sign  string `json:"sign"`
	}{string(param), sig})
	return body, param, sig, err
}

// BenchmarkNotifyA is a dialect A notification: Param alone (EncodeParam),
// Sign alone (SHA256withRSA-2048 of the param), and Body, all of what
// Handle does before posting, from the outbox payload.
func BenchmarkNotifyA(b *testing.B) {
	signer := benchSigner(b)
	ev := seedEvent()
	payload, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	param, err := EncodeParam(ev)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("Param", func(b *testing.B) {
		for b.Loop() {
			p, err := EncodeParam(ev)
			if err != nil || len(p) != len(param) {
				b.Fatalf("EncodeParam: %q, %v", p, err)
			}
		}
	})
	b.Run("Sign", func(b *testing.B) {
		sig, err := signer.Sign(param)
		if err != nil {
			b.Fatal(err)
		}
		if err := verify(signer.Public(), string(param), sig); err != nil {
			b.Fatalf("the signature does not verify: %v", err)
		}
		for b.Loop() {
			if s, err := signer.Sign(param); err != nil || s != sig { // PKCS #1 v1.5 is deterministic
				b.Fatalf("Sign: %v", err)
			}
		}
	})
	b.Run("Body", func(b *testing.B) {
		body, p, sig, err := buildA(payload, signer)
		if err != nil {
			b.Fatal(err)
		}
		var env struct{ Param, Sign string }
		if err := json.Unmarshal(body, &env); err != nil || env.Param != string(p) || env.Sign != sig {
			b.Fatalf("body %s: %v", body, err)
		}
		if err := verify(signer.Public(), env.Param, env.Sign); err != nil {
			b.Fatalf("the signature does not verify: %v", err)
		}
		for b.Loop() {
			got, _, _, err := buildA(payload, signer)
			if err != nil || len(got) != len(body) {
				b.Fatalf("body %s, %v", got, err)
			}
		}
	})
}

// BenchmarkNotifyB is a dialect B notification's body and Sign header
// (EncodeDialectB and signB), for a completed payout.
func BenchmarkNotifyB(b *testing.B) {
	const apiKey = "5f2b8c1e9a7d4f60b3e1c2d4a5f6e7d8"
	ev := payoutB()
	body, err := EncodeDialectB(ev, 1001)
	if err != nil {
		b.Fatal(err)
	}
	want := signB(body, apiKey)
	var decoded map[string]any
	if err := json.Unmarshal(body, &decoded); err != nil || decoded["amount"] != 100.0 || decoded["orderNo"] != "DU1" {
		b.Fatalf("body %s: %v", body, err)
	}
	for b.Loop() {
		got, err := EncodeDialectB(ev, 1001)
		if err != nil {
			b.Fatal(err)
		}
		if sig := signB(got, apiKey); sig != want {
			b.Fatalf("Sign %s, want %s", sig, want)
		}
	}
}

// BenchmarkWebhookA is one whole dialect A delivery by Webhook.Handle to a
// receiver on loopback that answers {"code":10000}: the body, the signature
// and the HTTP round trip on a kept-alive connection.
func BenchmarkWebhookA(b *testing.B) {
	r := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"code":10000,"message":"Success"}`))
	}))
	b.Cleanup(r.Close)
	w := NewWebhook(benchSigner(b), WebhookOptions{Client: r.Client()})
	m := notifyMessage(b, r.URL, seedEvent())
	ctx := context.Background()
	for b.Loop() {
		if a := w.Handle(ctx, m); !a.OK {
			b.Fatalf("delivery failed: %+v", a)
		}
	}
}
