package storetest

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

func notification(txID string, due time.Time) gateway.OutboxMessage {
	return gateway.OutboxMessage{Topic: gateway.TopicNotify, AppID: "app1", TransactionID: txID,
		Event: "disbursement.success", URL: "https://merchant.example/n", Payload: []byte(`{"name":"x"}`),
		NextAttemptAt: due, CreatedAt: t0}
}

// queue inserts messages in one transaction and returns them as stored.
func queue(t *testing.T, s Store, msgs ...gateway.OutboxMessage) []gateway.OutboxMessage {
	t.Helper()
	mustTx(t, s, func(tx gateway.Tx) error {
		for _, m := range msgs {
			if err := tx.InsertOutbox(t.Context(), m); err != nil {
				return err
			}
		}
		return nil
	})
	var stored []gateway.OutboxMessage
	seen := map[string]bool{}
	for _, m := range msgs {
		if !seen[m.TransactionID] {
			seen[m.TransactionID] = true
			stored = append(stored, listOutbox(t, s, m.TransactionID)...)
		}
	}
	return stored
}

func listOutbox(t *testing.T, s Store, txID string) []gateway.OutboxMessage {
	t.Helper()
	msgs, err := s.ListOutbox(t.Context(), txID)
	if err != nil {
		t.Fatal(err)
	}
	return msgs
}

func claim(t *testing.T, s Store, owner string, now time.Time, limit int) []int64 {
	t.Helper()
	msgs, err := s.ClaimOutbox(t.Context(), owner, now, now.Add(time.Minute), limit)
	if err != nil {
		t.Fatalf("ClaimOutbox: %v", err)
	}
	ids := []int64{}
	for _, m := range msgs {
		ids = append(ids, m.ID)
	}
	return ids
}

func finish(t *testing.T, s Store, owner string, a gateway.DeliveryAttempt, next time.Time) error {
	t.Helper()
	return s.FinishAttempt(t.Context(), owner, a, next)
}

