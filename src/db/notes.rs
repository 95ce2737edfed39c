//! The `contact_notes` table: internal notes on a contact, never sent.

use super::{Result, from_ts, to_ts};
use crate::model::ContactId;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// A note as shown.
#[derive(Debug, Clone)]
pub struct Note {
    /// Row id.
    pub id: i64,
    /// Author's name, when the author still exists.
    pub author: Option<String>,
    /// Author's id, when the author still exists.
    pub author_id: Option<i64>,
    /// Text.
    pub body: String,
    /// Written at.
    pub created_at: OffsetDateTime,
}

/// Adds a note.
pub fn insert(
    conn: &Connection,
    contact: ContactId,
    user: Option<i64>,
    body: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO contact_notes (contact_id, user_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![contact.0, user, body, to_ts(now)])?;
    Ok(conn.last_insert_rowid())
}

/// A contact's notes, newest first.
pub fn for_contact(conn: &Connection, contact: ContactId) -> Result<Vec<Note>> {
    let sql = "SELECT n.id, u.name, n.body, n.created_at, n.user_id FROM contact_notes n
               LEFT JOIN users u ON u.id = n.user_id
               WHERE n.contact_id = ?1 ORDER BY n.created_at DESC, n.id DESC";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([contact.0], |r| {
        Ok(Note {
            id: r.get(0)?,
            author: r.get(1)?,
            body: r.get(2)?,
            created_at: from_ts(r.get(3)?),
            author_id: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The author of a contact's note: `None` when there is no such note, `Some(None)` when its
/// author is unknown (deleted user).
pub fn author(conn: &Connection, contact: ContactId, id: i64) -> Result<Option<Option<i64>>> {
    Ok(conn
        .prepare_cached("SELECT user_id FROM contact_notes WHERE id = ?1 AND contact_id = ?2")?
        .query_row(params![id, contact.0], |r| r.get(0))
        .optional()?)
}

/// Deletes a note of a contact.
pub fn delete(conn: &Connection, contact: ContactId, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM contact_notes WHERE id = ?1 AND contact_id = ?2")?
        .execute(params![id, contact.0])?
        == 1)
}

/// Moves notes and consent records from one contact to another (merge).
pub fn move_all(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    for table in ["contact_notes", "consent_events"] {
        conn.prepare_cached(&format!(
            "UPDATE {table} SET contact_id = ?2 WHERE contact_id = ?1"
        ))?
        .execute(params![from.0, to.0])?;
    }
    Ok(())
}
