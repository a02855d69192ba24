-- The outbox claim orders due messages by (next_attempt_at, id). With the
-- index on next_attempt_at alone, every message due at one instant (a batch
-- of payouts queues its submissions with one time) had to be sorted on each
-- claim; with id in the index the claim reads the first rows in order.
DROP INDEX outbox_due;
CREATE INDEX outbox_due ON outbox (next_attempt_at, id) WHERE status = 'PENDING';
