-- Two-factor sign-in (TOTP, RFC 6238). The secret is sealed with the master key (bound to its
-- user); the row exists from "Set up" on, and counts only once `enabled_at` is set by a valid
-- code. `last_step` is the last accepted 30-second step: a code is accepted once.
CREATE TABLE two_factor (
    user_id    INTEGER PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret     BLOB NOT NULL,
    enabled_at INTEGER,
    last_step  INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL
) STRICT;

-- Recovery codes: SHA-256 of each (100 random bits), each single use.
CREATE TABLE recovery_codes (
    id        INTEGER PRIMARY KEY,
    user_id   INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash BLOB NOT NULL,
    used_at   INTEGER
) STRICT;
CREATE INDEX recovery_codes_user ON recovery_codes (user_id, code_hash);

-- An admin reset this person's two-factor: they set it up again before anything else.
ALTER TABLE users ADD COLUMN two_factor_reset_at INTEGER;

-- A session that passed the password and still owes the second factor (a few minutes only).
ALTER TABLE sessions ADD COLUMN pending_second_factor INTEGER NOT NULL DEFAULT 0;
