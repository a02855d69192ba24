-- Collections: dynamic payments, and each merchant's settlement delay.
ALTER TABLE merchants ADD COLUMN settlement_delay_ms INTEGER NOT NULL DEFAULT 0 CHECK (settlement_delay_ms >= 0);

CREATE TABLE payments (
    transaction_id  TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES apps (app_id),
    merchant_id     TEXT NOT NULL,
    mch_order_id    TEXT NOT NULL,
    country_code    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    paid_amount     INTEGER NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
    fee             INTEGER NOT NULL DEFAULT 0 CHECK (fee >= 0),
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
    expire_at       INTEGER NOT NULL,
    settle_at       INTEGER,
    settled_at      INTEGER,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (app_id, mch_order_id),
    UNIQUE (channel_code, channel_ref)
) STRICT;
CREATE INDEX payments_to_expire ON payments (expire_at) WHERE status = 'PENDING';
CREATE INDEX payments_to_settle ON payments (settle_at) WHERE status = 'COMPLETED' AND settled_at IS NULL;

CREATE TABLE sim_payments (
    id              TEXT PRIMARY KEY,
    transaction_id  TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    reported        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sim_payments_unreported ON sim_payments (created_at) WHERE NOT reported;
