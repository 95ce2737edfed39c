-- FlowCRM schema, version 12: one-time links an admin hands to a team member: an invitation
-- (set your password, valid 7 days) or a password reset. Only the SHA-256 of the token is stored;
-- a link works once.
CREATE TABLE user_links (
    id         INTEGER PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invite', 'reset')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) STRICT;
CREATE INDEX user_links_user ON user_links (user_id);
