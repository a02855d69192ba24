-- Static codes: reusable QR codes and virtual accounts. Each payment into a
-- code is a row of payments with static_code_id set and the code's
-- mch_order_id, so (app_id, mch_order_id) stays unique among dynamic orders
-- only.
CREATE TABLE static_codes (
    id              TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES apps (app_id),
    merchant_id     TEXT NOT NULL,
    mch_order_id    TEXT NOT NULL,
    country_code    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    channel_code    TEXT NOT NULL,
    customer_name   TEXT NOT NULL DEFAULT '',
    amount          INTEGER NOT NULL CHECK (amount >= 0),
    min_amount      INTEGER NOT NULL CHECK (min_amount > 0),
    max_amount      INTEGER NOT NULL CHECK (max_amount >= min_amount),
    expire_at       INTEGER,
    status          TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CANCEL')),
    pay_data        TEXT NOT NULL,
    notify_url      TEXT NOT NULL DEFAULT '',
    remark          TEXT NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    cancelled_at    INTEGER,
    UNIQUE (app_id, mch_order_id)
) STRICT;
CREATE INDEX static_codes_mch_order_id ON static_codes (mch_order_id);

-- SQLite cannot drop a table constraint: rebuild payments without
-- UNIQUE (app_id, mch_order_id), with static_code_id, then recreate its
-- indexes. No table references payments yet.
CREATE TABLE payments_new (
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
    static_code_id  TEXT REFERENCES static_codes (id),
    UNIQUE (channel_code, channel_ref)
) STRICT;
INSERT INTO payments_new (transaction_id, app_id, merchant_id, mch_order_id, country_code, currency,
    amount, paid_amount, fee, channel_type, channel_code, pay_data, customer_name, email, mobile,
    terminal_type, notify_url, redirect_url, remark, status, flag, channel_ref,
    expire_at, settle_at, settled_at, created_at, updated_at, finished_at)
SELECT transaction_id, app_id, merchant_id, mch_order_id, country_code, currency,
    amount, paid_amount, fee, channel_type, channel_code, pay_data, customer_name, email, mobile,
    terminal_type, notify_url, redirect_url, remark, status, flag, channel_ref,
    expire_at, settle_at, settled_at, created_at, updated_at, finished_at
FROM payments;
DROP TABLE payments;
ALTER TABLE payments_new RENAME TO payments;
CREATE INDEX payments_to_expire ON payments (expire_at) WHERE status = 'PENDING';
CREATE INDEX payments_to_settle ON payments (settle_at) WHERE status = 'COMPLETED' AND settled_at IS NULL;
CREATE UNIQUE INDEX payments_dynamic_mch_order_id ON payments (app_id, mch_order_id) WHERE static_code_id IS NULL;
CREATE INDEX payments_static_code ON payments (static_code_id, created_at DESC, transaction_id DESC) WHERE static_code_id IS NOT NULL;

-- The simulator's record of payments into static codes (transaction_id '').
ALTER TABLE sim_payments ADD COLUMN static_code_id TEXT;
