//! `/api/v1/contacts`: list and search with the contacts filter, get, create, update, delete,
//! tags on a contact, and messaging a contact (starting a conversation).

mod list;
mod message;
mod privacy;
mod save;
mod tagging;

use super::rfc3339;
use crate::crm::fields;
use crate::db;
use crate::model::{Contact, OptIn};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub use list::*;
pub use message::*;
pub use privacy::*;
pub use save::*;
pub use tagging::*;

/// Consent state.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ApiOptIn {
    /// Never recorded.
    Unknown,
    /// Opted in.
    In,
    /// Opted out.
    Out,
}

impl From<OptIn> for ApiOptIn {
    fn from(o: OptIn) -> Self {
        match o {
            OptIn::Unknown => Self::Unknown,
            OptIn::In => Self::In,
            OptIn::Out => Self::Out,
        }
    }
}

impl From<ApiOptIn> for OptIn {
    fn from(o: ApiOptIn) -> Self {
        match o {
            ApiOptIn::Unknown => Self::Unknown,
            ApiOptIn::In => Self::In,
            ApiOptIn::Out => Self::Out,
        }
    }
}

/// Order of a contact list.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiSort {
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
    /// By name.
    Name,
}

/// A tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Colour.
    pub color: String,
}

/// A contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactOut {
    /// Id.
    pub id: i64,
    /// Name the business gave (may be empty).
    pub name: String,
    /// Name from the customer's WhatsApp profile (may be empty).
    pub whatsapp_name: String,
    /// Best name to show.
    pub display_name: String,
    /// Phone in E.164, when known.
    pub phone: Option<String>,
    /// WhatsApp business-scoped user id, when known.
    pub bsuid: Option<String>,
    /// Email, when known.
    pub email: Option<String>,
    /// Consent to receive messages.
    pub opt_in: ApiOptIn,
    /// Processing restricted: left out of list exports, AI, Sheets sync and broadcasts.
    pub restricted: bool,
    /// First seen (RFC 3339).
    pub created_at: String,
    /// Tags.
    pub tags: Vec<TagOut>,
    /// Custom field values by key (canonical text: numbers `12.5`, dates `2026-03-31`,
    /// checkboxes `true`/`false`).
    pub fields: BTreeMap<String, String>,
}

/// A page of contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    /// Contacts.
    pub data: Vec<ContactOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// A contact as the API shows it.
pub fn contact_out(conn: &rusqlite::Connection, c: Contact) -> db::Result<ContactOut> {
    let tags = db::tags::for_contact(conn, c.id)?;
    contact_with(conn, c, tags)
}

fn contact_with(
    conn: &rusqlite::Connection,
    c: Contact,
    tags: Vec<crate::model::Tag>,
) -> db::Result<ContactOut> {
    let tags = tags
        .into_iter()
        .map(|t| TagOut {
            id: t.id,
            name: t.name,
            color: t.color,
        })
        .collect();
    let fields = fields::values_of(conn, c.id)?
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f.key, v)))
        .collect();
    Ok(ContactOut {
        id: c.id.0,
        display_name: c.display_name(),
        name: c.name,
        whatsapp_name: c.profile_name,
        phone: c.phone.map(|p| p.to_string()),
        bsuid: c.bsuid,
        email: c.email,
        opt_in: c.opt_in.into(),
        restricted: c.restricted_at.is_some(),
        created_at: rfc3339(c.created_at),
        tags,
        fields,
    })
}
