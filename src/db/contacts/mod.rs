//! The `contacts` table: customers by phone and/or business-scoped user id.

use super::{Result, from_ts, to_ts};
use crate::model::{Contact, ContactId, PhoneE164};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::fmt::Write as _;
use time::OffsetDateTime;

const COLUMNS: &str =
    "id, phone, bsuid, username, profile_name, name, created_at, email, opt_in, restricted_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Contact> {
    Ok(Contact {
        id: ContactId(r.get(0)?),
        phone: r.get::<_, Option<String>>(1)?.map(PhoneE164::from_stored),
        bsuid: r.get(2)?,
        username: r.get(3)?,
        profile_name: r.get(4)?,
        name: r.get(5)?,
        created_at: from_ts(r.get(6)?),
        email: r.get(7)?,
        opt_in: r.get::<_, String>(8)?.parse().unwrap_or_default(),
        restricted_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
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

/// Gives a contact the name the business saved, when the business has not named it yet.
pub fn name_if_unnamed(
    conn: &Connection,
    id: ContactId,
    name: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE contacts SET name = ?2, updated_at = ?3 WHERE id = ?1 AND name = ''";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id.0, name, to_ts(now)])?
        == 1)
}

/// Sets (`Some`) or clears the restriction of processing; false when it was already so.
pub fn set_restricted(
    conn: &Connection,
    id: ContactId,
    at: Option<OffsetDateTime>,
) -> Result<bool> {
    let sql = "UPDATE contacts SET restricted_at = ?2
               WHERE id = ?1 AND (restricted_at IS NULL) <> (?2 IS NULL)";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id.0, at.map(to_ts)])?
        == 1)
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

/// The first contact having any of these phone numbers (a number and its national variants).
pub fn find_by_phones(conn: &Connection, phones: &[PhoneE164]) -> Result<Option<ContactId>> {
    for p in phones {
        if let Some(id) = find_by_phone(conn, p)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// Creates a contact typed by the business.
pub fn insert_manual(
    conn: &Connection,
    name: &str,
    phone: &PhoneE164,
    email: Option<&str>,
    now: OffsetDateTime,
) -> Result<ContactId> {
    let sql = "INSERT INTO contacts (phone, name, email, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?4)";
    conn.prepare_cached(sql)?
        .execute(params![phone.as_str(), name, email, to_ts(now)])
        .map_err(|e| super::error::unique_as_conflict(e, "a contact with this phone"))?;
    Ok(ContactId(conn.last_insert_rowid()))
}

/// Replaces what the business maintains about a contact.
pub fn set_details(
    conn: &Connection,
    id: ContactId,
    name: &str,
    phone: Option<&PhoneE164>,
    email: Option<&str>,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE contacts SET name = ?2, phone = COALESCE(?3, phone), email = ?4, updated_at = ?5 WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![
            id.0,
            name,
            phone.map(PhoneE164::as_str),
            email,
            to_ts(now)
        ])
        .map_err(|e| super::error::unique_as_conflict(e, "a contact with this phone"))?
        == 1)
}

/// The lower-cased name contacts sort by.
macro_rules! name_key {
    () => {
        "lower(COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, ''))"
    };
}

const NAME_KEY: &str = name_key!();

mod aliases;
mod list;
pub use aliases::*;
pub use list::*;

/// Most index hits a search uses as an id list; more means the words are common, and scanning
/// contacts in list order finds a page sooner.
const MAX_SEARCH_HITS: i64 = 2000;

#[cfg(test)]
mod tests;
