//! Raw webhook bodies, non-message events and dead letters.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// Keeps a signed POST body for replay and debugging.
pub fn insert_payload(conn: &Connection, body: &[u8], now: OffsetDateTime) -> Result<()> {
    let sql = "INSERT INTO webhook_payloads (received_at, body) VALUES (?1, ?2)";
    conn.prepare_cached(sql)?
        .execute(params![to_ts(now), body])?;
    Ok(())
}

/// Stores a non-message event under its field name.
pub fn insert_event(
    conn: &Connection,
    field: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO webhook_events (received_at, field, value) VALUES (?1, ?2, ?3)";
    conn.prepare_cached(sql)?
        .execute(params![to_ts(now), field, value])?;
    Ok(())
}

/// Keeps a signed body that could not be parsed.
pub fn insert_dead_letter(
    conn: &Connection,
    error: &str,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO webhook_dead_letters (received_at, error, body) VALUES (?1, ?2, ?3)";
    conn.prepare_cached(sql)?
        .execute(params![to_ts(now), error, body])?;
    Ok(())
}

/// Deletes raw bodies, events and dead letters received before `before`; returns how many.
pub fn purge_before(conn: &Connection, before: OffsetDateTime) -> Result<usize> {
    let mut n = 0;
    for sql in [
        "DELETE FROM webhook_payloads WHERE received_at < ?1",
        "DELETE FROM webhook_dead_letters WHERE received_at < ?1",
        "DELETE FROM webhook_events WHERE received_at < ?1",
    ] {
        n += conn.prepare_cached(sql)?.execute([to_ts(before)])?;
    }
    Ok(n)
}

/// A dead letter for the admin view.
#[derive(Debug, Clone)]
pub struct DeadLetter {
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// Why it was not parsed.
    pub error: String,
    /// Size of the body in bytes.
    pub size: i64,
}

/// The newest dead letters.
pub fn recent_dead_letters(conn: &Connection, limit: u32) -> Result<Vec<DeadLetter>> {
    let sql = "SELECT received_at, error, length(body) FROM webhook_dead_letters ORDER BY id DESC LIMIT ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([limit], |r| {
        Ok(DeadLetter {
            received_at: from_ts(r.get(0)?),
            error: r.get(1)?,
            size: r.get(2)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest non-message events: (time, field, value JSON).
pub fn recent_events(
    conn: &Connection,
    limit: u32,
) -> Result<Vec<(OffsetDateTime, String, String)>> {
    let sql = "SELECT received_at, field, value FROM webhook_events ORDER BY id DESC LIMIT ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([limit], |r| Ok((from_ts(r.get(0)?), r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counts of stored payloads, events and dead letters.
pub fn counts(conn: &Connection) -> Result<(i64, i64, i64)> {
    let sql =
        "SELECT (SELECT COUNT(*) FROM webhook_payloads), (SELECT COUNT(*) FROM webhook_events),
                      (SELECT COUNT(*) FROM webhook_dead_letters)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}
