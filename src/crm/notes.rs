//! Internal notes on a contact: deleting one is its author's or an admin's, and audited.

use super::access::{self, AccessError, Who};
use super::contacts::Actor;
use crate::db;
use crate::model::{ContactId, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Deletes note `id` of `contact`.
pub fn delete(
    conn: &Connection,
    contact: ContactId,
    id: i64,
    who: Who,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<(), AccessError> {
    let author = db::notes::author(conn, contact, id)?.ok_or(AccessError::NotFound)?;
    access::require_author_or_admin(
        who,
        author.map(UserId),
        "Only the note's author or an admin can delete it.",
    )?;
    db::notes::delete(conn, contact, id)?;
    let target = format!("contact:{contact}");
    super::audit(
        conn,
        actor,
        "contact.note.delete",
        target,
        format!("note:{id}"),
        now,
    )?;
    Ok(())
}
