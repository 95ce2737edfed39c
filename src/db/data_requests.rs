//! The `data_requests` table: the register of data subjects' requests.

use super::{Result, from_ts, to_ts};
use crate::model::UserId;
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// A request in the register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataRequest {
    /// Row id.
    pub id: i64,
    /// `access`, `erasure`, `restriction`, `meta_deletion` or `other`.
    pub kind: String,
    /// The public confirmation code.
    pub code: String,
    /// Whom it is about, as the request named them.
    pub subject: String,
    /// How it arrived.
    pub channel: String,
    /// When it arrived.
    pub received_at: OffsetDateTime,
    /// The answer is due by then.
    pub due_at: OffsetDateTime,
    /// `open`, `done` or `refused`.
    pub status: String,
    /// What was done, or why it was refused.
    pub action: String,
    /// When it was closed.
    pub closed_at: Option<OffsetDateTime>,
}

/// A request to store.
#[derive(Debug, Clone)]
pub struct NewRequest<'a> {
    /// Kind.
    pub kind: &'a str,
    /// Confirmation code.
    pub code: &'a str,
    /// Whom it is about.
    pub subject: &'a str,
    /// How it arrived.
    pub channel: &'a str,
    /// When.
    pub received_at: OffsetDateTime,
    /// Due by.
    pub due_at: OffsetDateTime,
    /// Who logged it (none for Meta's callback).
    pub created_by: Option<UserId>,
}

const COLUMNS: &str =
    "id, kind, code, subject, channel, received_at, due_at, status, action, closed_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<DataRequest> {
    Ok(DataRequest {
        id: r.get(0)?,
        kind: r.get(1)?,
        code: r.get(2)?,
        subject: r.get(3)?,
        channel: r.get(4)?,
        received_at: from_ts(r.get(5)?),
        due_at: from_ts(r.get(6)?),
        status: r.get(7)?,
        action: r.get(8)?,
        closed_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
    })
}

/// Stores a request; returns its id.
pub fn insert(conn: &Connection, r: &NewRequest<'_>) -> Result<i64> {
    let sql =
        "INSERT INTO data_requests (kind, code, subject, channel, received_at, due_at, created_by)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    conn.prepare_cached(sql)?.execute(params![
        r.kind,
        r.code,
        r.subject,
        r.channel,
        to_ts(r.received_at),
        to_ts(r.due_at),
        r.created_by.map(|u| u.0)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The request with this confirmation code.
pub fn by_code(conn: &Connection, code: &str) -> Result<Option<DataRequest>> {
    let sql = format!("SELECT {COLUMNS} FROM data_requests WHERE code = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([code], from_row)
        .optional()?)
}

/// One request.
pub fn get(conn: &Connection, id: i64) -> Result<Option<DataRequest>> {
    let sql = format!("SELECT {COLUMNS} FROM data_requests WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The register: open requests first (soonest due first), then the closed ones, newest first.
pub fn list(conn: &Connection, limit: u32) -> Result<Vec<DataRequest>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM data_requests
         ORDER BY status <> 'open', CASE WHEN status = 'open' THEN due_at ELSE -received_at END, id
         LIMIT ?1"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Closes an open request; false when it is not open.
pub fn close(
    conn: &Connection,
    id: i64,
    status: &str,
    action: &str,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE data_requests SET status = ?2, action = ?3, closed_by = ?4, closed_at = ?5
               WHERE id = ?1 AND status = 'open'";
    Ok(conn.prepare_cached(sql)?.execute(params![
        id,
        status,
        action,
        by.map(|u| u.0),
        to_ts(now)
    ])? == 1)
}

/// Closed requests closed before `before`; with `delete`, removes them. Open ones always stay.
pub fn purge_closed(conn: &Connection, before: OffsetDateTime, delete: bool) -> Result<usize> {
    if delete {
        let sql = "DELETE FROM data_requests WHERE status <> 'open' AND closed_at < ?1";
        return Ok(conn.prepare_cached(sql)?.execute([to_ts(before)])?);
    }
    let sql = "SELECT COUNT(*) FROM data_requests WHERE status <> 'open' AND closed_at < ?1";
    let n: i64 = conn
        .prepare_cached(sql)?
        .query_row([to_ts(before)], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or_default())
}
