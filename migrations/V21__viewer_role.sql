-- The viewer role: reads the inbox, contacts and orders and changes nothing.
INSERT INTO roles (name) VALUES ('viewer');

-- API keys may have it too. SQLite cannot change a CHECK in place, so the table is rebuilt;
-- the idempotency records that point at it are rebuilt with it (children first, so no
-- ON DELETE CASCADE fires), and renaming the new tables back repoints the references.
CREATE TABLE api_keys_new (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         BLOB NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'agent', 'viewer')),
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;
INSERT INTO api_keys_new SELECT id, name, prefix, hash, role, created_by, created_at, last_used_at, revoked_at
FROM api_keys;

CREATE TABLE api_idempotency_new (
    key_id       INTEGER NOT NULL REFERENCES api_keys_new (id) ON DELETE CASCADE,
    idem_key     TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (key_id, idem_key)
) STRICT, WITHOUT ROWID;
INSERT INTO api_idempotency_new SELECT key_id, idem_key, request_hash, status, body, created_at
FROM api_idempotency;

DROP TABLE api_idempotency;
DROP TABLE api_keys;
ALTER TABLE api_keys_new RENAME TO api_keys;
ALTER TABLE api_idempotency_new RENAME TO api_idempotency;
