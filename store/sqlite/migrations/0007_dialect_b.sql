-- Dialect B (the MD5-signed header API): merchant numbers, apiKeys, the
-- nonceStr values seen, and the fields its orders carry. SQLite cannot add a
-- UNIQUE column: a unique index holds it (NULLs, merchants without a
-- number, never collide).
ALTER TABLE merchants ADD COLUMN merchant_no INTEGER;
CREATE UNIQUE INDEX merchants_merchant_no ON merchants (merchant_no);

-- A merchant's apiKeys; sealed is the key as stored (encrypted when the
-- gateway has a master key). expires_at NULL: no expiry.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    merchant_no  INTEGER NOT NULL,
    merchant_id  TEXT NOT NULL REFERENCES merchants (id),
    app_id       TEXT NOT NULL REFERENCES apps (app_id),
    sealed       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER
) STRICT;
CREATE INDEX api_keys_merchant_no ON api_keys (merchant_no);

-- Each nonceStr a merchant used, until pruned: a request repeating one is a
-- replay.
CREATE TABLE nonces (
    merchant_no  INTEGER NOT NULL,
    nonce        TEXT NOT NULL,
    seen_at      INTEGER NOT NULL,
    PRIMARY KEY (merchant_no, nonce)
) STRICT, WITHOUT ROWID;
CREATE INDEX nonces_seen_at ON nonces (seen_at);

-- Peru payouts' payee fields, the dialect an order was made through, and the
-- connector that holds a payout ('' until it is claimed for submission).
ALTER TABLE payouts ADD COLUMN cci_account_no TEXT NOT NULL DEFAULT '';
ALTER TABLE payouts ADD COLUMN id_type TEXT NOT NULL DEFAULT '';
ALTER TABLE payouts ADD COLUMN id_card TEXT NOT NULL DEFAULT '';
ALTER TABLE payouts ADD COLUMN email TEXT NOT NULL DEFAULT '';
ALTER TABLE payouts ADD COLUMN dialect TEXT NOT NULL DEFAULT '';
ALTER TABLE payouts ADD COLUMN connector TEXT NOT NULL DEFAULT '';
ALTER TABLE payments ADD COLUMN dialect TEXT NOT NULL DEFAULT '';

-- Every payout handed to a channel before connectors had names went to the
-- simulator: record it, so that it is queried there whatever the routes say.
UPDATE payouts SET connector = 'sim' WHERE channel_state <> 'NEW';
