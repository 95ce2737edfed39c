//! Saved contact filters: save, rename, delete. A segment is its creator's or an admin's to
//! change (`access`); deleting one is audited. Its contacts are never touched.

use super::access::{self, AccessError, Who};
use super::contacts::Actor;
use crate::db;
use crate::model::ContactFilter;
use rusqlite::Connection;
use time::OffsetDateTime;

const NOT_YOURS: &str = "Only the person who saved this segment, or an admin, can change it.";

/// Saves `filter` under `name` for `who`; `db::Error::Conflict` when the name is taken.
pub fn create(
    conn: &Connection,
    name: &str,
    filter: &ContactFilter,
    who: Who,
    now: OffsetDateTime,
) -> db::Result<i64> {
    db::segments::insert(conn, name, filter, who.user, now)
}

fn owned(conn: &Connection, id: i64, who: Who) -> Result<db::segments::Segment, AccessError> {
    let s = db::segments::get(conn, id)?.ok_or(AccessError::NotFound)?;
    access::require_author_or_admin(who, s.created_by, NOT_YOURS)?;
    Ok(s)
}

/// Renames a segment; a taken name is `AccessError::Db(db::Error::Conflict)`.
pub fn rename(
    conn: &Connection,
    id: i64,
    name: &str,
    who: Who,
    now: OffsetDateTime,
) -> Result<(), AccessError> {
    owned(conn, id, who)?;
    db::segments::rename(conn, id, name, now)?;
    Ok(())
}

/// Deletes a segment (its contacts stay), with an audit entry.
pub fn delete(
    conn: &Connection,
    id: i64,
    who: Who,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), AccessError> {
    let s = owned(conn, id, who)?;
    db::segments::delete(conn, id)?;
    super::audit(
        conn,
        actor,
        "segment.delete",
        format!("segment:{id}"),
        s.name,
        now,
    )?;
    Ok(())
}
