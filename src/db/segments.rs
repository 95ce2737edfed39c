//! The `segments` table: saved contact filters.

use super::error::unique_as_conflict;
use super::{Error, Result, to_ts};
use crate::model::{ContactFilter, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// A saved filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// Row id.
    pub id: i64,
    /// Name (unique, case-insensitive).
    pub name: String,
    /// The saved filter; `None` when the stored JSON cannot be read. Use [`Segment::filter`],
    /// which turns that into `Error::Corrupt`: a damaged segment must never act as the empty
    /// filter (an export of "VIP customers" would export everyone).
    pub saved: Option<ContactFilter>,
    /// Who saved it (none for segments saved before owners were kept, or a deleted user).
    pub created_by: Option<UserId>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Segment> {
    Ok(Segment {
        id: r.get(0)?,
        name: r.get(1)?,
        saved: serde_json::from_str(&r.get::<_, String>(2)?).ok(),
        created_by: r.get::<_, Option<i64>>(3)?.map(UserId),
    })
}

impl Segment {
    /// The saved filter, or `Error::Corrupt` when it cannot be read.
    pub fn filter(&self) -> Result<&ContactFilter> {
        self.saved
            .as_ref()
            .ok_or(Error::Corrupt("saved segment filter"))
    }
}

fn json(f: &ContactFilter) -> String {
    serde_json::to_string(f).unwrap_or_else(|_| "{}".into())
}

/// Every segment by name.
pub fn list(conn: &Connection) -> Result<Vec<Segment>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, name, filter, created_by FROM segments ORDER BY name COLLATE NOCASE",
    )?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One segment.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Segment>> {
    Ok(conn
        .prepare_cached("SELECT id, name, filter, created_by FROM segments WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()?)
}

/// Saves a new segment; `Error::Conflict` when the name exists.
pub fn insert(
    conn: &Connection,
    name: &str,
    f: &ContactFilter,
    created_by: Option<UserId>,
    now: OffsetDateTime,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO segments (name, filter, created_by, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4)",
    )?
    .execute(params![name, json(f), created_by.map(|u| u.0), to_ts(now)])
    .map_err(|e| unique_as_conflict(e, "a segment with this name"))?;
    Ok(conn.last_insert_rowid())
}

/// Renames a segment (its filter stays as stored).
pub fn rename(conn: &Connection, id: i64, name: &str, now: OffsetDateTime) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE segments SET name = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, name, to_ts(now)])
        .map_err(|e| unique_as_conflict(e, "a segment with this name"))?
        == 1)
}

/// Deletes a segment (its contacts stay).
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM segments WHERE id = ?1")?
        .execute([id])?
        == 1)
}
