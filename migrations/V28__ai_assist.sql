-- FlowCRM schema, version 28: AI assist. The newest summary of each conversation (with the model
-- and prompt version that made it; in the contact's export, removed by erasure), one row per call
-- to the AI endpoint (who, when, which contact, which host and model, tokens, what was redacted,
-- the outcome — never any content), and the contacts who said "no AI".
CREATE TABLE ai_summaries (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations (id) ON DELETE CASCADE,
    contact_id      INTEGER NOT NULL,
    body            TEXT NOT NULL,
    model           TEXT NOT NULL,
    prompt_version  TEXT NOT NULL,
    messages_used   INTEGER NOT NULL,
    messages_total  INTEGER NOT NULL,
    redactions      TEXT NOT NULL DEFAULT '',   -- e.g. "phone=2 email=1"
    created_by      INTEGER,
    created_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX ai_summaries_contact ON ai_summaries (contact_id);

CREATE TABLE ai_calls (
    id          INTEGER PRIMARY KEY,
    at          INTEGER NOT NULL,
    user_id     INTEGER,
    contact_id  INTEGER,
    feature     TEXT NOT NULL,                  -- summary | draft | template | rewrite | translate | suggest | test
    host        TEXT NOT NULL,
    model       TEXT NOT NULL,
    tokens_in   INTEGER NOT NULL DEFAULT 0,
    tokens_out  INTEGER NOT NULL DEFAULT 0,
    estimated   INTEGER NOT NULL DEFAULT 0,     -- 1: the server reported no usage; FlowCRM's estimate
    redactions  TEXT NOT NULL DEFAULT '',
    outcome     TEXT NOT NULL                   -- ok | auth | rate_limit | server | timeout | ...
) STRICT;
CREATE INDEX ai_calls_at ON ai_calls (at);

CREATE TABLE ai_objections (
    contact_id INTEGER PRIMARY KEY REFERENCES contacts (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    by_user    INTEGER
) STRICT;
