-- FlowCRM schema, version 17: inbound completeness. Messages sent from the WhatsApp Business
-- app (echoes, history), edits and deletions applied to the original, the conversation object
-- of a status, and account alerts for admins.

-- 'business_app' when the business sent it from the WhatsApp Business app (coexistence), not
-- through FlowCRM; imported = 1 for messages from the phone's history sync.
ALTER TABLE messages ADD COLUMN via TEXT;
ALTER TABLE messages ADD COLUMN imported INTEGER NOT NULL DEFAULT 0;
-- Set by the newest edit; earlier versions are in message_versions.
ALTER TABLE messages ADD COLUMN edited_at INTEGER;
-- Set when the sender deleted it: its content is replaced by a tombstone and the old content
-- kept in message_versions only for whatsapp.raw_payload_days.
ALTER TABLE messages ADD COLUMN deleted_at INTEGER;

-- Every edit and deletion Meta reports, by its own id (so a retried webhook applies it once),
-- kept until the original is known: one that arrives before its original is applied when the
-- original appears. An edit's new content is dropped once applied (the message has it).
CREATE TABLE message_changes (
    id           INTEGER PRIMARY KEY,
    wamid        TEXT NOT NULL UNIQUE,
    target_wamid TEXT NOT NULL,
    kind         TEXT NOT NULL CHECK (kind IN ('edit', 'revoke')),
    content      TEXT,                    -- an edit's new content as JSON, until applied
    at           INTEGER NOT NULL,        -- Meta's timestamp of the change
    applied_at   INTEGER,
    received_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX message_changes_pending ON message_changes (target_wamid) WHERE applied_at IS NULL;

-- Earlier versions of an edited message, oldest first; for a deleted message also its last
-- content, until the retention job removes them.
CREATE TABLE message_versions (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    content     TEXT NOT NULL,
    body        TEXT NOT NULL,
    replaced_at INTEGER NOT NULL
) STRICT;
CREATE INDEX message_versions_message ON message_versions (message_id, id);
CREATE INDEX messages_deleted ON messages (deleted_at) WHERE deleted_at IS NOT NULL;

-- The status's conversation object (omitted by Meta from v24 except in free entry points).
ALTER TABLE message_statuses ADD COLUMN conversation_id TEXT;
ALTER TABLE message_statuses ADD COLUMN conversation_origin TEXT;
ALTER TABLE message_statuses ADD COLUMN conversation_expires_at INTEGER;

-- What Meta tells the business about its account, number and templates (account_update,
-- phone number quality and limits, template components, history sharing ...). Alerts of one
-- topic supersede each other: the newest is the one in force.
CREATE TABLE account_alerts (
    id             INTEGER PRIMARY KEY,
    at             INTEGER NOT NULL,      -- when Meta says it happened
    received_at    INTEGER NOT NULL,
    field          TEXT NOT NULL,
    event          TEXT NOT NULL,
    topic          TEXT NOT NULL,
    severity       TEXT NOT NULL CHECK (severity IN ('critical', 'warning', 'info')),
    blocks_sending INTEGER NOT NULL DEFAULT 0,
    title          TEXT NOT NULL,
    detail         TEXT NOT NULL,
    value          TEXT NOT NULL,         -- as received
    dismissed_at   INTEGER,
    dismissed_by   INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX account_alerts_topic ON account_alerts (topic, at DESC, id DESC);
CREATE INDEX account_alerts_at ON account_alerts (at DESC, id DESC);
