-- FlowCRM schema, version 24: erasing a contact leaves only this record: no personal data,
-- keyed hashes (HMAC-SHA256 under a key sealed in `secrets`) of their phone numbers and
-- WhatsApp user ids, so a restored backup can erase them again and the Sheets sync can remove
-- their rows; who erased, why, and what was removed (the receipt).
CREATE TABLE erasures (
    id      INTEGER PRIMARY KEY,
    code    TEXT NOT NULL UNIQUE,   -- the receipt's code
    at      INTEGER NOT NULL,
    by_user INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason  TEXT NOT NULL,
    hashes  TEXT NOT NULL,          -- hex hashes separated by spaces
    counts  TEXT NOT NULL           -- what was removed, as JSON
) STRICT;
