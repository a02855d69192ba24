-- Collections: dynamic payments, and each merchant's settlement delay.
ALTER TABLE merchants ADD COLUMN settlement_delay_ms BIGINT NOT NULL DEFAULT 0 CHECK (settlement_delay_ms >= 0);

CREATE TABLE payments (
    transaction_id  TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES apps (app_id),
    merchant_id     TEXT NOT NULL,
    mch_order_id    TEXT NOT NULL,
    country_code    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    paid_amount     BIGINT NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    fee             BIGINT NOT NULL DEFAULT 0 CHECK (fee >= 0),
    channel_type    TEXT NOT NULL,
    channel_code    TEXT NOT NULL,
    pay_data        TEXT NOT NULL,
    customer_name   TEXT NOT NULL DEFAULT '',
    email           TEXT NOT NULL DEFAULT '',
    mobile          TEXT NOT NULL DEFAULT '',
    terminal_type   TEXT NOT NULL DEFAULT '',
    notify_url      TEXT NOT NULL DEFAULT '',
    redirect_url    TEXT NOT NULL DEFAULT '',
    remark          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED', 'EXPIRED')),
    flag            TEXT NOT NULL DEFAULT '',
    channel_ref     TEXT,
    expire_at       TIMESTAMPTZ NOT NULL,
    settle_at       TIMESTAMPTZ,
    settled_at      TIMESTAMPTZ,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    UNIQUE (app_id, mch_order_id),
    UNIQUE (channel_code, channel_ref)
);
CREATE INDEX payments_to_expire ON payments (expire_at) WHERE status = 'PENDING';
CREATE INDEX payments_to_settle ON payments (settle_at) WHERE status = 'COMPLETED' AND settled_at IS NULL;

-- The simulator's record of customers' payments, reported to the gateway
-- like a channel's callbacks.
CREATE TABLE sim_payments (
    id              TEXT PRIMARY KEY,
    transaction_id  TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    reported        BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX sim_payments_unreported ON sim_payments (created_at) WHERE NOT reported;
