-- Data requests register: access, erasure, restriction and Meta's deletion callbacks, with the
-- 30-day deadline, what was done and a public confirmation code (the status page shows only
-- the code, the date and the status).
CREATE TABLE data_requests (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL CHECK (kind IN ('access', 'erasure', 'restriction', 'meta_deletion', 'other')),
    code        TEXT NOT NULL UNIQUE,
    subject     TEXT NOT NULL DEFAULT '',   -- whom it is about, as the request named them
    channel     TEXT NOT NULL DEFAULT '',   -- how it arrived: Meta's callback, email, phone ...
    received_at INTEGER NOT NULL,
    due_at      INTEGER NOT NULL,
    status      TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'refused')),
    action      TEXT NOT NULL DEFAULT '',   -- what was done, or why it was refused
    closed_at   INTEGER,
    closed_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX data_requests_open ON data_requests (status, due_at);
