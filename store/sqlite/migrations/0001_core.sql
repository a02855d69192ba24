-- Times are INTEGER milliseconds since the epoch (UTC); booleans are 0 or 1.

CREATE TABLE merchants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    disabled    INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE apps (
    app_id          TEXT PRIMARY KEY,
    merchant_id     TEXT NOT NULL REFERENCES merchants (id),
    public_key_pem  TEXT NOT NULL,
    notify_url      TEXT NOT NULL DEFAULT '',
    ip_allowlist    TEXT NOT NULL DEFAULT '',
    disabled        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX apps_merchant ON apps (merchant_id);

CREATE TABLE fees (
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    channel      TEXT NOT NULL,
    fixed        INTEGER NOT NULL CHECK (fixed >= 0),
    bps          INTEGER NOT NULL CHECK (bps >= 0 AND bps <= 10000),
    PRIMARY KEY (merchant_id, channel)
) STRICT;

CREATE TABLE accounts (
    id            TEXT PRIMARY KEY,
    currency      TEXT NOT NULL,
    balance       INTEGER NOT NULL DEFAULT 0,
    non_negative  INTEGER NOT NULL,
    CHECK (NOT non_negative OR balance >= 0)
) STRICT;

CREATE TABLE entries (
    id          TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    ref         TEXT NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX entries_ref ON entries (ref);

CREATE TABLE postings (
    entry_id    TEXT NOT NULL REFERENCES entries (id),
    seq         INTEGER NOT NULL,
    account_id  TEXT NOT NULL REFERENCES accounts (id),
    currency    TEXT NOT NULL,
    amount      INTEGER NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (entry_id, seq)
) STRICT;
CREATE INDEX postings_account ON postings (account_id);

CREATE TABLE holds (
    id           TEXT PRIMARY KEY,
    merchant_id  TEXT NOT NULL,
    currency     TEXT NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    status       TEXT NOT NULL CHECK (status IN ('PENDING', 'POSTED', 'VOIDED')),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE payouts (
    transaction_id  TEXT PRIMARY KEY,
    app_id          TEXT NOT NULL REFERENCES apps (app_id),
    merchant_id     TEXT NOT NULL,
    mch_order_id    TEXT NOT NULL,
    idempotency_id  TEXT,
    country_code    TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL CHECK (amount > 0),
    fee             INTEGER NOT NULL CHECK (fee >= 0),
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
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    finished_at     INTEGER,
    UNIQUE (app_id, mch_order_id)
) STRICT;
CREATE UNIQUE INDEX payouts_idempotency ON payouts (app_id, idempotency_id) WHERE idempotency_id IS NOT NULL;
CREATE INDEX payouts_pending ON payouts (updated_at) WHERE status = 'PENDING';

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    topic            TEXT NOT NULL,
    app_id           TEXT NOT NULL,
    transaction_id   TEXT NOT NULL,
    event            TEXT NOT NULL DEFAULT '',
    url              TEXT NOT NULL DEFAULT '',
    payload          BLOB,
    status           TEXT NOT NULL CHECK (status IN ('PENDING', 'DELIVERED', 'DEAD')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    lease_owner      TEXT NOT NULL DEFAULT '',
    lease_until      INTEGER,
    created_at       INTEGER NOT NULL,
    delivered_at     INTEGER,
    last_error       TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX outbox_due ON outbox (next_attempt_at) WHERE status = 'PENDING';
CREATE INDEX outbox_transaction ON outbox (transaction_id);

CREATE TABLE outbox_attempts (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    outbox_id    INTEGER NOT NULL REFERENCES outbox (id),
    at           INTEGER NOT NULL,
    http_status  INTEGER NOT NULL,
    response     TEXT NOT NULL,
    latency_us   INTEGER NOT NULL,
    ok           INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_attempts_outbox ON outbox_attempts (outbox_id);

-- One row counting node ids handed out.
CREATE TABLE node_ids (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    last  INTEGER NOT NULL
) STRICT;
INSERT INTO node_ids (id, last) VALUES (1, 0);

CREATE TABLE secrets (
    name        TEXT PRIMARY KEY,
    value       BLOB NOT NULL,
    created_at  INTEGER NOT NULL
) STRICT;

CREATE TABLE sim_transfers (
    transaction_id  TEXT PRIMARY KEY,
    account_no      TEXT NOT NULL,
    currency        TEXT NOT NULL,
    amount          INTEGER NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('PENDING', 'COMPLETED', 'FAILED')),
    failed_code     INTEGER NOT NULL DEFAULT 0,
    failed_message  TEXT NOT NULL DEFAULT '',
    settle_at       INTEGER,
    reported        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX sim_transfers_unreported ON sim_transfers (settle_at) WHERE NOT reported;
