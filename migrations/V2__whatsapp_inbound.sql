-- FlowCRM schema, version 2: WhatsApp inbound. Contacts (by phone and/or business-scoped user
-- id), conversations, messages, status events, media, templates, raw webhook payloads.

CREATE TABLE contacts (
    id           INTEGER PRIMARY KEY,
    phone        TEXT UNIQUE,              -- E.164 with '+', when known
    bsuid        TEXT UNIQUE,              -- WhatsApp business-scoped user id, when known
    parent_bsuid TEXT,
    username     TEXT,
    profile_name TEXT NOT NULL DEFAULT '', -- the name the customer set in WhatsApp
    name         TEXT NOT NULL DEFAULT '', -- the name the business gave
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    CHECK (phone IS NOT NULL OR bsuid IS NOT NULL)
) STRICT;

-- One conversation per contact and business number.
CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    contact_id      INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    phone_number_id TEXT NOT NULL DEFAULT '',
    status          TEXT NOT NULL DEFAULT 'open',
    assignee_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    last_inbound_at INTEGER,                 -- the 24-hour customer-service window runs from here
    last_message_at INTEGER NOT NULL,
    unread_count    INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (contact_id, phone_number_id)
) STRICT;
CREATE INDEX conversations_last_message ON conversations (last_message_at DESC, id DESC);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY,
    wamid           TEXT NOT NULL UNIQUE,
    conversation_id INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    kind            TEXT NOT NULL,           -- text, image, reaction, order, unsupported ...
    body            TEXT NOT NULL DEFAULT '',-- text, caption or a one-line summary
    content         TEXT NOT NULL,           -- typed content as JSON
    extras          TEXT,                    -- reply/forward context and ad referral as JSON
    raw             TEXT,                    -- the message object as Meta sent it
    context_wamid   TEXT,                    -- the message this one replies to
    sent_at         INTEGER NOT NULL,        -- Meta's timestamp
    received_at     INTEGER NOT NULL,
    status          TEXT,                    -- outbound: sent, failed, delivered, read, played
    status_rank     INTEGER NOT NULL DEFAULT 0,
    error_code      INTEGER,
    error_title     TEXT,
    error_details   TEXT
) STRICT;
CREATE INDEX messages_conversation ON messages (conversation_id, sent_at, id);

-- Every status event Meta sends, once per (message, status). Kept even when the message is not
-- known yet; applied to the message when it appears.
CREATE TABLE message_statuses (
    id                INTEGER PRIMARY KEY,
    wamid             TEXT NOT NULL,
    status            TEXT NOT NULL,
    rank              INTEGER NOT NULL,
    at                INTEGER NOT NULL,
    recipient_id      TEXT,
    recipient_user_id TEXT,
    error_code        INTEGER,
    error_title       TEXT,
    error_message     TEXT,
    error_details     TEXT,
    pricing_category  TEXT,
    callback_data     TEXT,
    received_at       INTEGER NOT NULL,
    UNIQUE (wamid, status)
) STRICT;

-- Inbound media to download through the Graph API.
CREATE TABLE media (
    id              INTEGER PRIMARY KEY,
    message_id      INTEGER NOT NULL UNIQUE REFERENCES messages (id) ON DELETE CASCADE,
    media_id        TEXT NOT NULL,
    mime_type       TEXT NOT NULL DEFAULT '',
    sha256          TEXT NOT NULL DEFAULT '',
    filename        TEXT,
    state           TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'stored', 'lost')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    stored_name     TEXT,
    size            INTEGER,
    error           TEXT,
    received_at     INTEGER NOT NULL
) STRICT;
CREATE INDEX media_due ON media (state, next_attempt_at);

CREATE TABLE templates (
    id         INTEGER PRIMARY KEY,
    meta_id    TEXT UNIQUE,
    name       TEXT NOT NULL,
    language   TEXT NOT NULL,
    category   TEXT NOT NULL DEFAULT '',
    status     TEXT NOT NULL DEFAULT '',
    reason     TEXT,
    quality    TEXT,
    components TEXT NOT NULL DEFAULT '[]',
    updated_at INTEGER NOT NULL,
    UNIQUE (name, language)
) STRICT;

-- Non-message webhook fields (account, quality, template events, anything new), as received.
CREATE TABLE webhook_events (
    id          INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    field       TEXT NOT NULL,
    value       TEXT NOT NULL
) STRICT;
CREATE INDEX webhook_events_received ON webhook_events (received_at);

-- Raw signed POST bodies, kept whatsapp.raw_payload_days for replay and debugging.
CREATE TABLE webhook_payloads (
    id          INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    body        BLOB NOT NULL
) STRICT;
CREATE INDEX webhook_payloads_received ON webhook_payloads (received_at);

-- Signed POSTs whose body could not be parsed: answered 200 (Meta would retry for 7 days) and
-- kept here for admins.
CREATE TABLE webhook_dead_letters (
    id          INTEGER PRIMARY KEY,
    received_at INTEGER NOT NULL,
    error       TEXT NOT NULL,
    body        BLOB NOT NULL
) STRICT;
