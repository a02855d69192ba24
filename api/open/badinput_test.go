package open

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/channel/sim"
	"github.com/kasir-gateway/kasir/client"
	"github.com/kasir-gateway/kasir/gateway"
	"github.com/kasir-gateway/kasir/ledger"
	"github.com/kasir-gateway/kasir/reports"
	"github.com/kasir-gateway/kasir/store/storetest"
)

// This file is the bad input catalogue of dialect A: TestBadInput sends
// malformed and hostile requests to every operation, each with the exact
// code (and HTTP status, and field named in the message) it must get, and
// checks after each one that nothing was written. The cases are three
// tables at the end of the file: the envelope and transport
// (envelopeCases), the transfer's fields (transferCases), and the other
// operations (operationCases).

// kv is a param document, or the changes to make to one. A json.RawMessage
// value is sent as it is written (1e30, 10.5, -0, {}).
type kv = map[string]any

// shiftClock is the handler's clock: real time plus an offset a case may
// move, to replay a request after the timestamp window.
type shiftClock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *shiftClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *shiftClock) set(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = d
}

// badKit is what the catalogue needs: the bundle, its store (to read what
// was written), the handler's clock, and what the setup made.
type badKit struct {
	*bundle
	t        *testing.T
	st       storetest.Store
	clock    *shiftClock
	apps     []string        // every app the setup made
	ids      map[string]bool // every mchOrderId the cases send, for the static code check
	paidTx   string          // a COMPLETED PH payment of 500.00
	pendTx   string          // a PENDING PH payment
	replay   []byte          // a transfer accepted in the setup, to be sent again
	other    gateway.App     // another merchant's app, whose key is otherKey
	disabled gateway.App     // a disabled app
}

