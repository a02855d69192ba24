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
    amount          BIGINT NOT NULL CHECK (amount >= 0),
    min_amount      BIGINT NOT NULL CHECK (min_amount > 0),
    max_amount      BIGINT NOT NULL CHECK (max_amount >= min_amount),
    expire_at       TIMESTAMPTZ,
    status          TEXT NOT NULL CHECK (status IN ('ACTIVE', 'CANCEL')),
    pay_data        TEXT NOT NULL,
    notify_url      TEXT NOT NULL DEFAULT '',
    remark          TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    cancelled_at    TIMESTAMPTZ,
    UNIQUE (app_id, mch_order_id)
);
CREATE INDEX static_codes_mch_order_id ON static_codes (mch_order_id);

ALTER TABLE payments ADD COLUMN static_code_id TEXT REFERENCES static_codes (id);
ALTER TABLE payments DROP CONSTRAINT payments_app_id_mch_order_id_key;
CREATE UNIQUE INDEX payments_dynamic_mch_order_id ON payments (app_id, mch_order_id) WHERE static_code_id IS NULL;
CREATE INDEX payments_static_code ON payments (static_code_id, created_at DESC, transaction_id DESC) WHERE static_code_id IS NOT NULL;

-- The simulator's record of payments into static codes (transaction_id '').
ALTER TABLE sim_payments ADD COLUMN static_code_id TEXT;
