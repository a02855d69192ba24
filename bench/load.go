package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// opKind is what a request does.
type opKind int

const (
	opPayout opKind = iota
	opCheck
	opBalance
	opPayment
)

// request is one API call: its param, and its signed envelope once signed.
type request struct {
	op         opKind
	path       string
	param      []byte
	body       []byte // the signed envelope; nil until signed
	mchOrderID string // of the order it creates or checks
	amount     int64  // of the payout it creates
}

// merchant is a bench merchant and the SDK client that signs as its app.
type merchant struct {
	id, appID string
	sdk       *client.Client
}

// sign fills r.body with the envelope m's key signs.
func (m *merchant) sign(r *request) error {
	body, err := m.sdk.Envelope(r.param)
	if err != nil {
		return err
	}
	r.body = body
	return nil
}

// tally is what one worker saw in one phase.
type tally struct {
	lat     []time.Duration // of every answered request, when recording
	ok      int64
	errs    map[string]int64
	spent   int64     // amount plus fee of the acknowledged payouts
	feeBad  int64     // acknowledged payouts whose fee was not the expected one
	unknown []request // payouts whose outcome is unknown (transport error, 5xx)
	txIDs   []string  // transaction ids of the acknowledged payouts
}

func (t *tally) fail(class string) {
	if t.errs == nil {
		t.errs = map[string]int64{}
	}
	t.errs[class]++
}

// live is the running counts the progress line reads.
type live struct {
	ok, errs atomic.Int64
	hist     histogram
}

// caller sends requests to one gateway.
type caller struct {
	hc          *http.Client
	base        string
	expectedFee int64 // of a payout of payoutAmount
}

// newHTTPClient returns the one client every worker shares: keep-alive,
// enough idle connections for every worker to keep its own.
func newHTTPClient(clients int) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = clients * 2
	tr.MaxIdleConnsPerHost = clients * 2
	tr.DisableCompression = true
	return &http.Client{Transport: tr, Timeout: 2 * time.Minute}
}

// apiAnswer is the part of an answer the bench reads.
type apiAnswer struct {
	Code *int `json:"code"`
	Data struct {
		TransactionID string `json:"transactionId"`
		Fee           int64  `json:"fee"`
	} `json:"data"`
}

// do sends r (signed) and tallies its outcome into t and lv.
func (c *caller) do(ctx context.Context, r request, record bool, t *tally, lv *live) {
	start := time.Now()
	class, ans := c.send(ctx, r)
	lat := time.Since(start)
	if lv != nil {
		lv.hist.add(lat)
	}
	if record && class != "net" {
		t.lat = append(t.lat, lat)
	}
	if class != "" {
		t.fail(class)
		if lv != nil {
			lv.errs.Add(1)
		}
		if r.op == opPayout && (class == "net" || class == strconv.Itoa(client.CodeServerError) || class[0] == 'h') {
			t.unknown = append(t.unknown, r)
		}
		return
	}
	t.ok++
	if lv != nil {
		lv.ok.Add(1)
	}
	if r.op == opPayout {
		t.spent += r.amount + ans.Data.Fee
		if ans.Data.Fee != c.expectedFee {
			t.feeBad++
		}
		t.txIDs = append(t.txIDs, ans.Data.TransactionID)
	}
}

// send posts r's envelope and classifies the answer: "" for code 10000,
// the code otherwise, "http:<status>" for an answer without one, "net" when
// there was no answer.
func (c *caller) send(ctx context.Context, r request) (string, apiAnswer) {
	var ans apiAnswer
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+r.path, bytes.NewReader(r.body))
	if err != nil {
		return "net", ans
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return "net", ans
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return "net", ans
	}
	if json.Unmarshal(raw, &ans) != nil || ans.Code == nil {
		return fmt.Sprintf("http:%d", resp.StatusCode), ans
	}
	if *ans.Code != client.CodeSuccess {
		return strconv.Itoa(*ans.Code), ans
	}
	return "", ans
}

// source hands a worker its requests, signed; ok is false when it has no
// more.
type source func() (r request, ok bool, err error)

// liveSource builds and signs requests as they are sent, at most limit of
// them (0: no limit).
func liveSource(m *merchant, build func(seq int) request, limit int) source {
	seq := 0
	return func() (request, bool, error) {
		if limit > 0 && seq >= limit {
			return request{}, false, nil
		}
		r := build(seq)
		seq++
		err := m.sign(&r)
		return r, err == nil, err
	}
}

// presignedSource hands out requests signed beforehand.
func presignedSource(reqs []request) source {
	i := 0
	return func() (request, bool, error) {
		if i >= len(reqs) {
			return request{}, false, nil
		}
		i++
		return reqs[i-1], true, nil
	}
}

// phaseResult is a phase's tallies, one per worker, and how long it took.
type phaseResult struct {
	tallies []*tally
	elapsed time.Duration
}

// runPhase runs one source per worker until each is exhausted, the deadline
// (if any) passes, or, with stopAtFirst, the first worker runs out.
func (c *caller) runPhase(ctx context.Context, sources []source, deadline time.Time, stopAtFirst, record bool, lv *live) (phaseResult, error) {
	res := phaseResult{tallies: make([]*tally, len(sources))}
	// stop ends the loops, not the requests in flight: those finish on ctx.
	var stop atomic.Bool
	var wg sync.WaitGroup
	var errOnce sync.Once
	var firstErr error
	start := time.Now()
	for i, src := range sources {
		t := &tally{}
		res.tallies[i] = t
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() && ctx.Err() == nil && (deadline.IsZero() || time.Now().Before(deadline)) {
				r, ok, err := src()
				if err != nil {
					errOnce.Do(func() { firstErr = err })
					stop.Store(true)
					return
				}
				if !ok {
					if stopAtFirst {
						stop.Store(true)
					}
					return
				}
				c.do(ctx, r, record, t, lv)
			}
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return res, firstErr
}

// progress prints the live line to w about once a second until stop is
// closed.
func progress(w io.Writer, name string, lv *live, start time.Time, stop <-chan struct{}) {
	if w == nil {
		return
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last, lastAt := int64(0), start
	for {
		select {
		case <-stop:
			return
		case now := <-tick.C:
			ok := lv.ok.Load()
			rate := float64(ok-last) / now.Sub(lastAt).Seconds()
			last, lastAt = ok, now
			fmt.Fprintf(w, "bench %s: %3.0fs  ok %d  %.0f/s  errors %d  p99 <= %.1f ms\n",
				name, now.Sub(start).Seconds(), ok, rate, lv.errs.Load(), ms(lv.hist.quantile(0.99)))
		}
	}
}
