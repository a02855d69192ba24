-- Merchants, their API apps and fees.
CREATE TABLE merchants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    disabled    BOOLEAN NOT NULL DEFAULT false,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE apps (
    app_id          TEXT PRIMARY KEY,
    merchant_id     TEXT NOT NULL REFERENCES merchants (id),
    public_key_pem  TEXT NOT NULL,
    notify_url      TEXT NOT NULL DEFAULT '',
    ip_allowlist    TEXT NOT NULL DEFAULT '',  -- comma-separated addresses or CIDRs
    disabled        BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX apps_merchant ON apps (merchant_id);

CREATE TABLE fees (
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    channel      TEXT NOT NULL,              -- a channel code, or '*' for the merchant's default
    fixed        BIGINT NOT NULL CHECK (fixed >= 0),
    bps          BIGINT NOT NULL CHECK (bps >= 0 AND bps <= 10000),
    PRIMARY KEY (merchant_id, channel)
);

-- The double-entry ledger.
CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    currency      TEXT NOT NULL,
    balance       BIGINT NOT NULL DEFAULT 0,
    non_negative  BOOLEAN NOT NULL,
    CHECK (NOT non_negative OR balance >= 0)
);

CREATE TABLE entries (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);
CREATE INDEX entries_ref ON entries (ref);

CREATE TABLE postings (
    entry_id    TEXT NOT NULL REFERENCES entries (id),
    seq         INTEGER NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    currency    TEXT NOT NULL,
    amount      BIGINT NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (entry_id, seq)
);
CREATE INDEX postings_account ON postings (account_id);

CREATE TABLE holds (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN ('PENDING', 'POSTED', 'VOIDED')),
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Payouts.
CREATE TABLE payouts (
    transaction_id  TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES apps (app_id),
    merchant_id     TEXT NOT NULL,
    mch_order_id    TEXT NOT NULL,
    idempotency_id  TEXT,
    country_code    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL CHECK (amount > 0),
    fee             BIGINT NOT NULL CHECK (fee >= 0),
    pay_method      TEXT NOT NULL,
    transfer_code   TEXT NOT NULL,
    account_no      TEXT NOT NULL,
    account_name    TEXT NOT NULL DEFAULT '',
    account_type    TEXT NOT NULL DEFAULT '',
    mobile          TEXT NOT NULL DEFAULT '',
    notify_url      TEXT NOT NULL DEFAULT '',
    remark          TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
    failed_code     INTEGER NOT NULL DEFAULT 0,
    failed_message  TEXT NOT NULL DEFAULT '',
    channel_state   TEXT NOT NULL,
    channel_ref     TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    finished_at     TIMESTAMPTZ,
    UNIQUE (app_id, mch_order_id)
);
CREATE UNIQUE INDEX payouts_idempotency ON payouts (app_id, idempotency_id) WHERE idempotency_id IS NOT NULL;
CREATE INDEX payouts_pending ON payouts (updated_at) WHERE status = 'PENDING';

-- The transactional outbox: notifications and channel submissions.
CREATE TABLE outbox (
    id               BIGSERIAL PRIMARY KEY,
    topic            TEXT NOT NULL,
    app_id           TEXT NOT NULL,
    transaction_id   TEXT NOT NULL,
    event            TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    payload          BYTEA,
    status           TEXT NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      TIMESTAMPTZ,
    created_at       TIMESTAMPTZ NOT NULL,
    delivered_at     TIMESTAMPTZ,
    last_error       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX outbox_transaction ON outbox (transaction_id);

CREATE TABLE outbox_attempts (
    id           BIGSERIAL PRIMARY KEY,
    outbox_id    BIGINT NOT NULL REFERENCES outbox (id),
    at           TIMESTAMPTZ NOT NULL,
    http_status  INTEGER NOT NULL,
    response     TEXT NOT NULL,
    latency_us   BIGINT NOT NULL,
    ok           BOOLEAN NOT NULL
);
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id);

-- Node numbers for transaction ids, and small durable secrets.
CREATE SEQUENCE node_ids;

CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    value       BYTEA NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL
);

-- The simulator's own book: what the simulated banks know of each transfer.
CREATE TABLE sim_transfers (
    transaction_id  TEXT PRIMARY KEY,
    account_no      TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          BIGINT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
    failed_code     INTEGER NOT NULL DEFAULT 0,
    failed_message  TEXT NOT NULL DEFAULT '',
    settle_at       TIMESTAMPTZ,              -- NULL: waits for an operator's sim complete|fail
    reported        BOOLEAN NOT NULL DEFAULT false,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX sim_transfers_unreported ON sim_transfers (settle_at) WHERE NOT reported;