var outboxTests = []test{
	{"OutboxInsertList", func(t *testing.T, s Store) {
		n := notification("D1", t0)
		sub := gateway.OutboxMessage{Topic: gateway.TopicSubmit, AppID: "app1", TransactionID: "D1",
			NextAttemptAt: t0.Add(time.Second), CreatedAt: t0.Add(time.Second)}
		got := queue(t, s, n, sub, notification("D2", t0))
		if len(got) != 3 || got[0].ID == 0 || got[1].ID <= got[0].ID {
			t.Fatalf("stored messages: %+v", got)
		}
		n.ID, n.Status = got[0].ID, gateway.OutboxPending
		sub.ID, sub.Status = got[1].ID, gateway.OutboxPending
		same(t, "messages of D1", got[:2], []gateway.OutboxMessage{n, sub})
		if msgs := listOutbox(t, s, "D-none"); len(msgs) != 0 {
			t.Errorf("messages of an unknown transaction: %+v", msgs)
		}
	}},
	{"ClaimOutboxOrderAndDue", func(t *testing.T, s Store) {
		msgs := queue(t, s, notification("D1", t0.Add(3*time.Second)), notification("D1", t0.Add(time.Second)),
			notification("D1", t0.Add(2*time.Second)), notification("D1", t0.Add(time.Hour)))
		now := t0.Add(time.Minute)
		same(t, "first claim", claim(t, s, "a", now, 2), []int64{msgs[1].ID, msgs[2].ID})
		same(t, "second claim", claim(t, s, "b", now, 10), []int64{msgs[0].ID})
		same(t, "nothing left due", claim(t, s, "c", now, 10), []int64{})
	}},
	{"ClaimOutboxConcurrent", func(t *testing.T, s Store) {
		var batch []gateway.OutboxMessage
		for i := range 20 {
			batch = append(batch, notification(uniq("D"), t0.Add(time.Duration(i)*time.Millisecond)))
		}
		queue(t, s, batch...)
		claimed := make([][]int64, 2)
		var wg sync.WaitGroup
		for w := range 2 {
			wg.Go(func() {
				for range 20 { // bounded, so that a store handing out messages twice fails rather than hangs
					msgs, err := s.ClaimOutbox(t.Context(), []string{"a", "b"}[w], t0.Add(time.Minute), t0.Add(time.Hour), 3)
					if err != nil {
						t.Error(err)
						return
					}
					if len(msgs) == 0 {
						return
					}
					for _, m := range msgs {
						claimed[w] = append(claimed[w], m.ID)
					}
				}
			})
		}
		wg.Wait()
		all := append(append([]int64{}, claimed[0]...), claimed[1]...)
		slices.Sort(all)
		if len(all) != 20 || len(slices.Compact(slices.Clone(all))) != 20 {
			t.Errorf("claimers got %v and %v: want 20 distinct messages in all", claimed[0], claimed[1])
		}
	}},
	{"ClaimOutboxLease", func(t *testing.T, s Store) {
		m := queue(t, s, notification("D1", t0))[0]
		now := t0.Add(time.Second)
		same(t, "a claims", claim(t, s, "a", now, 10), []int64{m.ID})
		same(t, "b while a's lease runs", claim(t, s, "b", now.Add(30*time.Second), 10), []int64{})
		same(t, "b after a's lease expired", claim(t, s, "b", now.Add(2*time.Minute), 10), []int64{m.ID})
		a := gateway.DeliveryAttempt{MessageID: m.ID, At: now, HTTPStatus: 200, Response: "ok", OK: true}
		wantErr(t, "finish by the old owner", finish(t, s, "a", a, time.Time{}), gateway.ErrNotFound)
		wantErr(t, "finish by a stranger", finish(t, s, "", a, time.Time{}), gateway.ErrNotFound)
		if got := listOutbox(t, s, "D1")[0]; got.Attempts != 0 || got.Status != gateway.OutboxPending {
			t.Errorf("a refused finish changed the message: %+v", got)
		}
		if as, err := s.ListAttempts(t.Context(), m.ID); err != nil || len(as) != 0 {
			t.Errorf("a refused finish recorded attempts: %v, %v", as, err)
		}
		if err := finish(t, s, "b", a, time.Time{}); err != nil {
			t.Errorf("finish by the owner: %v", err)
		}
		wantErr(t, "second finish", finish(t, s, "b", a, time.Time{}), gateway.ErrNotFound)
	}},
	{"FinishAttemptTransitions", func(t *testing.T, s Store) {
		ctx := t.Context()
		msgs := queue(t, s, notification("D1", t0), notification("D2", t0), notification("D3", t0))
		now := t0.Add(time.Second)
		claim(t, s, "w", now, 10)
		at := now.Add(time.Second)
		ok := gateway.DeliveryAttempt{MessageID: msgs[0].ID, At: at, HTTPStatus: 200, Response: "SUCCESS",
			Latency: 1500 * time.Microsecond, OK: true}
		retry := gateway.DeliveryAttempt{MessageID: msgs[1].ID, At: at, HTTPStatus: 500, Response: "boom",
			Latency: 2 * time.Millisecond}
		dead := gateway.DeliveryAttempt{MessageID: msgs[2].ID, At: at, Response: "dial tcp: refused"}
		next := at.Add(time.Minute)
		for _, f := range []struct {
			a    gateway.DeliveryAttempt
			next time.Time
		}{{ok, time.Time{}}, {retry, next}, {dead, time.Time{}}} {
			if err := finish(t, s, "w", f.a, f.next); err != nil {
				t.Fatalf("FinishAttempt(%d): %v", f.a.MessageID, err)
			}
		}
		want := msgs[0]
		want.Status, want.Attempts, want.DeliveredAt = gateway.OutboxDelivered, 1, at
		same(t, "delivered", listOutbox(t, s, "D1")[0], want)
		want = msgs[1]
		want.Attempts, want.NextAttemptAt, want.LastError = 1, next, "boom"
		same(t, "retried", listOutbox(t, s, "D2")[0], want)
		want = msgs[2]
		want.Status, want.Attempts, want.LastError = gateway.OutboxDead, 1, "dial tcp: refused"
		same(t, "dead", listOutbox(t, s, "D3")[0], want)

		same(t, "claim before the retry is due", claim(t, s, "w", next.Add(-time.Millisecond), 10), []int64{})
		same(t, "claim when the retry is due", claim(t, s, "w", next, 10), []int64{msgs[1].ID})
		again := retry
		again.At, again.HTTPStatus, again.Response, again.OK = next, 200, "SUCCESS", true
		if err := finish(t, s, "w", again, time.Time{}); err != nil {
			t.Fatal(err)
		}
		as, err := s.ListAttempts(ctx, msgs[1].ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "attempts", as, []gateway.DeliveryAttempt{retry, again})
		as, err = s.ListAttempts(ctx, msgs[0].ID)
		if err != nil {
			t.Fatal(err)
		}
		same(t, "attempts of the delivered message", as, []gateway.DeliveryAttempt{ok})
	}},
	{"FinishAttemptsGroup", func(t *testing.T, s Store) {
		ctx := t.Context()
		msgs := queue(t, s, notification("D1", t0), notification("D2", t0), notification("D3", t0),
			notification("D4", t0.Add(time.Second)))
		now := t0.Add(time.Second)
		same(t, "w claims", claim(t, s, "w", t0, 10), []int64{msgs[0].ID, msgs[1].ID, msgs[2].ID})
		same(t, "v claims", claim(t, s, "v", now, 10), []int64{msgs[3].ID})
		at, next := now.Add(time.Second), now.Add(time.Hour)
		done := []gateway.FinishedAttempt{
			{DeliveryAttempt: gateway.DeliveryAttempt{MessageID: msgs[2].ID, At: at, Response: "dial tcp: refused"}},
			{DeliveryAttempt: gateway.DeliveryAttempt{MessageID: msgs[3].ID, At: at, HTTPStatus: 200, Response: "SUCCESS", OK: true}},
			{DeliveryAttempt: gateway.DeliveryAttempt{MessageID: msgs[0].ID, At: at, HTTPStatus: 200, Response: "SUCCESS",
				Latency: time.Millisecond, OK: true}},
			{DeliveryAttempt: gateway.DeliveryAttempt{MessageID: msgs[1].ID, At: at, HTTPStatus: 503, Response: "busy"}, Next: next},
		}
		errs, err := s.FinishAttempts(ctx, "w", done)
		if err != nil || len(errs) != 4 {
			t.Fatalf("FinishAttempts: %v, %v", errs, err)
		}
		for i, want := range []error{nil, gateway.ErrNotFound, nil, nil} {
			if want == nil && errs[i] != nil {
				t.Errorf("attempt %d: %v, want it recorded", i, errs[i])
			}
			if want != nil {
				wantErr(t, "an attempt on v's message", errs[i], want)
			}
		}
		want := msgs[0]
		want.Status, want.Attempts, want.DeliveredAt = gateway.OutboxDelivered, 1, at
		same(t, "delivered", listOutbox(t, s, "D1")[0], want)
		want = msgs[1]
		want.Attempts, want.NextAttemptAt, want.LastError = 1, next, "busy"
		same(t, "retried", listOutbox(t, s, "D2")[0], want)
		want = msgs[2]
		want.Status, want.Attempts, want.LastError = gateway.OutboxDead, 1, "dial tcp: refused"
		same(t, "dead", listOutbox(t, s, "D3")[0], want)
		if got := listOutbox(t, s, "D4")[0]; got.Attempts != 0 || got.Status != gateway.OutboxPending {
			t.Errorf("w's group changed v's message: %+v", got)
		}
		for i, n := range []int{1, 1, 1, 0} {
			if as, err := s.ListAttempts(ctx, msgs[i].ID); err != nil || len(as) != n {
				t.Errorf("attempts of message %d: %v, %v; want %d", i, as, err, n)
			}
		}
		if as, _ := s.ListAttempts(ctx, msgs[0].ID); len(as) == 1 {
			same(t, "the recorded attempt", as[0], done[2].DeliveryAttempt)
		}
		if errs, err := s.FinishAttempts(ctx, "w", nil); err != nil || len(errs) != 0 {
			t.Errorf("an empty group: %v, %v", errs, err)
		}
	}},
	{"ResendAndBacklog", func(t *testing.T, s Store) {
		ctx := t.Context()
		backlog := func() map[string]int64 {
			t.Helper()
			b, err := s.OutboxBacklog(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		if b := backlog(); len(b) != 0 {
			t.Errorf("backlog of an empty outbox: %v", b)
		}
		sub := gateway.OutboxMessage{Topic: gateway.TopicSubmit, AppID: "app1", TransactionID: "D1", NextAttemptAt: t0, CreatedAt: t0}
		msgs := queue(t, s, notification("D1", t0), notification("D1", t0), notification("D1", t0), sub,
			notification("D2", t0))
		same(t, "backlog", backlog(), map[string]int64{"notify": 4, "submit": 1})
		now := t0.Add(time.Second)
		claim(t, s, "w", now, 10)
		for _, a := range []gateway.DeliveryAttempt{
			{MessageID: msgs[0].ID, At: now, OK: true}, // delivered
			{MessageID: msgs[1].ID, At: now},           // dead
			{MessageID: msgs[3].ID, At: now, OK: true}, // the submission, done
		} {
			if err := finish(t, s, "w", a, time.Time{}); err != nil {
				t.Fatal(err)
			}
		}
		// msgs[2] stays leased to w; D2's message too.
		same(t, "backlog after attempts", backlog(), map[string]int64{"notify": 2})

		resendAt := now.Add(time.Second)
		n, err := s.ResendOutbox(ctx, "D1", resendAt)
		if err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("ResendOutbox resent %d, want the 2 unleased notifications", n)
		}
		got := listOutbox(t, s, "D1")
		for _, i := range []int{0, 1} {
			if got[i].Status != gateway.OutboxPending || !got[i].NextAttemptAt.Equal(resendAt) {
				t.Errorf("resent message %d: %+v", i, got[i])
			}
		}
		if got[3].Status != gateway.OutboxDelivered {
			t.Errorf("submission was resent: %+v", got[3])
		}
		same(t, "backlog after resend", backlog(), map[string]int64{"notify": 4})
		same(t, "claim after resend", claim(t, s, "v", resendAt, 10), []int64{msgs[0].ID, msgs[1].ID})
	}},
}
