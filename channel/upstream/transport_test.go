package upstream_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/upstream"
	"github.com/kasir-gateway/kasir/channel/upstream/upstreamtest"
	"github.com/kasir-gateway/kasir/gateway"
)

// submitter is either connector.
type submitter interface {
	SubmitPayout(ctx context.Context, p gateway.Payout) (gateway.ChannelResult, error)
	QueryPayout(ctx context.Context, transactionID string) (gateway.ChannelResult, error)
}

// refusedURL returns an address on which nothing listens.
func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "http://" + addr
}

// fake serves every request with h; fakes stand in for the upstream only
// where a real one cannot fail that way.
func fake(t *testing.T, h http.HandlerFunc) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

func answer(status int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write([]byte(body))
	}
}

// hang keeps the request until the client gives up.
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// drop reads the request and closes the connection without an answer.
func drop(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		conn.Close()
	}
}

// created is a create's answer, PENDING, with the amount (as the dialect
// writes it) and currency given.
func created(dialect, amount, currency string) string {
	if dialect == "A" {
		return `{"code":10000,"message":"Success","data":{"transactionId":"D9","transactionStatus":"PENDING",` +
			`"amount":` + amount + `,"currency":"` + currency + `"}}`
	}
	return `{"code":200,"msg":"SUCCESS","data":{"orderNo":"D9","orderStatus":"PROCESSING","amount":` + amount +
		`,"currency":"` + currency + `"}}`
}

// TestTransportClassification checks the outcomes a real upstream cannot be
// made to produce: nothing listening, an answer lost after the request was
// sent, proxies' errors, and the "busy" codes.
func TestTransportClassification(t *testing.T) {
	t.Parallel()
	u := &upstreamtest.Upstream{Key: upstreamtest.MerchantKey(), PlatformKey: upstreamtest.PlatformKey()}
	var b book
	hc := upstream.NewHTTPClient(300 * time.Millisecond)
	mk := map[string]func(url string) submitter{
		"A": func(url string) submitter { return newA(t, url, "app", u, &b, hc) },
		"B": func(url string) submitter { return newB(t, url, 100001, "k", &b, hc) },
	}
	payout := map[string]gateway.Payout{
		"A": b.add(upstreamtest.Payout("D500", "PH", "09171234567")),
		"B": b.add(upstreamtest.Payout("D501", "PE", "19412345678901")),
	}
	const (
		notSent = "not sent"
		unknown = "unknown"
		pending = "pending"
	)
	for _, tc := range []struct {
		dialect, name string
		url           func(t *testing.T) string
		want          string
	}{
		{"A", "Refused", refusedURL, notSent},
		{"A", "TimeoutAfterSend", func(t *testing.T) string { return fake(t, hang) }, unknown},
		{"A", "DroppedAfterSend", func(t *testing.T) string { return fake(t, drop) }, unknown},
		{"A", "Proxy502", func(t *testing.T) string { return fake(t, answer(502, "<html>Bad Gateway</html>")) }, unknown},
		{"A", "ServerError21000", func(t *testing.T) string { return fake(t, answer(500, `{"code":21000,"message":"internal error"}`)) }, unknown},
		{"A", "UnknownCode", func(t *testing.T) string { return fake(t, answer(200, `{"code":29999,"message":"?"}`)) }, unknown},
		{"A", "Network21011", func(t *testing.T) string { return fake(t, answer(200, `{"code":21011,"message":"network"}`)) }, notSent},
		{"A", "TooMany21020", func(t *testing.T) string { return fake(t, answer(200, `{"code":21020,"message":"slow down"}`)) }, notSent},
		{"A", "Duplicate21015", func(t *testing.T) string { return fake(t, answer(200, `{"code":21015,"message":"dup"}`)) }, pending},
		{"B", "Refused", refusedURL, notSent},
		{"B", "TimeoutAfterSend", func(t *testing.T) string { return fake(t, hang) }, unknown},
		{"B", "DroppedAfterSend", func(t *testing.T) string { return fake(t, drop) }, unknown},
		{"B", "Proxy502", func(t *testing.T) string { return fake(t, answer(502, "<html>Bad Gateway</html>")) }, unknown},
		{"B", "SystemError", func(t *testing.T) string { return fake(t, answer(500, `{"code":500,"msg":"System_error"}`)) }, unknown},
		// An upstream Kasir answers System_busy when a COMMIT may have failed in doubt.
		{"B", "SystemBusy", func(t *testing.T) string {
			return fake(t, answer(503, `{"code":503,"msg":"System_busy","detail":"the service is temporarily unavailable, try again"}`))
		}, unknown},
		{"B", "Maintenance", func(t *testing.T) string { return fake(t, answer(200, `{"code":503,"msg":"System_Maintenance"}`)) }, unknown},
		{"B", "NonceRepeated", func(t *testing.T) string {
			return fake(t, answer(200, `{"code":409,"msg":"Params_nonceStr_repeated"}`))
		}, unknown},
		{"B", "JSONFormat", func(t *testing.T) string { return fake(t, answer(200, `{"code":400,"msg":"Params_jsonFormat_error"}`)) }, unknown},
		{"B", "ChannelNotAvailable", func(t *testing.T) string { return fake(t, answer(200, `{"code":503,"msg":"Channel_not_available"}`)) }, notSent},
		{"B", "IPNotAllowed", func(t *testing.T) string { return fake(t, answer(200, `{"code":403,"msg":"Request_ip_notWhiteList"}`)) }, notSent},
		// Created, but the answer is about another amount or currency than ours.
		{"A", "CreatedOtherAmount", func(t *testing.T) string { return fake(t, answer(200, created("A", "15001", "PHP"))) }, unknown},
		{"A", "CreatedOtherCurrency", func(t *testing.T) string { return fake(t, answer(200, created("A", "15000", "IDR"))) }, unknown},
		{"A", "CreatedNoAmount", func(t *testing.T) string { return fake(t, answer(200, created("A", "0", ""))) }, pending},
		{"B", "CreatedOtherAmount", func(t *testing.T) string { return fake(t, answer(200, created("B", `"150.01"`, "PEN"))) }, unknown},
		{"B", "CreatedOtherCurrency", func(t *testing.T) string { return fake(t, answer(200, created("B", `"150.00"`, "USD"))) }, unknown},
		{"B", "Created", func(t *testing.T) string { return fake(t, answer(200, created("B", `"150.00"`, "PEN"))) }, pending},
	} {
		t.Run(tc.dialect+"/"+tc.name, func(t *testing.T) {
			t.Parallel()
			c := mk[tc.dialect](tc.url(t))
			res, err := c.SubmitPayout(context.Background(), payout[tc.dialect])
			got := unknown
			switch {
			case errors.Is(err, gateway.ErrNotSent):
				got = notSent
			case err == nil && res.Status == gateway.StatusPending:
				got = pending
			case err == nil:
				got = "result " + string(res.Status)
			}
			if got != tc.want {
				t.Fatalf("submit: %+v, %v: %s, want %s", res, err, got, tc.want)
			}
			if tc.want == unknown && err == nil {
				t.Fatal("an unknown outcome without an error")
			}
		})
	}
	t.Run("QueryUnreachableIsAnError", func(t *testing.T) {
		t.Parallel()
		for d, c := range map[string]submitter{"A": mk["A"](refusedURL(t)), "B": mk["B"](refusedURL(t))} {
			_, err := c.QueryPayout(context.Background(), payout[d].TransactionID)
			if err == nil || errors.Is(err, gateway.ErrChannelNotFound) {
				t.Errorf("%s: query of an unreachable upstream: %v", d, err)
			}
		}
	})
}
