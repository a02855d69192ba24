-- Refunds of collected payments. A payment's refunded_amount is the sum of
-- its refunds that are not FAILED; the reservation that CreateRefund makes
-- with a conditional UPDATE keeps it at or below paid_amount, also when
-- refunds arrive concurrently. fee_refunded is the part of the payment's fee
-- given back with those refunds (setting --refund-fee=refund).
ALTER TABLE payments ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0 CHECK (refunded_amount >= 0);
ALTER TABLE payments ADD COLUMN fee_refunded BIGINT NOT NULL DEFAULT 0 CHECK (fee_refunded >= 0);
ALTER TABLE payments ADD CONSTRAINT payments_refund_limits CHECK (refunded_amount <= paid_amount AND fee_refunded <= fee);

CREATE TABLE refunds (
    refund_transaction_id    TEXT PRIMARY KEY,
    app_id                   TEXT NOT NULL REFERENCES apps (app_id),
    merchant_id              TEXT NOT NULL,
    mch_refund_order_id      TEXT NOT NULL,
    original_transaction_id  TEXT NOT NULL REFERENCES payments (transaction_id),
    country_code             TEXT NOT NULL,
    currency                 TEXT NOT NULL,
    channel_code             TEXT NOT NULL,
    amount                   BIGINT NOT NULL CHECK (amount > 0),
    fee_refunded             BIGINT NOT NULL DEFAULT 0 CHECK (fee_refunded >= 0),
    reason                   TEXT NOT NULL DEFAULT '',
    callback_url             TEXT NOT NULL DEFAULT '',
    status                   TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETE', 'FAILED', 'CANCEL')),
    failed_code              INTEGER NOT NULL DEFAULT 0,
    failed_message           TEXT NOT NULL DEFAULT '',
    channel_state            TEXT NOT NULL CHECK (channel_state IN ('NEW', 'SUBMITTED', 'UNKNOWN', 'DONE')),
    channel_ref              TEXT NOT NULL DEFAULT '',
    created_at               TIMESTAMPTZ NOT NULL,
    updated_at               TIMESTAMPTZ NOT NULL,
    finished_at              TIMESTAMPTZ,
    submitted_at             TIMESTAMPTZ,
    CONSTRAINT refunds_mch_refund_order_id UNIQUE (app_id, mch_refund_order_id)
);
CREATE INDEX refunds_original ON refunds (original_transaction_id, created_at);
CREATE INDEX refunds_to_reconcile ON refunds (updated_at) WHERE status = 'PENDING';

-- The simulator's record of refunds it was asked to make.
CREATE TABLE sim_refunds (
    refund_transaction_id  TEXT PRIMARY KEY,
    reason                 TEXT NOT NULL DEFAULT '',
    currency               TEXT NOT NULL,
    amount                 BIGINT NOT NULL CHECK (amount > 0),
    status                 TEXT NOT NULL,
    failed_code            INTEGER NOT NULL DEFAULT 0,
    failed_message         TEXT NOT NULL DEFAULT '',
    settle_at              TIMESTAMPTZ,
    reported               BOOLEAN NOT NULL DEFAULT false,
    created_at             TIMESTAMPTZ NOT NULL,
    updated_at             TIMESTAMPTZ NOT NULL
);
CREATE INDEX sim_refunds_unreported ON sim_refunds (created_at) WHERE NOT reported;
