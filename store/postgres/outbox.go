package postgres

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kasir-gateway/kasir/gateway"
)

const outboxColumns = `id, topic, app_id, transaction_id, event, url, payload, status, attempts,
	next_attempt_at, created_at, delivered_at, last_error`

func scanOutbox(row pgx.CollectableRow) (gateway.OutboxMessage, error) {
	var m gateway.OutboxMessage
	var status string
	var delivered *time.Time
	err := row.Scan(&m.ID, &m.Topic, &m.AppID, &m.TransactionID, &m.Event, &m.URL, &m.Payload, &status,
		&m.Attempts, &m.NextAttemptAt, &m.CreatedAt, &delivered, &m.LastError)
	m.Status = gateway.OutboxStatus(status)
	m.NextAttemptAt, m.CreatedAt, m.DeliveredAt = m.NextAttemptAt.UTC(), m.CreatedAt.UTC(), fromNull(delivered)
	return m, err
}

// InsertOutbox queues m, PENDING unless m.Status says otherwise.
func (t *tx) InsertOutbox(ctx context.Context, m gateway.OutboxMessage) error {
	if m.Status == "" {
		m.Status = gateway.OutboxPending
	}
	_, err := t.db.Exec(ctx, insertOutbox, outboxArgs(m)...)
	return translate("insert outbox", err)
}

const insertOutbox = `
	INSERT INTO outbox (topic, app_id, transaction_id, event, url, payload, status, attempts,
		next_attempt_at, created_at, delivered_at, last_error)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`

// outboxArgs are m's values in insertOutbox's order.
func outboxArgs(m gateway.OutboxMessage) []any {
	return []any{m.Topic, m.AppID, m.TransactionID, m.Event, m.URL, m.Payload, string(m.Status), m.Attempts,
		m.NextAttemptAt, m.CreatedAt, nullTime(m.DeliveredAt), m.LastError}
}

