-- FlowCRM schema, version 7: custom fields, consent (opt-in/out) ledger, notes, segments,
-- API keys and API idempotency records.

-- Admin-defined contact fields. `key` is stable (used in filters, exports, templates, the API);
-- `label` may change. `options` is a JSON array of strings for `select` fields.
CREATE TABLE custom_fields (
    id         INTEGER PRIMARY KEY,
    key        TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('text', 'number', 'date', 'select', 'checkbox', 'url')),
    options    TEXT NOT NULL DEFAULT '[]',
    position   INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- One value per (contact, field), stored in a canonical text form: numbers as decimal text,
-- dates as YYYY-MM-DD, checkboxes as 'true'/'false'. `num` mirrors numbers for comparisons.
CREATE TABLE contact_field_values (
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    field_id   INTEGER NOT NULL REFERENCES custom_fields (id) ON DELETE CASCADE,
    value      TEXT NOT NULL,
    num        REAL,
    PRIMARY KEY (contact_id, field_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX contact_field_values_field ON contact_field_values (field_id, value);

-- Current consent state on the contact, and every change in a ledger with its source.
ALTER TABLE contacts ADD COLUMN opt_in TEXT NOT NULL DEFAULT 'unknown'
    CHECK (opt_in IN ('unknown', 'in', 'out'));
CREATE TABLE consent_events (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('in', 'out')),
    source     TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX consent_events_contact ON consent_events (contact_id, at);

-- Internal notes on a contact (never sent to the customer).
CREATE TABLE contact_notes (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    body       TEXT NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX contact_notes_contact ON contact_notes (contact_id, created_at);

-- Saved contact filters. `filter` is the JSON form of the contacts filter.
CREATE TABLE segments (
    id         INTEGER PRIMARY KEY,
    name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
    filter     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- API keys: the secret is shown once; only its SHA-256 is kept, found by its public prefix.
CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY,
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         BLOB NOT NULL,
    role         TEXT NOT NULL CHECK (role IN ('admin', 'agent')),
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER,
    revoked_at   INTEGER
) STRICT;

-- Idempotency-Key of an API write, with the response it produced (kept 24 hours).
CREATE TABLE api_idempotency (
    key_id       INTEGER NOT NULL REFERENCES api_keys (id) ON DELETE CASCADE,
    idem_key     TEXT NOT NULL,
    request_hash BLOB NOT NULL,
    status       INTEGER NOT NULL,
    body         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (key_id, idem_key)
) STRICT, WITHOUT ROWID;

CREATE INDEX contacts_opt_in ON contacts (opt_in);
