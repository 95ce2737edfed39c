//! Finding the contact a WhatsApp user is, by phone and/or business-scoped user id, and merging
//! two contacts when both identities turn out to be the same person.

use crate::db::{self, Result};
use crate::model::{ContactId, PhoneE164};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Who WhatsApp says a user is.
#[derive(Debug, Clone, Copy, Default)]
pub struct Identity<'a> {
    /// Phone, when given.
    pub phone: Option<&'a PhoneE164>,
    /// Business-scoped user id, when given.
    pub bsuid: Option<&'a str>,
    /// Profile name, when given.
    pub profile_name: Option<&'a str>,
    /// Username, when given.
    pub username: Option<&'a str>,
    /// Parent business-scoped user id, when given.
    pub parent_bsuid: Option<&'a str>,
}

/// A number followed by its known national variants.
#[must_use]
pub fn with_variants(phone: &PhoneE164) -> Vec<PhoneE164> {
    let mut all = vec![phone.clone()];
    all.extend(phone.variants());
    all
}

/// Moves everything of `remove` to `keep` and deletes `remove`. Its WhatsApp identity (number,
/// user id) is never lost: `keep` takes what it lacks, and the rest becomes `keep`'s aliases, so
/// the customer's next message lands in `keep`'s conversation.
pub fn merge(
    conn: &Connection,
    keep: ContactId,
    remove: ContactId,
    now: OffsetDateTime,
) -> Result<()> {
    let (Some(k), Some(r)) = (
        db::contacts::get(conn, keep)?,
        db::contacts::get(conn, remove)?,
    ) else {
        return Ok(());
    };
    db::contacts::move_aliases(conn, remove, keep)?;
    db::conversations::reassign(conn, remove, keep, now)?;
    db::tags::move_contact_tags(conn, remove, keep)?;
    db::orders::reassign_contact(conn, remove, keep)?;
    db::custom_fields::move_values(conn, remove, keep)?;
    db::notes::move_all(conn, remove, keep)?;
    db::consent::adopt_opt_in(conn, remove, keep)?;
    db::contacts::delete(conn, remove)?;
    if let Some(p) = r.phone {
        match &k.phone {
            None => db::contacts::set_phone(conn, keep, &p, now)?,
            Some(own) if *own != p => {
                db::contacts::add_alias(conn, keep, "phone", p.as_str(), now)?;
            }
            Some(_) => {}
        }
    }
    if let Some(b) = r.bsuid {
        match &k.bsuid {
            None => db::contacts::set_bsuid(conn, keep, &b, now)?,
            Some(own) if *own != b => db::contacts::add_alias(conn, keep, "bsuid", &b, now)?,
            Some(_) => {}
        }
    }
    Ok(())
}

/// The contact for `who`, created when new; fills in the missing identity and merges two
/// contacts that turn out to be one person (phone on one, user id on the other).
pub fn resolve(conn: &Connection, who: &Identity<'_>, now: OffsetDateTime) -> Result<ContactId> {
    // A number the business typed may be stored in another national form (Brazil's ninth
    // digit ...): look for every variant of the line.
    let by_phone = who
        .phone
        .map(|p| db::contacts::find_by_phones(conn, &with_variants(p)))
        .transpose()?
        .flatten();
    let by_bsuid = who
        .bsuid
        .map(|b| db::contacts::find_by_bsuid(conn, b))
        .transpose()?
        .flatten();
    // A number or user id that a merge folded into another contact.
    let (by_phone, by_bsuid) = if by_phone.is_none() && by_bsuid.is_none() {
        let phone = who
            .phone
            .map(|p| db::contacts::find_by_phone_alias(conn, &with_variants(p)))
            .transpose()?
            .flatten();
        let bsuid = who
            .bsuid
            .map(|b| db::contacts::find_by_bsuid_alias(conn, b))
            .transpose()?
            .flatten();
        match (phone, bsuid) {
            (Some(id), _) | (None, Some(id)) => (Some(id), Some(id)),
            (None, None) => (None, None),
        }
    } else {
        (by_phone, by_bsuid)
    };
    let id = match (by_phone, by_bsuid) {
        (Some(a), Some(b)) if a == b => a,
        (Some(a), Some(b)) => {
            // The phone contact is the one the business knows best; keep it.
            merge(conn, a, b, now)?;
            if let Some(bsuid) = who.bsuid {
                db::contacts::set_bsuid(conn, a, bsuid, now)?;
            }
            a
        }
        (Some(a), None) => {
            if let Some(bsuid) = who.bsuid {
                db::contacts::set_bsuid(conn, a, bsuid, now)?;
            }
            a
        }
        (None, Some(b)) => {
            if let Some(phone) = who.phone {
                db::contacts::set_phone(conn, b, phone, now)?;
            }
            b
        }
        (None, None) => {
            return db::contacts::insert(
                conn,
                who.phone,
                who.bsuid,
                who.profile_name.unwrap_or(""),
                now,
            )
            .and_then(|id| {
                db::contacts::update_profile(conn, id, None, who.username, who.parent_bsuid, now)?;
                Ok(id)
            });
        }
    };
    db::contacts::update_profile(
        conn,
        id,
        who.profile_name,
        who.username,
        who.parent_bsuid,
        now,
    )?;
    Ok(id)
}

/// A contact's number changed: move it, merging with a contact that already has the new number.
pub fn change_phone(
    conn: &Connection,
    id: ContactId,
    new_phone: &PhoneE164,
    now: OffsetDateTime,
) -> Result<ContactId> {
    match db::contacts::find_by_phone(conn, new_phone)? {
        Some(existing) if existing == id => Ok(id),
        Some(existing) => {
            merge(conn, existing, id, now)?;
            Ok(existing)
        }
        None => {
            db::contacts::set_phone(conn, id, new_phone, now)?;
            Ok(id)
        }
    }
}

/// A contact's business-scoped user id changed.
pub fn change_bsuid(
    conn: &Connection,
    id: ContactId,
    new_bsuid: &str,
    now: OffsetDateTime,
) -> Result<ContactId> {
    match db::contacts::find_by_bsuid(conn, new_bsuid)? {
        Some(existing) if existing == id => Ok(id),
        Some(existing) => {
            merge(conn, id, existing, now)?;
            db::contacts::set_bsuid(conn, id, new_bsuid, now)?;
            Ok(id)
        }
        None => {
            db::contacts::set_bsuid(conn, id, new_bsuid, now)?;
            Ok(id)
        }
    }
}
