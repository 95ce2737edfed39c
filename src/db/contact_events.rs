//! The `contact_events` table: what happened to a contact that is neither a message nor a
//! consent change (a send refused for consent, a send confirmed with consent unknown), for the
//! contact's timeline.

use super::{Result, from_ts, to_ts};
use crate::model::ContactId;
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// One event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactEvent {
    /// When.
    pub at: OffsetDateTime,
    /// `send_refused`, `consent_confirmed`.
    pub kind: String,
    /// What happened, in words.
    pub detail: String,
    /// The team member's name, when a person acted.
    pub user: Option<String>,
}

/// Records an event.
pub fn insert(
    conn: &Connection,
    contact: ContactId,
    kind: &str,
    detail: &str,
    user: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO contact_events (contact_id, at, kind, detail, user_id) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![contact.0, to_ts(now), kind, detail, user])?;
    Ok(())
}

/// A contact's events, newest first (at most `limit`).
pub fn for_contact(conn: &Connection, contact: ContactId, limit: u32) -> Result<Vec<ContactEvent>> {
    let sql =
        "SELECT e.at, e.kind, e.detail, COALESCE(NULLIF(u.name, ''), u.email) FROM contact_events e
               LEFT JOIN users u ON u.id = e.user_id
               WHERE e.contact_id = ?1 ORDER BY e.at DESC, e.id DESC LIMIT ?2";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![contact.0, limit], |r| {
        Ok(ContactEvent {
            at: from_ts(r.get(0)?),
            kind: r.get(1)?,
            detail: r.get(2)?,
            user: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
