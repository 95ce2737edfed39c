-- FlowCRM schema, version 14: the other WhatsApp identities of a contact. When two contacts are
-- merged and both had a number (or a WhatsApp user id), the one that does not survive on the
-- contact is kept here, so that customer's next message still lands in the merged contact's
-- conversation instead of making a new contact.
CREATE TABLE contact_aliases (
    kind       TEXT NOT NULL CHECK (kind IN ('phone', 'bsuid')),
    value      TEXT NOT NULL,
    contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    added_at   INTEGER NOT NULL,
    PRIMARY KEY (kind, value)
) STRICT;
CREATE INDEX contact_aliases_contact ON contact_aliases (contact_id);
