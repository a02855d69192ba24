package open

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// Benchmarks of dialect A's hot path without the store: the envelope, its
// signature, a payout's param, and the answers. They measure, never assert
// a speed; each checks its result where that is cheap.

// benchKey4096 is a 4096-bit merchant key, made once per test binary (its
// generation takes a second or more, outside any timing).
var benchKey4096 = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 4096)
	if err != nil {
		panic(err)
	}
	return k
})

// benchNow is the server's clock in these benchmarks; the params carry it
// as their timestamp.
var benchNow = time.UnixMilli(1_767_225_600_000) // 2026-01-01T00:00:00Z

// benchPayoutParam is a PH transfer's param as a merchant sends it, with
// its optional fields.
func benchPayoutParam(b *testing.B) string {
	b.Helper()
	p, err := json.Marshal(map[string]any{
		"mchOrderId": "BENCH-000001", "idempotencyId": "idem-000001", "countryCode": "PH", "currency": "PHP",
		"amount": 150000, "payMethodCode": "BANK", "transferCode": "BDO", "accountNo": "1234567890",
		"accountName": "Juan Dela Cruz", "accountType": "SAVINGS", "mobile": "+639171234567",
		"notifyUrl": "https://merchant.example/notify", "remark": "salary March",
		"timestamp": benchNow.UnixMilli(),
	})
	if err != nil {
		b.Fatal(err)
	}
	return string(p)
}

// readTransfer reads a verified transfer param as transfer (payout.go) does
// before it calls the gateway: the timestamp, every string field, the
// country and the amount.
func readTransfer(param string) (gateway.PayoutRequest, error) {
	var req gateway.PayoutRequest
	p, err := parseParams(param)
	if err != nil {
		return req, err
	}
	if err := checkTimestamp(p, benchNow, 5*time.Minute); err != nil {
		return req, err
	}
	rq := &request{p: p}
	for _, f := range []struct {
		name string
		dst  *string
	}{
		{"mchOrderId", &req.MchOrderID}, {"idempotencyId", &req.IdempotencyID},
		{"currency", &req.Currency}, {"payMethodCode", &req.PayMethod},
		{"transferCode", &req.TransferCode}, {"accountNo", &req.AccountNo},
		{"accountName", &req.AccountName}, {"accountType", &req.AccountType},
		{"mobile", &req.Mobile}, {"notifyUrl", &req.NotifyURL}, {"remark", &req.Remark},
		{"cciAccountNo", &req.CCIAccountNo}, {"idType", &req.IDType}, {"idCard", &req.IDCard}, {"email", &req.Email},
	} {
		if *f.dst, err = rq.p.str(f.name); err != nil {
			return req, err
		}
	}
	if req.CountryCode, err = rq.countryCode(); err != nil {
		return req, err
	}
	req.Amount, err = rq.p.amount("amount")
	return req, err
}

// wantTransfer checks the fields readTransfer got from benchPayoutParam.
func wantTransfer(b *testing.B, req gateway.PayoutRequest) {
	if req.MchOrderID != "BENCH-000001" || req.CountryCode != "PH" || req.Amount != 150000 ||
		req.AccountName != "Juan Dela Cruz" || req.NotifyURL != "https://merchant.example/notify" {
		b.Fatalf("decoded %+v", req)
	}
}

