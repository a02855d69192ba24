-- Dashboard accounts and their sessions. An operator sees every merchant; a
-- merchant user belongs to one. A session is stored under the SHA-256 of
-- the browser's token, never the token itself.
CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    email          TEXT NOT NULL UNIQUE,  -- lower-cased
    password_hash  TEXT NOT NULL,         -- argon2id, PHC string format
    role           TEXT NOT NULL CHECK (role IN ('operator', 'merchant')),
    merchant_id    TEXT REFERENCES merchants (id),
    disabled       INTEGER NOT NULL DEFAULT 0,
    created_at     INTEGER NOT NULL,
    CHECK ((role = 'merchant') = (merchant_id IS NOT NULL))
) STRICT;
CREATE INDEX users_merchant ON users (merchant_id) WHERE merchant_id IS NOT NULL;

CREATE TABLE sessions (
    id          TEXT PRIMARY KEY,  -- hex SHA-256 of the cookie's token
    user_id     TEXT NOT NULL REFERENCES users (id),
    csrf        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX sessions_expires_at ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);