// setupBad is setup with report links, refunds that stay PENDING and a
// handler clock the cases may move, plus the orders the cases refer to.
func setupBad(t *testing.T, eng storetest.Engine) *badKit {
	t.Helper()
	ctx := context.Background()
	log := slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	st := eng.Open(t)
	router := reportRouter{testRouter{sim: sim.New(st, sim.Options{PublicURL: srv.URL, Logger: log})}}
	gw, err := gateway.New(ctx, st, router, gateway.Options{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc, err := reports.New(ctx, st, st, reports.Options{PublicURL: srv.URL, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	svc.Register(mux)
	clock := &shiftClock{}
	mux.Handle("/", NewHandler(gw, Options{Logger: log, Reports: svc, Clock: clock}))
	k := &badKit{bundle: &bundle{ctx: ctx, gw: gw, srv: srv}, t: t, st: st, clock: clock, ids: map[string]bool{}}
	k.merchant, k.app = k.newMerchant(t, "Toko Uji", nil)
	k.c = client.New(srv.URL, k.app.AppID, merchantKey())
	k.makeOrders(t)
	return k
}

// makeOrders funds the merchant and makes the orders the cases refer to:
// a payout, a replayable payout, a paid and a pending payment, an active and
// a cancelled static code; and two more apps, one with another key, one
// disabled.
func (k *badKit) makeOrders(t *testing.T) {
	t.Helper()
	k.fund(t, "PHP", 1_000_000)
	if _, err := k.c.CreatePayout(k.ctx, phPayout("SETUP-PAYOUT", 10_000)); err != nil {
		t.Fatal(err)
	}
	k.replay = k.env(mustJSON(t, transferParam("REPLAY-1", nowMS())))
	if a := k.post(t, client.PathCreatePayout, k.replay); a.Code != codeSuccess {
		t.Fatalf("replayable transfer: %+v", a)
	}
	k.paidTx = k.paidPayment(t, "SETUP-PAID", 50_000)
	k.pendTx = k.generate(t, phPayment("SETUP-PENDING", "PH_QRPH_DYNAMIC", 10_000)).TransactionID
	for _, id := range []string{"SETUP-CODE", "SETUP-CANCELLED"} {
		_, err := k.c.CreateStaticCode(k.ctx, client.StaticCodeRequest{MchOrderID: id, CountryCode: "PH",
			Currency: "PHP", ChannelCode: "PH_QRPH_STATIC", CustomerName: "Counter"})
		if err != nil {
			t.Fatal(err)
		}
	}
	if _, err := k.c.CancelStaticCode(k.ctx, client.StaticCodeRef{MchOrderID: "SETUP-CANCELLED", CountryCode: "PH"}); err != nil {
		t.Fatal(err)
	}
	_, other, err := k.gw.CreateMerchant(k.ctx, gateway.NewMerchant{Name: "Toko Lain", PublicKeyPEM: publicPEM(otherKey())})
	if err != nil {
		t.Fatal(err)
	}
	k.other = other
	_, k.disabled = k.newMerchant(t, "Toko Tutup", nil)
	k.disabled.Disabled = true
	if err := k.gw.UpdateApp(k.ctx, k.disabled); err != nil {
		t.Fatal(err)
	}
	k.apps = []string{k.app.AppID, k.other.AppID, k.disabled.AppID}
}

// badCase is one hostile request and the exact answer it must get.
type badCase struct {
	name   string
	method string // "" is POST
	path   string
	ctype  string // "" is application/json; "none" sends no Content-Type
	body   []byte
	status int    // the HTTP status; 0 is 200
	code   int    // the answer's code
	field  string // the message starts with field + ": "; "" when it names no field
	has    string // a part of the message, when set
	before func() // runs just before the request
	after  func() // runs just after it
}

// bad is a case on path with body.
func bad(name string, r call, code int, field string) badCase {
	return badCase{name: name, path: r.path, body: r.body, code: code, field: field}
}

func (c badCase) withStatus(s int) badCase     { c.status = s; return c }
func (c badCase) withMethod(m string) badCase  { c.method = m; return c }
func (c badCase) withType(ct string) badCase   { c.ctype = ct; return c }
func (c badCase) containing(s string) badCase  { c.has = s; return c }
func (c badCase) around(b, a func()) badCase   { c.before, c.after = b, a; return c }
func (c badCase) want() (status int, code int) { return max(c.status, 200), c.code }

// call is a request: its path and body.
type call struct {
	path string
	body []byte
}

// env is the envelope of param for the kit's app, signed with its key.
func (k *badKit) env(param string) []byte {
	return envelopeBody(k.t, k.app.AppID, param, signB64(k.t, merchantKey(), param))
}

// signedBy is the envelope of param for appID, signed with key.
func (k *badKit) signedBy(appID string, key *rsa.PrivateKey, param string) []byte {
	return envelopeBody(k.t, appID, param, signB64(k.t, key, param))
}

// param is base with set applied and del removed, with a fresh timestamp
// unless either gives one, as JSON. It records the mchOrderId it carries.
func (k *badKit) param(base, set kv, del ...string) string {
	p := maps.Clone(base)
	if _, ok := p["timestamp"]; !ok {
		p["timestamp"] = nowMS()
	}
	maps.Copy(p, set)
	for _, f := range del {
		delete(p, f)
	}
	if id, ok := p["mchOrderId"].(string); ok {
		k.ids[id] = true
	}
	return mustJSON(k.t, p)
}

// op is a signed call of path with base changed by set and del.
func (k *badKit) op(path string, base, set kv, del ...string) call {
	return call{path, k.env(k.param(base, set, del...))}
}

func (k *badKit) transfer(set kv, del ...string) call {
	return k.op(client.PathCreatePayout, kv{"mchOrderId": "BAD-TRANSFER", "countryCode": "PH", "currency": "PHP",
		"amount": 10_000, "payMethodCode": "BANK", "transferCode": "BDO", "accountNo": "1234567890",
		"accountName": "Juan Dela Cruz"}, set, del...)
}

// rawParam is a signed call of path whose param is text as it is.
func (k *badKit) rawParam(path, text string) call { return call{path, k.env(text)} }

// raw is a call of path with body as it is.
func raw(path, body string) call { return call{path, []byte(body)} }

func rawJSON(s string) json.RawMessage { return json.RawMessage(s) }

// footprint is what the store holds that a refused request must not
// change: every app's orders, the static codes under the cases'
// mchOrderIds, the outbox backlog, the ledger's size and the balances.
type footprint struct {
	Payouts, Payments, Refunds, StaticCodes int
	Outbox                                  map[string]int64
	Entries, Accounts                       int64
	Balances                                map[string][]ledger.Balance
}

func (k *badKit) footprint(t *testing.T) footprint {
	t.Helper()
	ctx := k.ctx
	f := footprint{Balances: map[string][]ledger.Balance{}}
	from, to := time.Unix(0, 0), time.Now().Add(365*24*time.Hour)
	for _, app := range k.apps {
		for cc := range gateway.Countries {
			err := k.st.StreamPayouts(ctx, app, cc, from, to, func(gateway.Payout) error { f.Payouts++; return nil })
			if err == nil {
				err = k.st.StreamPayments(ctx, app, cc, from, to, func(gateway.Payment) error { f.Payments++; return nil })
			}
			if err == nil {
				err = k.st.StreamRefunds(ctx, app, cc, from, to, func(gateway.Refund) error { f.Refunds++; return nil })
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		a, err := k.st.GetApp(ctx, app)
		if err != nil {
			t.Fatal(err)
		}
		if f.Balances[app], err = k.st.MerchantBalances(ctx, a.MerchantID); err != nil {
			t.Fatal(err)
		}
	}
	for id := range k.ids {
		if strings.ContainsRune(id, 0) {
			continue // PostgreSQL text cannot hold NUL: no code has this id
		}
		codes, err := k.st.FindStaticCodes(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		f.StaticCodes += len(codes)
	}
	var err error
	if f.Outbox, err = k.st.OutboxBacklog(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := k.st.CheckLedger(ctx)
	if err != nil || !rep.OK() {
		t.Fatalf("ledger check: %+v, %v", rep, err)
	}
	f.Entries, f.Accounts = rep.Entries, rep.Accounts
	return f
}

// send makes c's request and returns the answer, checking the envelope of
// every answer: JSON, and data null on errors.
func (k *badKit) send(t *testing.T, c badCase) answer {
	t.Helper()
	method := c.method
	if method == "" {
		method = http.MethodPost
	}
	r, err := http.NewRequestWithContext(k.ctx, method, k.srv.URL+c.path, bytes.NewReader(c.body))
	if err != nil {
		t.Fatal(err)
	}
	switch c.ctype {
	case "":
		r.Header.Set("Content-Type", "application/json")
	case "none":
	default:
		r.Header.Set("Content-Type", c.ctype)
	}
	resp, err := http.DefaultClient.Do(r)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	rawBody, _ := io.ReadAll(resp.Body)
	a := answer{Status: resp.StatusCode}
	if err := json.Unmarshal(rawBody, &a); err != nil {
		t.Fatalf("response %q: %v", rawBody, err)
	}
	if a.Code != codeSuccess && string(a.Data) != "null" {
		t.Errorf("error response carries data %s", a.Data)
	}
	return a
}

// TestBadInput runs the catalogue on both engines: each case gets exactly
// its answer, and after each one the store holds what it held before.
func TestBadInput(t *testing.T) {
	t.Parallel()
	for _, eng := range storetest.Engines() {
		t.Run(eng.Name, func(t *testing.T) {
			t.Parallel()
			k := setupBad(t, eng)
			cases := append(append(k.envelopeCases(), k.transferCases()...), k.operationCases()...)
			if len(cases) < 70 {
				t.Fatalf("%d cases, want at least 70", len(cases))
			}
			before := k.footprint(t)
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					if c.before != nil {
						c.before()
					}
					a := k.send(t, c)
					if c.after != nil {
						c.after()
					}
					status, code := c.want()
					if a.Status != status || a.Code != code ||
						(c.field != "" && !strings.HasPrefix(a.Message, c.field+": ")) || !strings.Contains(a.Message, c.has) {
						t.Errorf("got HTTP %d code %d %q; want HTTP %d code %d, field %q, containing %q",
							a.Status, a.Code, a.Message, status, code, c.field, c.has)
					}
					if after := k.footprint(t); !reflect.DeepEqual(after, before) {
						t.Errorf("the request wrote:\nbefore %+v\nafter  %+v", before, after)
					}
				})
			}
			k.extraFieldsIgnored(t)
		})
	}
}

// extraFieldsIgnored checks the decision on unknown fields: ignored, in the
// envelope and in param, also when they shadow nothing and look hostile.
// The transfer is accepted and stored as if they were absent.
func (k *badKit) extraFieldsIgnored(t *testing.T) {
	t.Helper()
	p := k.param(transferParam("EXTRA-1", nowMS()), kv{"fee": 0, "status": "COMPLETED", "__proto__": kv{"admin": true},
		"merchantId": "someone-else", "amountMajor": "999999.00"})
	var env map[string]any
	if err := json.Unmarshal(k.env(p), &env); err != nil {
		t.Fatal(err)
	}
	env["extra"] = []int{1, 2}
	a := k.post(t, client.PathCreatePayout, []byte(mustJSON(t, env)))
	if a.Code != codeSuccess {
		t.Fatalf("transfer with extra fields: %+v", a)
	}
	got, err := k.c.CheckPayout(k.ctx, client.CheckRequest{MchOrderID: "EXTRA-1", CountryCode: "PH"})
	if err != nil || got.Amount != 10_000 || got.TransactionStatus != "PENDING" || got.Fee != 0 {
		t.Errorf("stored as %+v, %v; want the plain transfer of 10000, PENDING", got, err)
	}
}

// transferFields is a valid PH transfer param without its timestamp.
func transferFields(id string) kv {
	return kv{"mchOrderId": id, "countryCode": "PH", "currency": "PHP", "amount": 10_000, "payMethodCode": "BANK",
		"transferCode": "BDO", "accountNo": "1234567890", "accountName": "Juan Dela Cruz"}
}

// envelopeCases are the refusals of the transport and the envelope, before
// any operation runs: body, appId, signature, param, timestamp, replay.
func (k *badKit) envelopeCases() []badCase {
	T, B := client.PathCreatePayout, client.PathBalance
	app := k.app.AppID
	good := k.param(transferFields("BAD-ENV"), nil)
	sig := signB64(k.t, merchantKey(), good)
	envJSON := func(fields string) call { return raw(T, `{"appId":"`+app+`",`+fields+`}`) }
	deep := `{"countryCode":"PH","x":` + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + `}`
	shift := func(d time.Duration) func() { return func() { k.clock.set(d) } }
	bal := k.param(kv{"countryCode": "PH"}, nil)
	return []badCase{
		bad("BodyBrokenJSON", raw(T, `{"appId":`), 21002, "body"),
		bad("BodyArray", raw(T, `[{"appId":"x"}]`), 21002, "body"),
		bad("BodyNull", raw(T, `null`), 21002, "body"),
		bad("BodyEmpty", raw(T, ``), 21002, "body"),
		bad("BodyString", raw(T, `"hello"`), 21002, "body"),
		bad("BodyRawNUL", raw(T, "{\"appId\":\""+app+"\x00\",\"param\":\"{}\",\"sign\":\"x\"}"), 21002, "body"),
		bad("BodyTrailingGarbage", call{T, append(k.env(good), "xyz"...)}, 21002, "body"),
		bad("AppIDNumber", raw(T, `{"appId":5,"param":"{}","sign":"x"}`), 21002, "appId"),
		bad("ParamObject", envJSON(`"param":{"a":1},"sign":"x"`), 21002, "param"),
		bad("ParamNumber", envJSON(`"param":5,"sign":"x"`), 21002, "param"),
		bad("ParamEmpty", envJSON(`"param":"","sign":"x"`), 21002, "param"),
		bad("SignMissing", envJSON(`"param":"{}"`), 21002, "sign"),
		bad("SignNumber", envJSON(`"param":"{}","sign":12`), 21002, "sign"),
		bad("AppIDMissing", call{T, envelopeBody(k.t, "", good, sig)}, 21003, "appId"),
		bad("AppIDUnknown", call{T, envelopeBody(k.t, "0123456789abcdef0123456789abcdef", good, sig)}, 21003, "appId"),
		bad("AppIDUpperCase", call{T, envelopeBody(k.t, strings.ToUpper(app), good, sig)}, 21003, "appId"),
		bad("AppIDLookalike", call{T, envelopeBody(k.t, app[:len(app)-1]+"а", good, sig)}, 21003, "appId"),
		bad("AppIDWithNUL", call{T, envelopeBody(k.t, app+"\x00", good, sig)}, 21002, "appId"),
		bad("AppIDOverlong", call{T, envelopeBody(k.t, strings.Repeat(app, 300), good, sig)}, 21003, "appId"),
		bad("AppDisabled", call{T, k.signedBy(k.disabled.AppID, merchantKey(), good)}, 21004, "appId"),
		bad("AnotherAppsKey", call{T, k.signedBy(app, otherKey(), good)}, 21001, "sign"),
		bad("AnotherAppSignedWithMine", call{T, k.signedBy(k.other.AppID, merchantKey(), good)}, 21001, "sign"),
		bad("SignNotBase64", call{T, envelopeBody(k.t, app, good, "***")}, 21001, "sign"),
		bad("SignTruncated", call{T, envelopeBody(k.t, app, good, sig[:len(sig)/2])}, 21001, "sign"),
		bad("SignZeroBytes", call{T, envelopeBody(k.t, app, good, "AAAA")}, 21001, "sign"),
		bad("SignOverOtherParam", call{T, envelopeBody(k.t, app, strings.Replace(good, `"amount":10000`, `"amount":99999`, 1), sig)}, 21001, "sign"),
		bad("SignOverParamWithSpace", call{T, envelopeBody(k.t, app, good+" ", sig)}, 21001, "sign"),
		bad("ParamBrokenJSON", k.rawParam(T, `{"mchOrderId":`), 21002, "param"),
		bad("ParamArray", k.rawParam(T, `[1,2]`), 21002, "param"),
		bad("ParamNull", k.rawParam(T, `null`), 21002, "param"),
		bad("ParamString", k.rawParam(T, `"x"`), 21002, "param"),
		bad("ParamBOM", k.rawParam(T, "\ufeff"+good), 21002, "param"),
		bad("ParamRawNUL", k.rawParam(B, "{\"countryCode\":\"PH\x00\"}"), 21002, "param"),
		bad("ParamDeepNesting", k.rawParam(B, deep), 21002, "param"),
		bad("TimestampStale", k.op(T, transferFields("BAD-TS-OLD"), kv{"timestamp": nowMS() - 6*60_000}), 21009, "timestamp"),
		bad("TimestampFuture", k.op(T, transferFields("BAD-TS-NEW"), kv{"timestamp": nowMS() + 6*60_000}), 21009, "timestamp"),
		bad("TimestampSeconds", k.op(T, transferFields("BAD-TS-SEC"), kv{"timestamp": nowMS() / 1000}), 21009, "timestamp"),
		bad("TimestampObject", k.op(T, transferFields("BAD-TS-OBJ"), kv{"timestamp": kv{"ms": nowMS()}}), 21008, "timestamp"),
		bad("TimestampBool", k.op(T, transferFields("BAD-TS-BOOL"), kv{"timestamp": true}), 21008, "timestamp"),
		bad("TimestampNegative", k.op(T, transferFields("BAD-TS-NEG"), kv{"timestamp": -nowMS()}), 21008, "timestamp"),
		bad("TimestampHuge", k.op(T, transferFields("BAD-TS-HUGE"), kv{"timestamp": "99999999999999999999"}), 21008, "timestamp"),
		bad("TimestampExponent", k.op(T, transferFields("BAD-TS-EXP"), kv{"timestamp": rawJSON("1.7e12")}), 21008, "timestamp"),
		bad("TimestampEmpty", k.op(T, transferFields("BAD-TS-EMPTY"), kv{"timestamp": ""}), 21008, "timestamp"),
		bad("TimestampMissing", k.op(T, transferFields("BAD-TS-NONE"), kv{"timestamp": nil}), 21002, "timestamp"),
		bad("ReplayOutsideWindow", call{T, k.replay}, 21009, "timestamp").around(shift(6*time.Minute), shift(0)),
		bad("ReplayInsideWindow", call{T, k.replay}, 21007, "mchOrderId"),
		bad("MethodGET", raw(B, ``), 21002, "").withMethod(http.MethodGet).withStatus(405).containing("POST"),
		bad("MethodPUT", call{B, k.env(bal)}, 21002, "").withMethod(http.MethodPut).withStatus(405).containing("POST"),
		bad("UnknownPath", call{"/open-api/disbursement/transfers", k.env(good)}, 21002, "").withStatus(404).containing("unknown path"),
		bad("UnknownAlias", call{"/open-api/atlantis/disbursement/transfer", k.env(good)}, 21002, "").withStatus(404).containing("unknown path"),
		bad("TrailingSlash", call{B + "/", k.env(k.param(kv{"countryCode": "PH"}, nil))}, 21002, "").withStatus(404).containing("unknown path"),
		bad("OversizedSigned", k.op(T, transferFields("BAD-BIG"), kv{"accountName": strings.Repeat("x", 70_000)}), 21002, "").withStatus(413).containing("65536"),
		bad("OversizedJunk", raw(T, `{"appId":"`+strings.Repeat("a", 1<<20)), 21002, "").withStatus(413).containing("65536"),
		// Decisions: Content-Type is not checked (dialect A's providers
		// publish no such error; the body is the contract), and unknown
		// fields are ignored, in the envelope and in param.
		bad("ContentTypeTextPlain", call{B, k.env(bal)}, 10000, "").withType("text/plain"),
		bad("ContentTypeNone", call{B, k.env(bal)}, 10000, "").withType("none"),
		bad("ContentTypeWrongWithBadBody", raw(T, `appId=x&param=y`), 21002, "body").withType("application/x-www-form-urlencoded"),
		bad("ExtraEnvelopeFields", raw(B, `{"appId":"`+app+`","param":`+mustJSON(k.t, bal)+`,"sign":"`+
			signB64(k.t, merchantKey(), bal)+`","extra":{"appId":"other"},"signType":"MD5"}`), 10000, ""),
		bad("ExtraParamFields", k.op(B, kv{"countryCode": "PH"}, kv{"merchantId": "other", "__proto__": kv{"a": 1}, "amount": -1}), 10000, ""),
	}
}

// transferCases are refusals of /open-api/disbursement/transfer's fields:
// wrong types, missing, overlong, out-of-range and look-alike values.
func (k *badKit) transferCases() []badCase {
	tr := func(set kv, del ...string) call { return k.transfer(set, del...) }
	long := func(n int) string { return strings.Repeat("x", n) }
	idr := kv{"countryCode": "ID", "currency": "IDR", "transferCode": "BCA", "amount": rawJSON("10000.5")}
	return []badCase{
		bad("AmountLetters", tr(kv{"amount": "abc"}), 21002, "amount"),
		bad("AmountDecimalString", tr(kv{"amount": "100.50"}), 21002, "amount"),
		bad("AmountFraction", tr(kv{"amount": rawJSON("10.5")}), 21002, "amount"),
		bad("AmountPointZero", tr(kv{"amount": rawJSON("10000.0")}), 21002, "amount"),
		bad("AmountFractionIDR", tr(idr), 21002, "amount"),
		bad("AmountBool", tr(kv{"amount": true}), 21002, "amount"),
		bad("AmountObject", tr(kv{"amount": kv{"value": 10_000}}), 21002, "amount"),
		bad("AmountArray", tr(kv{"amount": []int{10_000}}), 21002, "amount"),
		bad("AmountExponent", tr(kv{"amount": rawJSON("1e4")}), 21002, "amount"),
		bad("AmountExponentHuge", tr(kv{"amount": rawJSON("1e30")}), 21002, "amount"),
		bad("AmountDigitsHuge", tr(kv{"amount": rawJSON("1" + strings.Repeat("0", 30))}), 21021, "amount"),
		bad("AmountStringBeyondInt64", tr(kv{"amount": "9223372036854775808"}), 21021, "amount"),
		bad("AmountMaxInt64", tr(kv{"amount": rawJSON("9223372036854775807")}), 21021, "amount"),
		bad("AmountNegativeBeyondInt64", tr(kv{"amount": rawJSON("-9223372036854775809")}), 21021, "amount"),
		bad("AmountZero", tr(kv{"amount": 0}), 21021, "amount"),
		bad("AmountZeroString", tr(kv{"amount": "0"}), 21021, "amount"),
		bad("AmountNegative", tr(kv{"amount": -1}), 21021, "amount"),
		bad("AmountNegativeZero", tr(kv{"amount": rawJSON("-0")}), 21021, "amount"),
		bad("AmountNegativeString", tr(kv{"amount": "-5"}), 21002, "amount"),
		bad("AmountLeadingSpace", tr(kv{"amount": " 100"}), 21002, "amount"),
		bad("AmountPlusSign", tr(kv{"amount": "+100"}), 21002, "amount"),
		bad("AmountFullwidthDigits", tr(kv{"amount": "１００００"}), 21002, "amount"),
		bad("AmountNull", tr(kv{"amount": nil}), 21002, "amount"),
		bad("AmountMissing", tr(nil, "amount"), 21002, "amount"),
		bad("AmountKeyUpperCase", tr(kv{"AMOUNT": 10_000, "Amount": 10_000}, "amount"), 21002, "amount"),
		bad("AmountBelowChannel", tr(kv{"amount": 99}), 21021, "amount"),
		bad("AmountAboveChannel", tr(kv{"amount": 5_000_001}), 21021, "amount"),
		bad("BalanceShort", tr(kv{"amount": 5_000_000}), 21014, "amount"),
		bad("MchOrderIDNumber", tr(kv{"mchOrderId": 7}), 21002, "mchOrderId"),
		bad("MchOrderID33", tr(kv{"mchOrderId": strings.Repeat("A", 33)}), 21002, "mchOrderId"),
		bad("MchOrderIDCyrillicA", tr(kv{"mchOrderId": "ORDER-А1"}), 21002, "mchOrderId"),
		bad("MchOrderIDNUL", tr(kv{"mchOrderId": "ORDER\x001"}), 21002, "mchOrderId"),
		bad("MchOrderIDSpace", tr(kv{"mchOrderId": "ORDER 1"}), 21002, "mchOrderId"),
		bad("MchOrderIDEmoji", tr(kv{"mchOrderId": "ORDER-💸"}), 21002, "mchOrderId"),
		bad("MchOrderIDEmpty", tr(kv{"mchOrderId": ""}), 21002, "mchOrderId"),
		bad("MchOrderIDMissing", tr(nil, "mchOrderId"), 21002, "mchOrderId"),
		bad("MchOrderIDReused", tr(kv{"mchOrderId": "SETUP-PAYOUT"}), 21007, "mchOrderId"),
		bad("IdempotencyID33", tr(kv{"idempotencyId": strings.Repeat("i", 33)}), 21002, "idempotencyId"),
		bad("IdempotencyIDCyrillic", tr(kv{"idempotencyId": "іdem-1"}), 21002, "idempotencyId"),
		bad("CurrencyCyrillicPHP", tr(kv{"currency": "РНР"}), 21002, "currency"),
		bad("CurrencyOtherCountry", tr(kv{"currency": "IDR"}), 21002, "currency"),
		bad("CurrencyLowerCase", tr(kv{"currency": "php"}), 21002, "currency"),
		bad("CurrencyNumber", tr(kv{"currency": 608}), 21002, "currency"),
		bad("CurrencyMissing", tr(nil, "currency"), 21002, "currency"),
		bad("CountryCyrillic", tr(kv{"countryCode": "РН"}), 21017, "countryCode"),
		bad("CountryNoPayouts", tr(kv{"countryCode": "RU", "currency": "RUB"}), 21017, "countryCode"),
		bad("CountryTrailingSpace", tr(kv{"countryCode": "PH "}), 21017, "countryCode"),
		bad("CountryNumber", tr(kv{"countryCode": 63}), 21002, "countryCode"),
		bad("CountryMissing", tr(nil, "countryCode"), 21002, "countryCode"),
		bad("CountryAliasMismatch", call{"/open-api/philippines/disbursement/transfer", k.transfer(kv{"countryCode": "ID"}).body}, 21002, "countryCode"),
		bad("PayMethodUnknown", tr(kv{"payMethodCode": "CRYPTO"}), 21019, "payMethodCode"),
		bad("PayMethodLowerCase", tr(kv{"payMethodCode": "bank"}), 21019, "payMethodCode"),
		bad("PayMethodMissing", tr(nil, "payMethodCode"), 21002, "payMethodCode"),
		bad("TransferCodeUnknown", tr(kv{"transferCode": "NOPE"}), 21012, "transferCode"),
		bad("TransferCodeCyrillic", tr(kv{"transferCode": "ВDO"}), 21012, "transferCode"),
		bad("TransferCodeWalletAsBank", tr(kv{"payMethodCode": "EWALLET", "transferCode": "BDO"}), 21013, "transferCode"),
		bad("TransferCodeClosed", tr(kv{"transferCode": "PNB"}), 21005, "transferCode"),
		bad("AccountNoLetters", tr(kv{"accountNo": "12345abcde"}), 21002, "accountNo"),
		bad("AccountNoNumber", tr(kv{"accountNo": 1234567890}), 21002, "accountNo"),
		bad("AccountNoTooLong", tr(kv{"accountNo": "12345678901234567"}), 21002, "accountNo"),
		bad("AccountNoFullwidth", tr(kv{"accountNo": "１２３４５６７８９０"}), 21002, "accountNo"),
		bad("AccountNoNUL", tr(kv{"accountNo": "1234567890\x00"}), 21002, "accountNo"),
		bad("AccountName65", tr(kv{"accountName": long(65)}), 21002, "accountName"),
		bad("AccountName60000", tr(kv{"accountName": long(60_000)}), 21002, "accountName"),
		bad("AccountName65Emoji", tr(kv{"accountName": strings.Repeat("😀", 65)}), 21002, "accountName"),
		bad("AccountNameNUL", tr(kv{"accountName": "Juan\x00Cruz"}), 21002, "accountName"),
		bad("AccountNameMissing", tr(nil, "accountName"), 21002, "accountName"),
		bad("AccountType33", tr(kv{"accountType": long(33)}), 21002, "accountType"),
		bad("Remark129", tr(kv{"remark": long(129)}), 21002, "remark"),
		bad("RemarkNewline", tr(kv{"remark": "line1\nline2"}), 21002, "remark"),
		bad("Mobile", tr(kv{"mobile": "call me"}), 21002, "mobile"),
		bad("Email", tr(kv{"email": "not-an-email"}), 21002, "email"),
		bad("NotifyURL257", tr(kv{"notifyUrl": "https://shop.example/" + long(236)}), 21002, "notifyUrl"),
		bad("NotifyURLFTP", tr(kv{"notifyUrl": "ftp://shop.example/notify"}), 21002, "notifyUrl"),
		bad("NotifyURLJavascript", tr(kv{"notifyUrl": "javascript:alert(1)"}), 21002, "notifyUrl"),
		bad("NotifyURLUserInfo", tr(kv{"notifyUrl": "https://bank.example@10.0.0.1/"}), 21002, "notifyUrl"),
		bad("NotifyURLRelative", tr(kv{"notifyUrl": "/notify"}), 21002, "notifyUrl"),
		bad("NotifyURLNUL", tr(kv{"notifyUrl": "https://shop.example/\x00"}), 21002, "notifyUrl"),
		bad("NotifyURLNumber", tr(kv{"notifyUrl": 80}), 21002, "notifyUrl"),
	}
}

// operationCases are refusals of the other operations: check, payment
// generate and query, static codes, refunds, report, balance and the
// channel lists.
func (k *badKit) operationCases() []badCase {
	op := k.op
	check := func(set kv, del ...string) call {
		return op(client.PathCheckPayout, kv{"mchOrderId": "SETUP-PAYOUT", "countryCode": "PH"}, set, del...)
	}
	gen := func(set kv, del ...string) call {
		return op(client.PathCreatePayment, kv{"mchOrderId": "BAD-PAY", "countryCode": "PH", "currency": "PHP",
			"amount": 10_000, "channelCode": "PH_QRPH_DYNAMIC"}, set, del...)
	}
	query := func(set kv, del ...string) call {
		return op(client.PathCheckPayment, kv{"transactionId": k.paidTx, "countryCode": "PH"}, set, del...)
	}
	static := func(set kv, del ...string) call {
		return op(client.PathCreateStaticCode, kv{"mchOrderId": "BAD-CODE", "countryCode": "PH", "currency": "PHP",
			"channelCode": "PH_QRPH_STATIC", "customerName": "Counter"}, set, del...)
	}
	code := func(path string, set kv) call {
		return op(path, kv{"mchOrderId": "SETUP-CODE", "countryCode": "PH", "channelCode": "PH_QRPH_STATIC"}, set)
	}
	refund := func(set kv, del ...string) call {
		return op(client.PathRefund, kv{"mchRefundOrderId": "BAD-REFUND", "originalTransactionId": k.paidTx,
			"refundAmount": 1_000, "refundReason": "returned"}, set, del...)
	}
	report := func(set kv, del ...string) call {
		return op(client.PathReportDownload, kv{"countryCode": "PH", "transDate": time.Now().Format("2006-01-02"),
			"transType": 1}, set, del...)
	}
	balance := func(set kv, del ...string) call { return op(client.PathBalance, kv{"countryCode": "PH"}, set, del...) }
	past := time.Now().Add(-time.Hour).UnixMilli()
	const detail, list, cancel = client.PathStaticCodeDetail, client.PathStaticPayments, client.PathCancelStaticCode
	return []badCase{
		bad("CheckNoReference", check(nil, "mchOrderId"), 21002, "mchOrderId"),
		bad("CheckTransactionIDNumber", check(kv{"transactionId": 12345}), 21002, "transactionId"),
		bad("CheckCountryMissing", check(nil, "countryCode"), 21002, "countryCode"),
		bad("CheckCountryUnknown", check(kv{"countryCode": "XX"}), 21017, "countryCode"),
		bad("CheckLookalikeOrder", check(kv{"mchOrderId": "SETUP-PАYOUT"}), 21010, ""),
		bad("CheckNULOrder", check(kv{"mchOrderId": "SETUP-PAYOUT\x00"}), 21002, "mchOrderId"),
		bad("CheckMismatchedIDs", check(kv{"transactionId": k.paidTx}), 21010, ""),
		bad("GenerateAmountLetters", gen(kv{"amount": "abc"}), 21002, "amount"),
		bad("GenerateAmountFraction", gen(kv{"amount": rawJSON("10.5")}), 21002, "amount"),
		bad("GenerateAmountZero", gen(kv{"amount": 0}), 21021, "amount"),
		bad("GenerateAmountHuge", gen(kv{"amount": rawJSON(strings.Repeat("9", 25))}), 21021, "amount"),
		bad("GenerateAmountNegative", gen(kv{"amount": -10_000}), 21021, "amount"),
		bad("GenerateCurrencyOtherCountry", gen(kv{"currency": "MYR"}), 21002, "currency"),
		bad("GenerateCurrencyCyrillic", gen(kv{"currency": "РНР"}), 21002, "currency"),
		bad("GenerateCurrencyRUBForPH", gen(kv{"countryCode": "RU"}), 21002, "currency"),
		bad("GenerateChannelUnknown", gen(kv{"channelCode": "NOPE"}), 21005, "channelCode"),
		bad("GenerateChannelStaticOnly", gen(kv{"channelCode": "PH_QRPH_STATIC"}), 21005, "channelCode"),
		bad("GenerateChannelTypeMismatch", gen(kv{"channelType": "CARD"}), 21002, "channelType"),
		bad("GenerateExpireTimeObject", gen(kv{"expireTime": kv{"at": 1}}), 21002, "expireTime"),
		bad("GenerateExpireTimePast", gen(kv{"expireTime": past}), 21002, "expireTime"),
		bad("GenerateCustomerName65", gen(kv{"customerName": strings.Repeat("n", 65)}), 21002, "customerName"),
		bad("GenerateEmail", gen(kv{"email": "a@b"}), 21002, "email"),
		bad("GenerateRedirectURL", gen(kv{"redirectUrl": "javascript:alert(1)"}), 21002, "redirectUrl"),
		bad("GenerateMchOrderID33", gen(kv{"mchOrderId": strings.Repeat("p", 33)}), 21002, "mchOrderId"),
		bad("GenerateMchOrderIDReused", gen(kv{"mchOrderId": "SETUP-PAID"}), 21007, "mchOrderId"),
		bad("QueryNoReference", query(nil, "transactionId"), 21002, "mchOrderId"),
		bad("QueryCountryUnknown", query(kv{"countryCode": "XX"}), 21017, "countryCode"),
		bad("QueryUnknown", query(kv{"transactionId": "C1"}), 21010, ""),
		bad("QueryNUL", query(kv{"transactionId": k.paidTx + "\x00"}), 21002, "transactionId"),
		bad("StaticAmountNegative", static(kv{"amount": -5}), 21021, "amount"),
		bad("StaticAmountFraction", static(kv{"amount": rawJSON("100.5")}), 21002, "amount"),
		bad("StaticAmountAndMin", static(kv{"amount": 10_000, "minAmount": 100}), 21002, "minAmount"),
		bad("StaticMinAboveMax", static(kv{"minAmount": 20_000, "maxAmount": 10_000}), 21021, "minAmount"),
		bad("StaticDynamicChannel", static(kv{"channelCode": "PH_QRPH_DYNAMIC"}), 21005, "channelCode"),
		bad("StaticMchOrderIDCyrillic", static(kv{"mchOrderId": "СODE-1"}), 21002, "mchOrderId"),
		bad("StaticExpirePast", static(kv{"expireTime": past}), 21002, "expireTime"),
		bad("StaticCurrencyOtherCountry", static(kv{"currency": "THB"}), 21002, "currency"),
		bad("StaticMchOrderIDReused", static(kv{"mchOrderId": "SETUP-CODE"}), 21007, "mchOrderId"),
		bad("StaticDetailUnknown", code(detail, kv{"mchOrderId": "NO-SUCH-CODE"}), 21010, ""),
		bad("StaticDetailCountryUnknown", code(detail, kv{"countryCode": "XX"}), 21017, "countryCode"),
		bad("StaticListPageSizeZero", code(list, kv{"pageSize": 0}), 21002, "pageSize"),
		bad("StaticListPageNumNegative", code(list, kv{"pageNum": -1}), 21002, "pageNum"),
		bad("StaticListPageSize101", code(list, kv{"pageSize": 101}), 21002, "pageSize"),
		bad("StaticListPageNumHuge", code(list, kv{"pageNum": 9_999_999_999}), 21002, "pageNum"),
		bad("StaticListPageSizeLetters", code(list, kv{"pageSize": "ten"}), 21002, "pageSize"),
		bad("StaticCancelTwice", code(cancel, kv{"mchOrderId": "SETUP-CANCELLED"}), 21025, "mchOrderId"),
		bad("StaticCancelOtherChannel", code(cancel, kv{"channelCode": "ID_QRIS_STATIC"}), 21010, ""),
		bad("StaticCancelUnknown", code(cancel, kv{"mchOrderId": "NO-SUCH-CODE"}), 21010, ""),
		bad("RefundAmountZero", refund(kv{"refundAmount": 0}), 21403, "refundAmount"),
		bad("RefundAmountNegative", refund(kv{"refundAmount": -1_000}), 21403, "refundAmount"),
		bad("RefundAmountFraction", refund(kv{"refundAmount": rawJSON("10.5")}), 21403, "refundAmount"),
		bad("RefundAmountLetters", refund(kv{"refundAmount": "all"}), 21403, "refundAmount"),
		bad("RefundAmountHuge", refund(kv{"refundAmount": rawJSON("1" + strings.Repeat("0", 30))}), 21403, "refundAmount"),
		bad("RefundAmountMissing", refund(nil, "refundAmount"), 21403, "refundAmount"),
		bad("RefundExceedsPayment", refund(kv{"refundAmount": 50_001}), 21404, "refundAmount"),
		bad("RefundUnknownPayment", refund(kv{"originalTransactionId": "C1"}), 21401, "originalTransactionId"),
		bad("RefundNULPayment", refund(kv{"originalTransactionId": k.paidTx + "\x00"}), 21002, "originalTransactionId"),
		bad("RefundPendingPayment", refund(kv{"originalTransactionId": k.pendTx}), 21402, "originalTransactionId"),
		bad("RefundOtherCountry", refund(kv{"countryCode": "ID"}), 21401, "originalTransactionId"),
		bad("RefundCountryUnknown", refund(kv{"countryCode": "XX"}), 21017, "countryCode"),
		bad("RefundMchRefundOrderID33", refund(kv{"mchRefundOrderId": strings.Repeat("r", 33)}), 21002, "mchRefundOrderId"),
		bad("RefundMchRefundOrderIDCyrillic", refund(kv{"mchRefundOrderId": "RЕFUND-1"}), 21002, "mchRefundOrderId"),
		bad("RefundReason257", refund(kv{"refundReason": strings.Repeat("r", 257)}), 21002, "refundReason"),
		bad("RefundCallbackFTP", refund(kv{"refundCallbackUrl": "ftp://shop.example/"}), 21002, "refundCallbackUrl"),
		bad("RefundListUnknownRefund", op(client.PathRefundPayments, kv{"refundTransactionId": "R1"}, nil), 21406, ""),
		bad("ReportDateSlashes", report(kv{"transDate": "2026/01/01"}), 21002, "transDate"),
		bad("ReportDateImpossible", report(kv{"transDate": "2026-02-30"}), 21002, "transDate"),
		bad("ReportDateMissing", report(nil, "transDate"), 21002, "transDate"),
		bad("ReportTypeUnknown", report(kv{"transType": 9}), 21002, "transType"),
		bad("ReportTypeName", report(kv{"transType": "payout"}), 21002, "transType"),
		bad("ReportTypeFraction", report(kv{"transType": rawJSON("1.5")}), 21002, "transType"),
		bad("ReportCountryUnknown", report(kv{"countryCode": "XX"}), 21017, "countryCode"),
		bad("BalanceCountryMissing", balance(nil, "countryCode"), 21002, "countryCode"),
		bad("BalanceCountryUnknown", balance(kv{"countryCode": "XX"}), 21017, "countryCode"),
		bad("BalanceCountryCyrillic", balance(kv{"countryCode": "РН"}), 21017, "countryCode"),
		bad("BalanceCountryNumber", balance(kv{"countryCode": 63}), 21002, "countryCode"),
		bad("PayoutChannelsRU", op(client.PathPayoutChannels, kv{"countryCode": "RU"}, nil), 21017, "countryCode"),
		bad("PaymentChannelsUnknown", op(client.PathPaymentChannels, kv{"countryCode": "XX"}, nil), 21017, "countryCode"),
		bad("RefundChannelsMissing", op(client.PathRefundChannels, kv{}, nil), 21002, "countryCode"),
	}
}
