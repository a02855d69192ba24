package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/kasir-gateway/kasir/gateway"
)

const outboxColumns = `id, topic, app_id, transaction_id, event, url, payload, status, attempts,
	next_attempt_at, created_at, delivered_at, last_error`

func scanOutbox(row scanner) (gateway.OutboxMessage, error) {
	var m gateway.OutboxMessage
	var status string
	var next, created int64
	var delivered sql.NullInt64
	err := row.Scan(&m.ID, &m.Topic, &m.AppID, &m.TransactionID, &m.Event, &m.URL, &m.Payload, &status,
		&m.Attempts, &next, &created, &delivered, &m.LastError)
	m.Status = gateway.OutboxStatus(status)
	m.NextAttemptAt, m.CreatedAt, m.DeliveredAt = fromMS(next), fromMS(created), fromNullMS(delivered)
	return m, err
}

// InsertOutbox queues m, PENDING unless m.Status says otherwise.
func (t *tx) InsertOutbox(ctx context.Context, m gateway.OutboxMessage) error {
	if m.Status == "" {
		m.Status = gateway.OutboxPending
	}
	_, err := t.db.ExecContext(ctx, `
		INSERT INTO outbox (topic, app_id, transaction_id, event, url, payload, status, attempts,
			next_attempt_at, created_at, delivered_at, last_error)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`,
		m.Topic, m.AppID, m.TransactionID, m.Event, m.URL, m.Payload, string(m.Status), m.Attempts,
		ms(m.NextAttemptAt), ms(m.CreatedAt), nullMS(m.DeliveredAt), m.LastError)
	return translate("insert outbox", err)
}

// ClaimOutbox leases up to limit due messages to owner. The statement runs
// on the single writer connection, under SQLite's write lock, so two claims
// never overlap.
func (s *Store) ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]gateway.OutboxMessage, error) {
	rows, err := s.writer.QueryContext(ctx, `
		UPDATE outbox SET lease_owner = ?1, lease_until = ?3
		WHERE id IN (
			SELECT id FROM outbox
			WHERE status = 'PENDING' AND next_attempt_at <= ?2 AND (lease_until IS NULL OR lease_until < ?2)
			ORDER BY next_attempt_at, id
			LIMIT ?4)
		RETURNING `+outboxColumns,
		owner, ms(now), ms(leaseUntil), limit)
	msgs, err := collect("claim outbox", rows, err, scanOutbox)
	// RETURNING follows no ORDER BY; put the oldest due first again.
	slices.SortFunc(msgs, func(a, b gateway.OutboxMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return msgs, err
}

// FinishAttempt records a and releases owner's lease in one transaction;
// gateway.ErrNotFound, with nothing written, when owner holds no lease on
// the message.
func (s *Store) FinishAttempt(ctx context.Context, owner string, a gateway.DeliveryAttempt, next time.Time) error {
	errs, err := s.FinishAttempts(ctx, owner, []gateway.FinishedAttempt{{DeliveryAttempt: a, Next: next}})
	if err != nil {
		return err
	}
	return errs[0]
}

// FinishAttempts records several attempts in one transaction, each as
// FinishAttempt does. errs[i] wraps gateway.ErrNotFound when owner no
// longer held done[i]'s lease (nothing is written for it); err means the
// transaction failed and nothing was written.
func (s *Store) FinishAttempts(ctx context.Context, owner string, done []gateway.FinishedAttempt) (errs []error, err error) {
	errs = make([]error, len(done))
	err = s.inTx(ctx, func(q queries) error {
		for i, f := range done {
			status, next, delivered, lastError := f.Outcome()
			n, err := q.exec(ctx, "finish attempt", `
				UPDATE outbox SET status = ?3, attempts = attempts + 1,
					next_attempt_at = coalesce(?4, next_attempt_at),
					delivered_at = coalesce(?5, delivered_at),
					last_error = coalesce(?6, last_error),
					lease_owner = '', lease_until = NULL
				WHERE id = ?1 AND lease_owner = ?2 AND lease_owner <> ''`,
				f.MessageID, owner, string(status), msPtr(next), msPtr(delivered), lastError)
			if err != nil {
				return err
			}
			if n == 0 {
				errs[i] = fmt.Errorf("sqlite: finish attempt on message %d by %q: %w", f.MessageID, owner, gateway.ErrNotFound)
				continue
			}
			if _, err = q.db.ExecContext(ctx, `
				INSERT INTO outbox_attempts (outbox_id, at, http_status, response, latency_us, ok)
				VALUES (?1, ?2, ?3, ?4, ?5, ?6)`,
				f.MessageID, ms(f.At), f.HTTPStatus, f.Response, f.Latency.Microseconds(), boolInt(f.OK)); err != nil {
				return translate("finish attempt", err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// msPtr is ms of *t, or NULL.
func msPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return ms(*t)
}

// ListOutbox returns a transaction's messages, oldest first.
func (s *Store) ListOutbox(ctx context.Context, transactionID string) ([]gateway.OutboxMessage, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT `+outboxColumns+` FROM outbox WHERE transaction_id = ?1 ORDER BY created_at, id`,
		transactionID)
	return collect("list outbox", rows, err, scanOutbox)
}

// ListAttempts returns a message's delivery attempts, oldest first.
func (s *Store) ListAttempts(ctx context.Context, messageID int64) ([]gateway.DeliveryAttempt, error) {
	rows, err := s.reader.QueryContext(ctx, `
		SELECT outbox_id, at, http_status, response, latency_us, ok
		FROM outbox_attempts WHERE outbox_id = ?1 ORDER BY at, id`,
		messageID)
	return collect("list attempts", rows, err, func(r scanner) (gateway.DeliveryAttempt, error) {
		var a gateway.DeliveryAttempt
		var at, latencyUS int64
		err := r.Scan(&a.MessageID, &at, &a.HTTPStatus, &a.Response, &latencyUS, &a.OK)
		a.At, a.Latency = fromMS(at), time.Duration(latencyUS)*time.Microsecond
		return a, err
	})
}

// ResendOutbox makes a transaction's notifications PENDING and due at now,
// except those leased to a dispatcher right now, and returns how many.
func (s *Store) ResendOutbox(ctx context.Context, transactionID string, now time.Time) (int, error) {
	n, err := s.w().exec(ctx, "resend outbox", `
		UPDATE outbox SET status = 'PENDING', next_attempt_at = ?2, lease_owner = '', lease_until = NULL
		WHERE transaction_id = ?1 AND topic = 'notify' AND (lease_until IS NULL OR lease_until < ?2)`,
		transactionID, ms(now))
	return int(n), err
}

// OutboxBacklog counts PENDING messages by topic.
func (s *Store) OutboxBacklog(ctx context.Context) (map[string]int64, error) {
	type count struct {
		topic string
		n     int64
	}
	rows, err := s.reader.QueryContext(ctx, `SELECT topic, count(*) FROM outbox WHERE status = 'PENDING' GROUP BY topic`)
	counts, err := collect("outbox backlog", rows, err, func(r scanner) (count, error) {
		var c count
		return c, r.Scan(&c.topic, &c.n)
	})
	if err != nil {
		return nil, err
	}
	backlog := make(map[string]int64, len(counts))
	for _, c := range counts {
		backlog[c.topic] = c.n
	}
	return backlog, nil
}
