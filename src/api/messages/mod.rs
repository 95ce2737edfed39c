//! `/api/v1/conversations/{id}/messages` (newest first, cursor) and `/api/v1/messages/{id}/media`:
//! messages with their structured content as stored (media, location, shared contacts,
//! interactive replies, reactions, quotes, forwards, click-to-WhatsApp referrals, the order a
//! cart made) and the bytes of their attachments.

mod content;
mod list;
mod media;

use super::rfc3339;
use crate::db::{self, media::MediaRow};
use crate::model::{Message, OutboxState};
use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

pub use content::*;
pub use list::*;
pub use media::*;

/// Meta's error for a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageError {
    /// Meta's code (e.g. 131047).
    pub code: i64,
    /// Title.
    pub title: String,
    /// Details.
    pub details: String,
}

/// A message.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageOut {
    /// Id.
    pub id: i64,
    /// Conversation id.
    pub conversation_id: i64,
    /// WhatsApp message id (`local:...` until Meta accepted it).
    pub wamid: String,
    /// `in` (customer) or `out` (business).
    pub direction: String,
    /// text, image, template, order, reaction ...
    #[serde(rename = "type")]
    pub kind: String,
    /// Text, caption or a one-line summary.
    pub text: String,
    /// Meta's timestamp, or when it was queued (RFC 3339).
    pub sent_at: String,
    /// Outbound: queued, sending, sent, delivered, read, failed ...
    pub status: Option<String>,
    /// Why it failed, when it did.
    pub error: Option<MessageError>,
    /// Who sent it: `customer`, `flowcrm` (a person or key here) or `business_app` (the
    /// business from the WhatsApp Business app on its phone).
    pub sent_from: String,
    /// True when it came from the phone's chat history, imported when coexistence was set up.
    pub imported: bool,
    /// When its sender last edited it (RFC 3339); `versions` has what it said before.
    pub edited_at: Option<String>,
    /// Earlier versions of an edited message, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<MessageVersionOut>,
    /// When its sender deleted it (RFC 3339): its content is gone, `type` is `deleted`.
    pub deleted_at: Option<String>,
    /// Structured content.
    pub content: MessageContent,
}

/// What an edited message said before an edit.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessageVersionOut {
    /// The text or caption it had.
    pub text: String,
    /// When the edit replaced it (RFC 3339).
    pub replaced_at: String,
}

/// A page of messages.
#[derive(Debug, Serialize, ToSchema)]
pub struct MessagePage {
    /// Newest first.
    pub data: Vec<MessageOut>,
    /// Pass as `cursor` for older messages; absent on the last page.
    pub next_cursor: Option<String>,
}

fn message_out(
    m: Message,
    outbox: Option<OutboxState>,
    media: Option<&MediaRow>,
    order_id: Option<i64>,
    versions: Vec<db::message_changes::Version>,
) -> MessageOut {
    let content = content_out(&m, media, order_id);
    let sent_from = match (m.direction, m.via_business_app) {
        (crate::model::Direction::In, _) => "customer",
        (_, true) => "business_app",
        (_, false) => "flowcrm",
    };
    MessageOut {
        sent_from: sent_from.into(),
        imported: m.imported,
        edited_at: m.edited_at.map(rfc3339),
        deleted_at: m.deleted_at.map(rfc3339),
        versions: versions
            .into_iter()
            .map(|v| MessageVersionOut {
                text: v.body,
                replaced_at: rfc3339(v.replaced_at),
            })
            .collect(),
        id: m.id,
        conversation_id: m.conversation_id,
        wamid: m.wamid,
        direction: m.direction.as_str().into(),
        kind: m.content.kind().into(),
        text: m.body,
        sent_at: rfc3339(m.sent_at),
        status: m
            .status
            .map(crate::model::DeliveryStatus::as_str)
            .or(outbox.map(OutboxState::as_str))
            .map(String::from),
        error: m.error.map(|e| MessageError {
            code: e.code,
            title: e.title,
            details: e.details,
        }),
        content,
    }
}

/// Messages as the API shows them, their attachments and orders loaded in one query each.
fn messages_out(
    conn: &Connection,
    rows: Vec<(Message, Option<OutboxState>)>,
) -> db::Result<Vec<MessageOut>> {
    let ids: Vec<i64> = rows.iter().map(|(m, _)| m.id).collect();
    let media = db::media::for_messages(conn, &ids)?;
    let orders = db::orders::for_messages(conn, &ids)?;
    rows.into_iter()
        .map(|(m, o)| {
            let (row, order) = (media.get(&m.id), orders.get(&m.id).copied());
            // Edited messages are few: their versions are read one message at a time.
            let versions = if m.edited_at.is_some() && m.deleted_at.is_none() {
                db::message_changes::versions(conn, m.id)?
            } else {
                Vec::new()
            };
            Ok(message_out(m, o, row, order, versions))
        })
        .collect()
}

/// One just-queued message as the API shows it.
pub fn one(conn: &Connection, id: i64) -> db::Result<MessageOut> {
    let m = db::messages::get(conn, id)?.ok_or(db::Error::Corrupt("message"))?;
    let mut out = messages_out(conn, vec![(m, Some(OutboxState::Queued))])?;
    out.pop().ok_or(db::Error::Corrupt("message"))
}
