package notify

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

// memStore is an in-memory Store for the dispatcher's unit tests, where time
// is a synctest bubble's; the real stores are tested in store_test.go. Its
// fail hooks let a test make the store unavailable.
type memStore struct {
	mu       sync.Mutex
	nextID   int64
	msgs     map[int64]*memMsg
	attempts map[int64][]gateway.DeliveryAttempt

	claimErr    func() error // called under mu on each claim; nil: no error
	finishErr   func() error // called under mu on each finish
	finishCalls []int        // the size of each FinishAttempts call
}

type memMsg struct {
	gateway.OutboxMessage
	owner string
	until time.Time
}

var _ Store = (*memStore)(nil)

func newMemStore() *memStore {
	return &memStore{msgs: map[int64]*memMsg{}, attempts: map[int64][]gateway.DeliveryAttempt{}}
}

func (s *memStore) insert(m gateway.OutboxMessage) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextID++
	m.ID = s.nextID
	s.msgs[m.ID] = &memMsg{OutboxMessage: m}
	return m.ID
}

func (s *memStore) get(id int64) (gateway.OutboxMessage, []gateway.DeliveryAttempt) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.msgs[id].OutboxMessage, slices.Clone(s.attempts[id])
}

func (s *memStore) ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]gateway.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.claimErr != nil {
		if err := s.claimErr(); err != nil {
			return nil, err
		}
	}
	var due []*memMsg
	for _, m := range s.msgs {
		if m.Status == gateway.OutboxPending && !m.NextAttemptAt.After(now) && !m.until.After(now) {
			due = append(due, m)
		}
	}
	slices.SortFunc(due, func(a, b *memMsg) int {
		return cmp.Or(a.NextAttemptAt.Compare(b.NextAttemptAt), cmp.Compare(a.ID, b.ID))
	})
	var out []gateway.OutboxMessage
	for _, m := range due[:min(limit, len(due))] {
		m.owner, m.until = owner, leaseUntil
		out = append(out, m.OutboxMessage)
	}
	return out, nil
}

func (s *memStore) FinishAttempt(ctx context.Context, owner string, a gateway.DeliveryAttempt, next time.Time) error {
	errs, err := s.FinishAttempts(ctx, owner, []gateway.FinishedAttempt{{DeliveryAttempt: a, Next: next}})
	if err != nil {
		return err
	}
	return errs[0]
}

// FinishAttempts is all or nothing like the real stores: finishErr fails
// the whole group.
func (s *memStore) FinishAttempts(ctx context.Context, owner string, done []gateway.FinishedAttempt) ([]error, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.finishCalls = append(s.finishCalls, len(done))
	if s.finishErr != nil {
		if err := s.finishErr(); err != nil {
			return nil, err
		}
	}
	errs := make([]error, len(done))
	for i, f := range done {
		errs[i] = s.finishLocked(owner, f.DeliveryAttempt, f.Next)
	}
	return errs, nil
}

func (s *memStore) finishLocked(owner string, a gateway.DeliveryAttempt, next time.Time) error {
	m, ok := s.msgs[a.MessageID]
	if !ok || m.owner != owner || m.Status != gateway.OutboxPending {
		return gateway.ErrNotFound
	}
	m.Attempts++
	m.owner, m.until = "", time.Time{}
	switch {
	case a.OK:
		m.Status, m.DeliveredAt, m.LastError = gateway.OutboxDelivered, a.At, ""
	case next.IsZero():
		m.Status, m.LastError = gateway.OutboxDead, a.Response
	default:
		m.NextAttemptAt, m.LastError = next, a.Response
	}
	s.attempts[a.MessageID] = append(s.attempts[a.MessageID], a)
	return nil
}

func (s *memStore) ListOutbox(ctx context.Context, transactionID string) ([]gateway.OutboxMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []gateway.OutboxMessage
	for _, m := range s.msgs {
		if m.TransactionID == transactionID {
			out = append(out, m.OutboxMessage)
		}
	}
	slices.SortFunc(out, func(a, b gateway.OutboxMessage) int { return cmp.Compare(a.ID, b.ID) })
	return out, nil
}

func (s *memStore) ListAttempts(ctx context.Context, messageID int64) ([]gateway.DeliveryAttempt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.attempts[messageID]), nil
}

func (s *memStore) ResendOutbox(ctx context.Context, transactionID string, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.msgs {
		if m.TransactionID == transactionID && m.Topic == gateway.TopicNotify {
			m.Status, m.NextAttemptAt, m.owner, m.until = gateway.OutboxPending, now, "", time.Time{}
			n++
		}
	}
	return n, nil
}

func (s *memStore) OutboxBacklog(ctx context.Context) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int64{}
	for _, m := range s.msgs {
		if m.Status == gateway.OutboxPending {
			out[m.Topic]++
		}
	}
	return out, nil
}
