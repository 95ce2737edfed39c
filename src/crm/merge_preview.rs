//! What merging two contacts will do, shown before an admin confirms: both contacts side by side
//! and what survives (the same rules `contacts::merge` applies).

use super::access::{self, AdminAction, Who};
use super::{Crm, Error, Result};
use crate::db;
use crate::model::{Contact, ContactId};

/// One side of a merge.
#[derive(Debug, Clone)]
pub struct MergeSide {
    /// The contact.
    pub contact: Contact,
    /// Their conversations.
    pub conversations: usize,
    /// Their orders.
    pub orders: usize,
    /// Their tags' names.
    pub tags: Vec<String>,
}

/// A merge to confirm.
#[derive(Debug, Clone)]
pub struct MergePreview {
    /// The contact that stays.
    pub keep: MergeSide,
    /// The contact merged in and removed.
    pub remove: MergeSide,
    /// The name after the merge.
    pub name: String,
    /// The email after the merge.
    pub email: Option<String>,
    /// The number after the merge.
    pub phone: Option<String>,
    /// The other contact's number or user id kept as an alias (their messages still arrive).
    pub aliases: Vec<String>,
}

fn side(conn: &rusqlite::Connection, contact: Contact) -> db::Result<MergeSide> {
    let filter = db::orders::OrderFilter {
        contact: Some(contact.id),
        ..db::orders::OrderFilter::default()
    };
    Ok(MergeSide {
        conversations: db::conversations::for_contact(conn, contact.id)?.len(),
        orders: db::orders::list(conn, &filter, None, 1000)?.len(),
        tags: db::tags::for_contact(conn, contact.id)?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        contact,
    })
}

impl Crm {
    /// What merging `remove` into `keep` will do (admins).
    pub async fn merge_preview(
        &self,
        keep: ContactId,
        remove: ContactId,
        who: Who,
    ) -> Result<MergePreview> {
        access::require(who, AdminAction::MergeContacts)?;
        if keep == remove {
            return Err(Error::field("other", "Choose another contact to merge."));
        }
        self.db
            .read(move |c| -> Result<MergePreview> {
                let (Some(k), Some(r)) =
                    (db::contacts::get(c, keep)?, db::contacts::get(c, remove)?)
                else {
                    return Err(Error::NotFound("contact"));
                };
                let name = if k.name.is_empty() {
                    r.name.clone()
                } else {
                    k.name.clone()
                };
                let email = k.email.clone().or_else(|| r.email.clone());
                let phone = k
                    .phone
                    .clone()
                    .or_else(|| r.phone.clone())
                    .map(|p| p.to_string());
                let mut aliases = Vec::new();
                if let (Some(own), Some(other)) = (&k.phone, &r.phone)
                    && own != other
                {
                    aliases.push(other.to_string());
                }
                if let (Some(own), Some(other)) = (&k.bsuid, &r.bsuid)
                    && own != other
                {
                    aliases.push(other.clone());
                }
                Ok(MergePreview {
                    keep: side(c, k)?,
                    remove: side(c, r)?,
                    name,
                    email,
                    phone,
                    aliases,
                })
            })
            .await
    }
}
