package header

import (
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// Benchmarks of dialect B's hot path without the store: the MD5 signature,
// the body of a payOut, and its answer. They measure, never assert a speed;
// each checks its result where that is cheap.

const benchAPIKey = "5f2b8c1e9a7d4f60b3e1c2d4a5f6e7d8"

// benchPayOutBody is a payOut body to BCP as a merchant sends it.
func benchPayOutBody(b *testing.B) []byte {
	b.Helper()
	m := bcpPayout("BENCH-000001")
	m["nonceStr"] = "n0nce-000001"
	m["notifyUrl"] = "https://merchant.example/notify"
	body, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// readPayOut reads a verified payOut body as authenticate and payOut
// (payout.go) do before the gateway is called: the JSON, nonceStr and every
// field of the order.
func readPayOut(raw []byte) (gateway.PayoutRequest, error) {
	req := gateway.PayoutRequest{CountryCode: "PE", PayMethod: gateway.MethodBank, Dialect: gateway.DialectB}
	b, err := parseBody(raw)
	if err != nil {
		return req, err
	}
	if _, err := b.nonce(); err != nil {
		return req, err
	}
	err = readStrings(b, []strField{
		{"accountName", &req.AccountName, true, false},
		{"accountNo", &req.AccountNo, true, true},
		{"cciAccountNo", &req.CCIAccountNo, false, true},
		{"currency", &req.Currency, true, false},
	})
	if err != nil {
		return req, err
	}
	accountType, _, err := b.integer("accountType")
	if err != nil {
		return req, err
	}
	req.AccountType = strconv.FormatInt(accountType, 10)
	if req.Amount, err = b.amount("amount"); err != nil {
		return req, err
	}
	bank, err := peruBank(b)
	if err != nil {
		return req, err
	}
	req.TransferCode = bank.Transfer
	err = readStrings(b, []strField{
		{"mchOrderNo", &req.MchOrderID, true, true},
		{"idType", &req.IDType, true, true},
		{"idCard", &req.IDCard, true, true},
		{"notifyUrl", &req.NotifyURL, false, false},
		{"phone", &req.Mobile, false, true},
		{"email", &req.Email, false, false},
		{"remark", &req.Remark, false, false},
	})
	return req, err
}

// BenchmarkSign is the authentication of one call: Verify the Sign header
// against one apiKey or two (during a key rotation, the newer one matching),
// Parse the body and read a payOut's fields, and Full, both as the handler
// runs them.
func BenchmarkSign(b *testing.B) {
	body := benchPayOutBody(b)
	sum := sign(body, benchAPIKey)
	header := strings.ToUpper(hex.EncodeToString(sum[:]))
	if verifySign(body, header, []string{"another-key"}) {
		b.Fatal("the signature verified with another key")
	}
	for _, tc := range []struct {
		name string
		keys []string
	}{
		{"Verify1Key", []string{benchAPIKey}},
		{"Verify2Keys", []string{"0ld-key-0ld-key-0ld-key-0ld-key", benchAPIKey}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			for b.Loop() {
				if !verifySign(body, header, tc.keys) {
					b.Fatal("the signature did not verify")
				}
			}
		})
	}
	want := func(b *testing.B, req gateway.PayoutRequest) {
		if req.MchOrderID != "BENCH-000001" || req.Amount != 10000 || req.TransferCode == "" ||
			req.AccountNo != "1912345678901" || req.NotifyURL != "https://merchant.example/notify" {
			b.Fatalf("decoded %+v", req)
		}
	}
	b.Run("Parse", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			req, err := readPayOut(body)
			if err != nil {
				b.Fatal(err)
			}
			want(b, req)
		}
	})
	b.Run("Full", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		keys := []string{benchAPIKey}
		for b.Loop() {
			if !verifySign(body, header, keys) {
				b.Fatal("the signature did not verify")
			}
			req, err := readPayOut(body)
			if err != nil {
				b.Fatal(err)
			}
			want(b, req)
		}
	})
}

// countingWriter is an http.ResponseWriter that keeps only the status and
// the number of bytes written, so that the encoding is what is measured.
type countingWriter struct {
	header http.Header
	status int
	n      int
}

func (w *countingWriter) Header() http.Header { return w.header }

func (w *countingWriter) WriteHeader(status int) { w.status = status }

func (w *countingWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

// BenchmarkResponse encodes payOutQuery's answer for a completed payout as
// serve writes it.
func BenchmarkResponse(b *testing.B) {
	created := time.Date(2026, 3, 2, 2, 0, 0, 0, time.UTC)
	p := gateway.Payout{
		TransactionID: "DU514182073259261952", MchOrderID: "BENCH-000001", CountryCode: "PE", Currency: "PEN",
		Amount: 10000, Fee: 150, Status: gateway.StatusCompleted, ChannelRef: "BCP-77881",
		CreatedAt: created, FinishedAt: created.Add(time.Hour),
	}
	answer := func(w http.ResponseWriter) {
		writeJSON(w, http.StatusOK, response{Code: codeSuccess, Msg: msgSuccess, Data: newPayoutData(1001, p)})
	}
	rec := httptest.NewRecorder()
	answer(rec)
	var got struct {
		Code int            `json:"code"`
		Data map[string]any `json:"data"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil || got.Code != codeSuccess ||
		got.Data["amount"] != 100.0 || got.Data["completionTime"] != "2026-03-01 22:00:00" {
		b.Fatalf("answer %s: %v", rec.Body, err)
	}
	size := rec.Body.Len()
	b.SetBytes(int64(size))
	w := &countingWriter{header: http.Header{}}
	for b.Loop() {
		w.n = 0
		answer(w)
		if w.status != http.StatusOK || w.n != size {
			b.Fatalf("status %d, %d bytes; want %d bytes", w.status, w.n, size)
		}
	}
}