// BenchmarkEnvelope is the authentication of one call: Parse the body,
// Verify its signature with a 2048- or 4096-bit key, decode a transfer's
// PayoutParam, and Full, all of them as the handler runs them.
func BenchmarkEnvelope(b *testing.B) {
	param := benchPayoutParam(b)
	key2048 := fuzzKey()
	body := envelopeBody(b, "app-bench", param, signB64(b, key2048, param))

	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			env, err := decodeEnvelope(body)
			if err != nil || env.Param != param {
				b.Fatalf("decodeEnvelope: %v", err)
			}
		}
	})
	for _, tc := range []struct {
		name string
		key  func() *rsa.PrivateKey
	}{
		{"VerifyRSA2048", fuzzKey},
		{"VerifyRSA4096", benchKey4096},
	} {
		b.Run(tc.name, func(b *testing.B) {
			key := tc.key()
			env := envelope{AppID: "app-bench", Param: param, Sign: signB64(b, key, param)}
			bad := env
			bad.Param += " "
			if bad.verify(&key.PublicKey) == nil {
				b.Fatal("a tampered param verified")
			}
			for b.Loop() {
				if err := env.verify(&key.PublicKey); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	b.Run("PayoutParam", func(b *testing.B) {
		b.SetBytes(int64(len(param)))
		for b.Loop() {
			req, err := readTransfer(param)
			if err != nil {
				b.Fatal(err)
			}
			wantTransfer(b, req)
		}
	})
	b.Run("Full", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			env, err := decodeEnvelope(body)
			if err != nil {
				b.Fatal(err)
			}
			if err := env.verify(&key2048.PublicKey); err != nil {
				b.Fatal(err)
			}
			req, err := readTransfer(env.Param)
			if err != nil {
				b.Fatal(err)
			}
			wantTransfer(b, req)
		}
	})
}

// benchWriter is an http.ResponseWriter that keeps only the status and the
// number of bytes written, so that the encoding is what is measured.
type benchWriter struct {
	header http.Header
	status int
	n      int
}

func (w *benchWriter) Header() http.Header { return w.header }

func (w *benchWriter) WriteHeader(status int) { w.status = status }

func (w *benchWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

// benchPayout is a payout as the gateway returns it, finished and failed so
// that check's answer has every field.
func benchPayout() gateway.Payout {
	created := time.Date(2026, 3, 2, 6, 14, 47, 0, time.UTC)
	return gateway.Payout{
		TransactionID: "DU514182073259261952", MchOrderID: "BENCH-000001", CountryCode: "PH", Currency: "PHP",
		Amount: 150000, Fee: 1750, Status: gateway.StatusFailed, Remark: "salary March",
		FailedCode: 30001, FailedMessage: "account does not exist",
		CreatedAt: created, FinishedAt: created.Add(90 * time.Second),
	}
}

// BenchmarkResponse encodes the answers of transfer and check as serve
// writes them (writeResult), from the gateway's payout.
func BenchmarkResponse(b *testing.B) {
	p := benchPayout()
	for _, tc := range []struct {
		name string
		data func(gateway.Payout) any
		want map[string]any // fields of data to check once
	}{
		{"Transfer", func(p gateway.Payout) any {
			return transferData{
				TransactionID: p.TransactionID, MchOrderID: p.MchOrderID, TransactionStatus: string(p.Status),
				TransactionTime: formatTime(p.CreatedAt, p.CountryCode), Amount: p.Amount, Fee: p.Fee,
				Currency: p.Currency, CountryCode: p.CountryCode,
			}
		}, map[string]any{"transactionTime": "2026-03-02T14:14:47+08:00", "amount": 150000.0, "fee": 1750.0}},
		{"Check", func(p gateway.Payout) any {
			return payoutData{
				MchOrderID: p.MchOrderID, TransactionID: p.TransactionID, CountryCode: p.CountryCode,
				Currency: p.Currency, Amount: p.Amount, Fee: p.Fee, TransactionStatus: string(p.Status),
				CreateTime: formatTime(p.CreatedAt, p.CountryCode), ReturnTime: formatTime(p.FinishedAt, p.CountryCode),
				Remark: p.Remark, FailedCode: p.FailedCode, FailedMessage: p.FailedMessage,
			}
		}, map[string]any{"returnTime": "2026-03-02T14:16:17+08:00", "failedCode": 30001.0, "transactionStatus": "FAILED"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rec := httptest.NewRecorder()
			writeResult(rec, tc.data(p), nil)
			var got struct {
				Code int            `json:"code"`
				Data map[string]any `json:"data"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Code != codeSuccess {
				b.Fatalf("answer %s: %v", rec.Body, err)
			}
			for k, v := range tc.want {
				if got.Data[k] != v {
					b.Fatalf("answer %s: %s is %v, want %v", rec.Body, k, got.Data[k], v)
				}
			}
			size := rec.Body.Len()
			b.SetBytes(int64(size))
			w := &benchWriter{header: http.Header{}}
			for b.Loop() {
				w.n = 0
				if code, status := writeResult(w, tc.data(p), nil); code != codeSuccess || status != http.StatusOK || w.n != size {
					b.Fatalf("code %d, status %d, %d bytes; want %d bytes", code, status, w.n, size)
				}
			}
		})
	}
}
