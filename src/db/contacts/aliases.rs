//! The `contact_aliases` table: a contact's other numbers and WhatsApp user ids (kept by merges).

use crate::db::{Result, to_ts};
use crate::model::{ContactId, PhoneE164};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// Records another identity of contact `id` (`phone` or `bsuid`); an alias held by another
/// contact moves to this one.
pub fn add_alias(
    conn: &Connection,
    id: ContactId,
    kind: &str,
    value: &str,
    now: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO contact_aliases (kind, value, contact_id, added_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (kind, value) DO UPDATE SET contact_id = excluded.contact_id",
    )?
    .execute(params![kind, value, id.0, to_ts(now)])?;
    Ok(())
}

/// Moves every alias of `from` to `to` (merge).
pub fn move_aliases(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    conn.prepare_cached("UPDATE contact_aliases SET contact_id = ?2 WHERE contact_id = ?1")?
        .execute(params![from.0, to.0])?;
    Ok(())
}

/// The contact holding one of these numbers as an alias.
pub fn find_by_phone_alias(conn: &Connection, phones: &[PhoneE164]) -> Result<Option<ContactId>> {
    for p in phones {
        let found = conn
            .prepare_cached(
                "SELECT contact_id FROM contact_aliases WHERE kind = 'phone' AND value = ?1",
            )?
            .query_row([p.as_str()], |r| r.get(0).map(ContactId))
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// The contact holding this WhatsApp user id as an alias.
pub fn find_by_bsuid_alias(conn: &Connection, bsuid: &str) -> Result<Option<ContactId>> {
    Ok(conn
        .prepare_cached(
            "SELECT contact_id FROM contact_aliases WHERE kind = 'bsuid' AND value = ?1",
        )?
        .query_row([bsuid], |r| r.get(0).map(ContactId))
        .optional()?)
}

/// A contact's aliases as (kind, value), for its page.
pub fn aliases(conn: &Connection, id: ContactId) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, value FROM contact_aliases WHERE contact_id = ?1 ORDER BY kind, value",
    )?;
    let rows = stmt.query_map([id.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
