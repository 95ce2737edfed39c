//! The `contacts` table: customers by phone and/or business-scoped user id.

use super::{Result, from_ts, to_ts};
use crate::model::{Contact, ContactId, PhoneE164};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

const COLUMNS: &str = "id, phone, bsuid, username, profile_name, name, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: ContactId(r.get(0)?),
        phone: r.get::<_, Option<String>>(1)?.map(PhoneE164::from_stored),
        bsuid: r.get(2)?,
        username: r.get(3)?,
        profile_name: r.get(4)?,
        name: r.get(5)?,
        created_at: from_ts(r.get(6)?),
    })
}

/// One contact by id.
pub fn get(conn: &Connection, id: ContactId) -> Result<Option<Contact>> {
    let sql = format!("SELECT {COLUMNS} FROM contacts WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.0], from_row)
        .optional()?)
}

/// The contact with this phone.
pub fn find_by_phone(conn: &Connection, phone: &PhoneE164) -> Result<Option<ContactId>> {
    let sql = "SELECT id FROM contacts WHERE phone = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([phone.as_str()], |r| r.get(0).map(ContactId))
        .optional()?)
}

/// The contact with this business-scoped user id.
pub fn find_by_bsuid(conn: &Connection, bsuid: &str) -> Result<Option<ContactId>> {
    let sql = "SELECT id FROM contacts WHERE bsuid = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([bsuid], |r| r.get(0).map(ContactId))
        .optional()?)
}

/// Creates a contact from what WhatsApp told us.
pub fn insert(
    conn: &Connection,
    phone: Option<&PhoneE164>,
    bsuid: Option<&str>,
    profile_name: &str,
    now: OffsetDateTime,
) -> Result<ContactId> {
    let sql = "INSERT INTO contacts (phone, bsuid, profile_name, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?4)";
    conn.prepare_cached(sql)?.execute(params![
        phone.map(PhoneE164::as_str),
        bsuid,
        profile_name,
        to_ts(now)
    ])?;
    Ok(ContactId(conn.last_insert_rowid()))
}

/// Sets the phone number.
pub fn set_phone(
    conn: &Connection,
    id: ContactId,
    phone: &PhoneE164,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE contacts SET phone = ?2, updated_at = ?3 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id.0, phone.as_str(), to_ts(now)])?;
    Ok(())
}

/// Sets the business-scoped user id.
pub fn set_bsuid(conn: &Connection, id: ContactId, bsuid: &str, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE contacts SET bsuid = ?2, updated_at = ?3 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id.0, bsuid, to_ts(now)])?;
    Ok(())
}

/// Refreshes what the customer's WhatsApp profile says (only the fields given).
pub fn update_profile(
    conn: &Connection,
    id: ContactId,
    profile_name: Option<&str>,
    username: Option<&str>,
    parent_bsuid: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE contacts SET
                 profile_name = COALESCE(?2, profile_name),
                 username = COALESCE(?3, username),
                 parent_bsuid = COALESCE(?4, parent_bsuid),
                 updated_at = ?5
               WHERE id = ?1 AND (profile_name IS NOT COALESCE(?2, profile_name)
                  OR username IS NOT COALESCE(?3, username)
                  OR parent_bsuid IS NOT COALESCE(?4, parent_bsuid))";
    conn.prepare_cached(sql)?.execute(params![
        id.0,
        profile_name,
        username,
        parent_bsuid,
        to_ts(now)
    ])?;
    Ok(())
}

/// Deletes a contact (its conversations and messages go with it).
pub fn delete(conn: &Connection, id: ContactId) -> Result<bool> {
    let sql = "DELETE FROM contacts WHERE id = ?1";
    Ok(conn.prepare_cached(sql)?.execute([id.0])? == 1)
}

/// Number of contacts.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM contacts")?
        .query_row([], |r| r.get(0))?)
}
