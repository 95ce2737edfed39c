//! The `setup_tokens` table: one-time links for creating the first admin.

use super::{Result, to_ts};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// Drops unused links and stores a new one.
pub fn replace(
    conn: &Connection,
    token_hash: &[u8],
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM setup_tokens WHERE used_at IS NULL")?
        .execute([])?;
    let sql = "INSERT INTO setup_tokens (token_hash, created_at, expires_at) VALUES (?1, ?2, ?3)";
    conn.prepare_cached(sql)?
        .execute(params![token_hash, to_ts(now), to_ts(expires_at)])?;
    Ok(())
}

/// True when the link exists, is unused and has not expired.
pub fn is_valid(conn: &Connection, token_hash: &[u8], now: OffsetDateTime) -> Result<bool> {
    let sql = "SELECT COUNT(*) FROM setup_tokens
               WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2";
    let n: i64 = conn
        .prepare_cached(sql)?
        .query_row(params![token_hash, to_ts(now)], |r| r.get(0))?;
    Ok(n > 0)
}

/// Marks a valid link used; false when it was not valid.
pub fn consume(conn: &Connection, token_hash: &[u8], now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE setup_tokens SET used_at = ?2
               WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![token_hash, to_ts(now)])?
        == 1)
}
