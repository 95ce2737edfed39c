//! The `segments` table: saved contact filters.

use super::error::unique_as_conflict;
use super::{Result, to_ts};
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
    /// The filter.
    pub filter: ContactFilter,
    /// Who saved it (none for segments saved before owners were kept, or a deleted user).
    pub created_by: Option<UserId>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Segment> {
    Ok(Segment {
        id: r.get(0)?,
        name: r.get(1)?,
        filter: serde_json::from_str(&r.get::<_, String>(2)?).unwrap_or_default(),
        created_by: r.get::<_, Option<i64>>(3)?.map(UserId),
    })
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

/// Renames a segment or replaces its filter.
pub fn update(
    conn: &Connection,
    id: i64,
    name: &str,
    f: &ContactFilter,
    now: OffsetDateTime,
) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE segments SET name = ?2, filter = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![id, name, json(f), to_ts(now)])
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
