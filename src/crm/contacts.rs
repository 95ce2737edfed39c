//! Contacts the business maintains: create and edit with validation (phone normalised with a
//! default region, email), duplicate detection including national variants, and merging.

use super::access::{self, AdminAction, Who};
use super::consent::{self, Consent};
use super::identity::{self, with_variants};
use super::{Crm, Error, Result};
use crate::db;
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
) -> db::Result<()> {
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

fn validate(input: &ContactInput, region: Option<&str>, phone_required: bool) -> Result<Valid> {
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
        Err(Error::Invalid(errors))
    }
}

/// Creates a contact; refuses a number that already belongs to a contact.
pub fn create(
    conn: &Connection,
    input: &ContactInput,
    region: Option<&str>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<ContactId> {
    let v = validate(input, region, true)?;
    let Some(phone) = v.phone else {
        return Err(Error::field("phone", "Enter a phone number."));
    };
    if let Some(existing) = db::contacts::find_by_phones(conn, &with_variants(&phone))? {
        return Err(Error::Duplicate(existing));
    }
    let id = db::contacts::insert_manual(conn, &v.name, &phone, v.email.as_deref(), now)?;
    audit(conn, actor, "contact.create", id, String::new(), now)?;
    Ok(id)
}

/// Updates name, phone and email; refuses a number that belongs to another contact.
pub fn update(
    conn: &Connection,
    id: ContactId,
    input: &ContactInput,
    region: Option<&str>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    let Some(current) = db::contacts::get(conn, id)? else {
        return Err(Error::NotFound("contact"));
    };
    // A contact known only by its WhatsApp user id may have no phone yet.
    let v = validate(input, region, current.phone.is_some())?;
    if let Some(phone) = &v.phone
        && let Some(other) = db::contacts::find_by_phones(conn, &with_variants(phone))?
        && other != id
    {
        return Err(Error::Duplicate(other));
    }
    // Keep the stored form when the typed one is only a national variant of it.
    let phone = match (&v.phone, &current.phone) {
        (Some(new), Some(old)) if with_variants(old).contains(new) => None,
        (p, _) => p.clone(),
    };
    db::contacts::set_details(conn, id, &v.name, phone.as_ref(), v.email.as_deref(), now)?;
    audit(conn, actor, "contact.update", id, String::new(), now)?;
    Ok(())
}

/// Merges `remove` into `keep`: conversations and messages move, missing details are copied.
pub fn merge(
    conn: &Connection,
    keep: ContactId,
    remove: ContactId,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    if keep == remove {
        return Ok(());
    }
    let (Some(k), Some(r)) = (
        db::contacts::get(conn, keep)?,
        db::contacts::get(conn, remove)?,
    ) else {
        return Err(Error::NotFound("contact"));
    };
    identity::merge(conn, keep, remove, now)?;
    let name = if k.name.is_empty() { r.name } else { k.name };
    let email = k.email.or(r.email);
    db::contacts::set_details(conn, keep, &name, None, email.as_deref(), now)?;
    audit(
        conn,
        actor,
        "contact.merge",
        keep,
        format!("merged contact:{remove}"),
        now,
    )?;
    Ok(())
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
) -> Result<Vec<String>> {
    let files = db::media::stored_names_for_contact(conn, id)?;
    if !db::contacts::delete(conn, id)? {
        return Err(Error::NotFound("contact"));
    }
    audit(conn, actor, "contact.delete", id, String::new(), now)?;
    Ok(files)
}

/// A contact to save from any door. For an existing contact `None` keeps the stored value;
/// for a new one it is blank (a phone is required).
#[derive(Debug, Clone, Default)]
pub struct ContactSave {
    /// The contact to change; `None` creates one.
    pub id: Option<ContactId>,
    /// Name.
    pub name: Option<String>,
    /// Phone as typed.
    pub phone: Option<String>,
    /// Email as typed (blank removes it).
    pub email: Option<String>,
    /// Custom field values by key (blank clears one); errors name `field.<key>`.
    pub fields: Vec<(String, String)>,
    /// A consent change to record with it.
    pub consent: Option<Consent>,
    /// Restrict (or lift the restriction of) processing their data (admins only).
    pub restricted: Option<bool>,
}

/// Saves a contact (details, custom fields, consent) in the current transaction: all checked
/// before anything is kept, since any error rolls the whole write back.
pub fn save(
    conn: &Connection,
    s: &ContactSave,
    region: Option<&str>,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<ContactId> {
    let values = super::fields::parse_values(&db::custom_fields::list(conn)?, &s.fields)
        .map_err(Error::Invalid)?;
    let id = match s.id {
        None => {
            let input = ContactInput {
                name: s.name.clone().unwrap_or_default(),
                phone: s.phone.clone().unwrap_or_default(),
                email: s.email.clone().unwrap_or_default(),
            };
            create(conn, &input, region, actor, now)?
        }
        Some(id) => {
            let Some(current) = db::contacts::get(conn, id)? else {
                return Err(Error::NotFound("contact"));
            };
            if s.name.is_some() || s.phone.is_some() || s.email.is_some() {
                let input = ContactInput {
                    name: s.name.clone().unwrap_or(current.name),
                    phone: s
                        .phone
                        .clone()
                        .or_else(|| current.phone.as_ref().map(ToString::to_string))
                        .unwrap_or_default(),
                    email: s.email.clone().or(current.email).unwrap_or_default(),
                };
                update(conn, id, &input, region, actor, now)?;
            }
            id
        }
    };
    if !values.is_empty() {
        super::fields::write_values(conn, id, &values)?;
        let keys: Vec<&str> = values.iter().map(|(f, _)| f.key.as_str()).collect();
        audit(conn, actor, "contact.fields", id, keys.join(","), now)?;
    }
    if let Some(c) = &s.consent {
        consent::record(conn, id, c, now)?;
    }
    Ok(id)
}

impl Crm {
    /// Saves a contact; see [`save`]. Changing the restriction of processing is for admins
    /// (`crm::subject::restrict`), checked before anything is written.
    #[tracing::instrument(skip_all, fields(contact = ?s.id), err(Display, level = "debug"))]
    pub async fn save_contact(&self, s: ContactSave, who: Who, actor: Actor) -> Result<ContactId> {
        if s.restricted.is_some() {
            access::require(who, AdminAction::RestrictProcessing)?;
        }
        let (now, region) = (self.clock.now(), self.default_region.clone());
        self.db
            .write(move |c| {
                let id = save(c, &s, region.as_deref(), &actor, now)?;
                if let Some(on) = s.restricted {
                    super::subject::restrict::set_restricted(c, id, on, &actor, now)?;
                }
                Ok(id)
            })
            .await
    }

    /// The contact a person named on the command line: digits only are its id; anything else
    /// is a phone number (with `+` and country code, or national in the default region).
    pub async fn find_contact(&self, key: &str) -> Result<ContactId> {
        let key = key.trim().to_string();
        let region = self.default_region.clone();
        self.db
            .read(move |c| {
                if !key.is_empty() && key.bytes().all(|b| b.is_ascii_digit()) {
                    let id = ContactId(key.parse().map_err(|_| Error::NotFound("contact"))?);
                    return match db::contacts::get(c, id)? {
                        Some(_) => Ok(id),
                        None => Err(Error::NotFound("contact")),
                    };
                }
                let phone = PhoneE164::parse(&key, region.as_deref())
                    .map_err(|e| Error::field("contact", e.to_string()))?;
                db::contacts::find_by_phones(c, &with_variants(&phone))?
                    .ok_or(Error::NotFound("contact"))
            })
            .await
    }

    /// Merges contact `remove` into `keep` (admins).
    #[tracing::instrument(skip_all, fields(keep = %keep, remove = %remove), err(Display, level = "debug"))]
    pub async fn merge_contacts(
        &self,
        keep: ContactId,
        remove: ContactId,
        who: Who,
        actor: Actor,
    ) -> Result<()> {
        access::require(who, AdminAction::MergeContacts)?;
        let now = self.clock.now();
        self.db
            .write(move |c| merge(c, keep, remove, &actor, now))
            .await
    }

    /// Deletes a contact (admins) with everything that is theirs, then, once that committed,
    /// their downloaded and sent media files.
    #[tracing::instrument(skip_all, fields(contact = %id), err(Display, level = "debug"))]
    pub async fn delete_contact(&self, id: ContactId, who: Who, actor: Actor) -> Result<()> {
        access::require(who, AdminAction::DeleteContacts)?;
        let now = self.clock.now();
        let files = self.db.write(move |c| delete(c, id, &actor, now)).await?;
        self.remove_media_files(&files).await;
        Ok(())
    }
}
