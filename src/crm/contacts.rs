//! Contacts the business maintains: create and edit with validation (phone normalised with a
//! default region, email), duplicate detection including national variants, and merging.

use super::identity::{self, with_variants};
use crate::db::{self, Result};
use crate::model::{ContactId, Email, FieldError, PhoneE164, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Longest contact name.
const MAX_NAME: usize = 200;

/// A contact as typed in the form.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    /// Name the business uses.
    pub name: String,
    /// Phone as typed.
    pub phone: String,
    /// Email as typed (optional).
    pub email: String,
}

/// Why a contact was not saved. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContactError {
    /// Field problems.
    Invalid(Vec<FieldError>),
    /// Another contact has this number (or a national variant of it).
    Duplicate(ContactId),
    /// No such contact.
    NotFound,
}

/// Who made a change, for the audit log.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    /// The user, when not the CLI.
    pub user: Option<UserId>,
    /// Client address.
    pub ip: String,
}

fn audit(
    conn: &Connection,
    actor: &Actor,
    action: &str,
    target: ContactId,
    detail: String,
    now: OffsetDateTime,
) -> Result<()> {
    let entry = db::audit::Entry {
        at: now,
        actor: actor.user,
        action: action.into(),
        target: format!("contact:{target}"),
        ip: actor.ip.clone(),
        detail,
    };
    db::audit::record(conn, &entry)
}

/// Parsed form values.
struct Valid {
    name: String,
    phone: Option<PhoneE164>,
    email: Option<String>,
}

fn validate(
    input: &ContactInput,
    region: Option<&str>,
    phone_required: bool,
) -> std::result::Result<Valid, ContactError> {
    let mut errors = Vec::new();
    let name = input.name.trim().to_string();
    if name.chars().count() > MAX_NAME {
        errors.push(FieldError::new(
            "name",
            format!("Use at most {MAX_NAME} characters."),
        ));
    }
    let phone = if input.phone.trim().is_empty() && !phone_required {
        None
    } else {
        match PhoneE164::parse(&input.phone, region) {
            Ok(p) => Some(p),
            Err(e) => {
                errors.push(FieldError::new("phone", e.to_string()));
                None
            }
        }
    };
    let email = if input.email.trim().is_empty() {
        None
    } else {
        match Email::parse(&input.email) {
            Ok(e) => Some(e.to_string()),
            Err(e) => {
                errors.push(FieldError::new("email", e.to_string()));
                None
            }
        }
    };
    if errors.is_empty() {
        Ok(Valid { name, phone, email })
    } else {
        Err(ContactError::Invalid(errors))
    }
}

/// Creates a contact; refuses a number that already belongs to a contact.
pub fn create(
    conn: &Connection,
    input: &ContactInput,
    region: Option<&str>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<std::result::Result<ContactId, ContactError>> {
    let v = match validate(input, region, true) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    let Some(phone) = v.phone else {
        return Ok(Err(ContactError::Invalid(vec![FieldError::new(
            "phone",
            "Enter a phone number.",
        )])));
    };
    if let Some(existing) = db::contacts::find_by_phones(conn, &with_variants(&phone))? {
        return Ok(Err(ContactError::Duplicate(existing)));
    }
    let id = db::contacts::insert_manual(conn, &v.name, &phone, v.email.as_deref(), now)?;
    audit(conn, actor, "contact.create", id, String::new(), now)?;
    Ok(Ok(id))
}

/// Updates name, phone and email; refuses a number that belongs to another contact.
pub fn update(
    conn: &Connection,
    id: ContactId,
    input: &ContactInput,
    region: Option<&str>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<std::result::Result<(), ContactError>> {
    let Some(current) = db::contacts::get(conn, id)? else {
        return Ok(Err(ContactError::NotFound));
    };
    // A contact known only by its WhatsApp user id may have no phone yet.
    let v = match validate(input, region, current.phone.is_some()) {
        Ok(v) => v,
        Err(e) => return Ok(Err(e)),
    };
    if let Some(phone) = &v.phone
        && let Some(other) = db::contacts::find_by_phones(conn, &with_variants(phone))?
        && other != id
    {
        return Ok(Err(ContactError::Duplicate(other)));
    }
    // Keep the stored form when the typed one is only a national variant of it.
    let phone = match (&v.phone, &current.phone) {
        (Some(new), Some(old)) if with_variants(old).contains(new) => None,
        (p, _) => p.clone(),
    };
    db::contacts::set_details(conn, id, &v.name, phone.as_ref(), v.email.as_deref(), now)?;
    audit(conn, actor, "contact.update", id, String::new(), now)?;
    Ok(Ok(()))
}

/// Merges `remove` into `keep`: conversations and messages move, missing details are copied.
pub fn merge(
    conn: &Connection,
    keep: ContactId,
    remove: ContactId,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<std::result::Result<(), ContactError>> {
    if keep == remove {
        return Ok(Ok(()));
    }
    let (Some(k), Some(r)) = (
        db::contacts::get(conn, keep)?,
        db::contacts::get(conn, remove)?,
    ) else {
        return Ok(Err(ContactError::NotFound));
    };
    identity::merge(conn, keep, remove, now)?;
    let name = if k.name.is_empty() { r.name } else { k.name };
    let email = k.email.or(r.email);
    let phone = if k.phone.is_none() { r.phone } else { None };
    db::contacts::set_details(conn, keep, &name, phone.as_ref(), email.as_deref(), now)?;
    if k.bsuid.is_none()
        && let Some(b) = r.bsuid
    {
        db::contacts::set_bsuid(conn, keep, &b, now)?;
    }
    audit(
        conn,
        actor,
        "contact.merge",
        keep,
        format!("merged contact:{remove}"),
        now,
    )?;
    Ok(Ok(()))
}

/// Deletes a contact with its conversations, messages, notes, fields and consent records
/// (orders stay, without the customer). Audited. Returns the stored media file names of the
/// deleted messages, for the caller to remove from disk after the commit; `None` when there
/// was no such contact.
pub fn delete(
    conn: &Connection,
    id: ContactId,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<Option<Vec<String>>> {
    let files = db::media::stored_names_for_contact(conn, id)?;
    if !db::contacts::delete(conn, id)? {
        return Ok(None);
    }
    audit(conn, actor, "contact.delete", id, String::new(), now)?;
    Ok(Some(files))
}
