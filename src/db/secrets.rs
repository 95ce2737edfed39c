//! The `secrets` table: encrypted values by name. Encryption happens outside the store.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// The encrypted bytes stored under `name`.
pub fn get(conn: &Connection, name: &str) -> Result<Option<Vec<u8>>> {
    let sql = "SELECT ciphertext FROM secrets WHERE name = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([name], |r| r.get(0))
        .optional()?)
}

/// Stores or replaces an encrypted value.
pub fn put(conn: &Connection, name: &str, ciphertext: &[u8], now: OffsetDateTime) -> Result<()> {
    put_by(conn, name, ciphertext, None, now)
}

/// Stores or replaces an encrypted value set by team member `by`.
pub fn put_by(
    conn: &Connection,
    name: &str,
    ciphertext: &[u8],
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql =
        "INSERT INTO secrets (name, ciphertext, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
               ON CONFLICT (name) DO UPDATE SET ciphertext = excluded.ciphertext,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by";
    conn.prepare_cached(sql)?
        .execute(params![name, ciphertext, to_ts(now), by])?;
    Ok(())
}

/// When a value was stored and by whom (their name; `None` for the command line).
pub fn stored_at(
    conn: &Connection,
    name: &str,
) -> Result<Option<(OffsetDateTime, Option<String>)>> {
    let sql = "SELECT s.updated_at, COALESCE(NULLIF(u.name, ''), u.email) FROM secrets s LEFT JOIN users u ON u.id = s.updated_by
               WHERE s.name = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([name], |r| Ok((from_ts(r.get(0)?), r.get(1)?)))
        .optional()?)
}

/// Names and update times of stored values, by name.
pub fn list(conn: &Connection) -> Result<Vec<(String, OffsetDateTime)>> {
    let sql = "SELECT name, updated_at FROM secrets ORDER BY name";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, from_ts(r.get(1)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a value; false when there was none.
pub fn delete(conn: &Connection, name: &str) -> Result<bool> {
    let sql = "DELETE FROM secrets WHERE name = ?1";
    Ok(conn.prepare_cached(sql)?.execute([name])? == 1)
}
