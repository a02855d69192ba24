package bench

import (
	"cmp"
	"context"
	"crypto/rsa"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/client"
)

// notifyMethod explains the notify scenario's measurement in the report.
const notifyMethod = "K payouts with notifyUrl at a receiver in the bench, which answers 503 until each has had one failed attempt " +
	"(the retry waits: --notify-schedule 1h when spawned); then it answers success and every K is made due at one moment, " +
	"as kasir notify resend does; rate = (K-1) / time from the first to the K-th distinct notification verified with the platform key"

// receiver is the merchant's notification endpoint of the notify scenario,
// on 127.0.0.1. It verifies every notification with the platform key; until
// accept is called it answers 503 (and notes the transaction), then
// {"code":10000,"message":"Success"}.
type receiver struct {
	key *rsa.PublicKey
	srv *http.Server
	url string

	mu        sync.Mutex
	accepting bool
	refused   map[string]bool      // transactions answered 503
	seen      map[string]time.Time // transaction id -> first accepted arrival
	first     time.Time            // the first accepted arrival
	posts     int                  // deliveries accepted, duplicates included
	badSigs   int
	changed   chan struct{} // signalled on every new transaction, refused or seen
}

func startReceiver(key *rsa.PublicKey) (*receiver, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	r := &receiver{key: key, url: "http://" + ln.Addr().String() + "/notify",
		refused: map[string]bool{}, seen: map[string]time.Time{}, changed: make(chan struct{}, 1)}
	r.srv = &http.Server{Handler: http.HandlerFunc(r.serve), ReadHeaderTimeout: 10 * time.Second}
	go r.srv.Serve(ln)
	return r, nil
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, req.Body, 1<<20))
	if err != nil {
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	n, verr := client.VerifyNotification(body, r.key)
	now := time.Now()
	r.mu.Lock()
	accepting := r.accepting
	switch {
	case verr != nil:
		r.badSigs++
	case !accepting:
		r.note(r.refused[n.TransactionID])
		r.refused[n.TransactionID] = true
	default:
		r.posts++
		_, dup := r.seen[n.TransactionID]
		if !dup {
			r.seen[n.TransactionID] = now
			if r.first.IsZero() {
				r.first = now
			}
		}
		r.note(dup)
	}
	r.mu.Unlock()
	switch {
	case verr != nil:
		http.Error(w, `{"code":21001,"message":"sign error"}`, http.StatusUnauthorized)
	case !accepting:
		http.Error(w, "not yet", http.StatusServiceUnavailable)
	default:
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `{"code":10000,"message":"Success"}`)
	}
}

// note wakes a waiter when a transaction was new; r.mu is held.
func (r *receiver) note(old bool) {
	if old {
		return
	}
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

// accept makes the receiver answer success from now on.
func (r *receiver) accept() {
	r.mu.Lock()
	r.accepting = true
	r.mu.Unlock()
}

// waitFor waits until every transaction of ids is in the set that in
// returns (r.mu held), or the time is up, and returns how many were.
func (r *receiver) waitFor(ctx context.Context, ids []string, within time.Duration, in func() map[string]bool) (int, error) {
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		set, got := in(), 0
		for _, id := range ids {
			if set[id] {
				got++
			}
		}
		r.mu.Unlock()
		if got == len(ids) {
			return got, nil
		}
		select {
		case <-r.changed:
		case <-deadline.C:
			return got, fmt.Errorf("bench: %d of %d notifications arrived within %s", got, len(ids), within)
		case <-ctx.Done():
			return got, ctx.Err()
		}
	}
}

func (r *receiver) refusedSet() map[string]bool { return r.refused }

func (r *receiver) seenSet() map[string]bool {
	out := make(map[string]bool, len(r.seen))
	for id := range r.seen {
		out[id] = true
	}
	return out
}

func (r *receiver) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		r.srv.Close()
	}
}

// NotifyResult is the notify scenario's measurement.
type NotifyResult struct {
	Method        string  `json:"method"`
	K             int     `json:"k"` // acknowledged payouts, each owed one notification
	Received      int     `json:"received"`
	Posts         int     `json:"posts"` // deliveries accepted, duplicates included
	BadSignatures int     `json:"bad_signatures"`
	BacklogS      float64 `json:"backlog_s"`         // from the first payout to every K refused once
	ResendS       float64 `json:"resend_s"`          // making the K due again, before the due moment
	ResendLateS   float64 `json:"resend_late_s"`     // how far the resending overran the due moment (0: it did not)
	DrainS        float64 `json:"drain_s"`           // from the first to the K-th distinct notification
	RatePerS      float64 `json:"rate_per_s"`        // (K-1) / DrainS
	FirstAfterS   float64 `json:"first_after_due_s"` // the first notification's delay after the due moment
}

// drainNotifications builds the backlog of the notify scenario's payouts,
// ids, releases it at once and measures its delivery.
func drainNotifications(ctx context.Context, r *receiver, core Core, ids []string, started time.Time) (NotifyResult, error) {
	res := NotifyResult{Method: notifyMethod, K: len(ids)}
	// A refused delivery means the payout is final and its notification
	// was attempted; its retry now waits for the schedule.
	if _, err := r.waitFor(ctx, ids, 3*time.Minute, r.refusedSet); err != nil {
		return res, fmt.Errorf("the backlog did not build: %w", err)
	}
	res.BacklogS = time.Since(started).Seconds()
	r.accept()
	// Every notification becomes due at one moment, a little ahead, so that
	// resending them all is done by then.
	now := time.Now()
	due := now.Add(time.Second + time.Duration(len(ids))*time.Second/500)
	if err := resendAll(ctx, core, ids, due); err != nil {
		return res, err
	}
	res.ResendS = time.Since(now).Seconds()
	if late := time.Since(due); late > 0 {
		res.ResendLateS = late.Seconds()
	}
	got, err := r.waitFor(ctx, ids, 5*time.Minute, r.seenSet)
	r.mu.Lock()
	defer r.mu.Unlock()
	res.Received, res.Posts, res.BadSignatures = got, r.posts, r.badSigs
	var last time.Time
	for _, id := range ids {
		if at := r.seen[id]; at.After(last) {
			last = at
		}
	}
	if got > 0 {
		res.FirstAfterS = r.first.Sub(due).Seconds()
		res.DrainS = last.Sub(r.first).Seconds()
		if got > 1 && res.DrainS > 0 {
			res.RatePerS = float64(got-1) / res.DrainS
		}
	}
	return res, err
}

// resendAll makes the notifications of ids due at due, from a few
// goroutines. A message that a dispatcher holds at that moment (its failed
// attempt not yet recorded) is tried again shortly.
func resendAll(ctx context.Context, core Core, ids []string, due time.Time) error {
	jobs := make(chan string)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for id := range jobs {
				err := fmt.Errorf("bench: the notification of %s stayed leased", id)
				for try := 0; try < 50 && ctx.Err() == nil; try++ {
					n, rerr := core.Resend(ctx, id, due)
					if rerr != nil || n > 0 {
						err = rerr
						break
					}
					time.Sleep(100 * time.Millisecond)
				}
				if err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
				}
			}
		}()
	}
	for _, id := range ids {
		jobs <- id
	}
	close(jobs)
	wg.Wait()
	return firstErr
}
