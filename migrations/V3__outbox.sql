-- FlowCRM schema, version 3: the durable outbox for outbound WhatsApp messages.

-- One row per outbound message, committed before anything is sent. `request` is the exact
-- Graph API body; `idempotency_key` is also sent as biz_opaque_callback_data so status webhooks
-- can tell us the outcome of a send whose answer was lost.
CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    message_id       INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    idempotency_key  TEXT NOT NULL UNIQUE,
    recipient        TEXT NOT NULL,
    request          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'queued'
                     CHECK (state IN ('queued', 'sending', 'unknown', 'sent', 'failed', 'needs_template')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  INTEGER NOT NULL,
    claimed_at       INTEGER,
    error_code       INTEGER,
    error_title      TEXT,
    error_details    TEXT,
    author_id        INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_due ON outbox (state, next_attempt_at);
-- Per-recipient order: a message is not claimed while an older one to the same recipient waits.
CREATE INDEX outbox_recipient ON outbox (recipient, id);

-- Sender-wide state, e.g. `paused` when Meta rejected the access token (code 190).
CREATE TABLE sender_state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

ALTER TABLE templates ADD COLUMN parameter_format TEXT NOT NULL DEFAULT 'POSITIONAL';