// ClaimOutbox leases up to limit due messages to owner. FOR UPDATE SKIP
// LOCKED lets concurrent claimers pass over each other's rows instead of
// waiting for them.
func (s *Store) ClaimOutbox(ctx context.Context, owner string, now, leaseUntil time.Time, limit int) ([]gateway.OutboxMessage, error) {
	rows, err := s.db.Query(ctx, `
		UPDATE outbox SET lease_owner = $1, lease_until = $3
		WHERE id IN (
			SELECT id FROM outbox
			WHERE status = 'PENDING' AND next_attempt_at <= $2 AND (lease_until IS NULL OR lease_until < $2)
			ORDER BY next_attempt_at, id
			LIMIT $4
			FOR UPDATE SKIP LOCKED)
		RETURNING `+outboxColumns,
		owner, now, leaseUntil, limit)
	if err != nil {
		return nil, translate("claim outbox", err)
	}
	msgs, err := pgx.CollectRows(rows, scanOutbox)
	if err != nil {
		return nil, translate("claim outbox", err)
	}
	// RETURNING follows no ORDER BY; put the oldest due first again.
	slices.SortFunc(msgs, func(a, b gateway.OutboxMessage) int {
		if c := a.NextAttemptAt.Compare(b.NextAttemptAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return msgs, nil
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

// finishAttempt releases the lease and records the attempt in one
// statement; no row comes back when the owner holds no lease.
const finishAttempt = `
	WITH leased AS (
		UPDATE outbox SET status = $3, attempts = attempts + 1,
			next_attempt_at = coalesce($4, next_attempt_at),
			delivered_at = coalesce($5, delivered_at),
			last_error = coalesce($6, last_error),
			lease_owner = '', lease_until = NULL
		WHERE id = $1 AND lease_owner = $2 AND lease_owner <> ''
		RETURNING id)
	INSERT INTO outbox_attempts (outbox_id, at, http_status, response, latency_us, ok)
	SELECT id, $7::timestamptz, $8::integer, $9::text, $10::bigint, $11::boolean FROM leased`

// FinishAttempts records several attempts in one transaction and one round
// trip, each as FinishAttempt does. errs[i] wraps gateway.ErrNotFound when
// owner no longer held done[i]'s lease (nothing is written for it); err
// means the transaction failed and nothing was written.
func (s *Store) FinishAttempts(ctx context.Context, owner string, done []gateway.FinishedAttempt) (errs []error, err error) {
	errs = make([]error, len(done))
	b := &pgx.Batch{}
	for _, f := range done {
		status, next, delivered, lastError := f.Outcome()
		b.Queue(finishAttempt, f.MessageID, owner, string(status), next, delivered, lastError,
			f.At, f.HTTPStatus, f.Response, f.Latency.Microseconds(), f.OK)
	}
	err = s.inTx(ctx, func(q queries) error {
		return q.runBatch(ctx, "finish attempt", b, func(i int, br pgx.BatchResults) error {
			tag, err := br.Exec()
			if err == nil && tag.RowsAffected() == 0 {
				errs[i] = fmt.Errorf("postgres: finish attempt on message %d by %q: %w", done[i].MessageID, owner, gateway.ErrNotFound)
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return errs, nil
}

// ListOutbox returns a transaction's messages, oldest first.
func (s *Store) ListOutbox(ctx context.Context, transactionID string) ([]gateway.OutboxMessage, error) {
	rows, err := s.db.Query(ctx, `
		SELECT `+outboxColumns+` FROM outbox WHERE transaction_id = $1 ORDER BY created_at, id`,
		transactionID)
	if err != nil {
		return nil, translate("list outbox", err)
	}
	msgs, err := pgx.CollectRows(rows, scanOutbox)
	return msgs, translate("list outbox", err)
}

// ListAttempts returns a message's delivery attempts, oldest first.
func (s *Store) ListAttempts(ctx context.Context, messageID int64) ([]gateway.DeliveryAttempt, error) {
	rows, err := s.db.Query(ctx, `
		SELECT outbox_id, at, http_status, response, latency_us, ok
		FROM outbox_attempts WHERE outbox_id = $1 ORDER BY at, id`,
		messageID)
	if err != nil {
		return nil, translate("list attempts", err)
	}
	attempts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (gateway.DeliveryAttempt, error) {
		var a gateway.DeliveryAttempt
		var latencyUS int64
		err := r.Scan(&a.MessageID, &a.At, &a.HTTPStatus, &a.Response, &latencyUS, &a.OK)
		a.At, a.Latency = a.At.UTC(), time.Duration(latencyUS)*time.Microsecond
		return a, err
	})
	return attempts, translate("list attempts", err)
}

// ResendOutbox makes a transaction's notifications PENDING and due at now,
// except those leased to a dispatcher right now, and returns how many.
func (s *Store) ResendOutbox(ctx context.Context, transactionID string, now time.Time) (int, error) {
	tag, err := s.db.Exec(ctx, `
		UPDATE outbox SET status = 'PENDING', next_attempt_at = $2, lease_owner = '', lease_until = NULL
		WHERE transaction_id = $1 AND topic = 'notify' AND (lease_until IS NULL OR lease_until < $2)`,
		transactionID, now)
	if err != nil {
		return 0, translate("resend outbox", err)
	}
	return int(tag.RowsAffected()), nil
}

// OutboxBacklog counts PENDING messages by topic.
func (s *Store) OutboxBacklog(ctx context.Context) (map[string]int64, error) {
	rows, err := s.db.Query(ctx, `SELECT topic, count(*) FROM outbox WHERE status = 'PENDING' GROUP BY topic`)
	if err != nil {
		return nil, translate("outbox backlog", err)
	}
	backlog := map[string]int64{}
	var topic string
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&topic, &n}, func() error {
		backlog[topic] = n
		return nil
	})
	return backlog, translate("outbox backlog", err)
}
