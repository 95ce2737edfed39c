-- FlowCRM schema, version 11: what an owner does from the browser alone.

-- Things that happened to a contact and belong in their timeline but are neither a message nor
-- a consent change: a send refused for consent, a send confirmed with consent unknown.
CREATE TABLE contact_events (
    id         INTEGER PRIMARY KEY,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    detail     TEXT NOT NULL,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;
CREATE INDEX contact_events_contact ON contact_events (contact_id, at);

-- Settings changed in the browser (the WhatsApp connection's ids, ...). A value set in
-- flowcrm.toml (or the environment) wins over a row here, and the page says so.
CREATE TABLE settings (
    name       TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL
) STRICT;

-- Who stored a secret (shown as "set on ... by ...", never the value).
ALTER TABLE secrets ADD COLUMN updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
