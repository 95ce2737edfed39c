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
    /// Structured content.
    pub content: MessageContent,
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
) -> MessageOut {
    let content = content_out(&m, media, order_id);
    MessageOut {
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
    Ok(rows
        .into_iter()
        .map(|(m, o)| {
            let (row, order) = (media.get(&m.id), orders.get(&m.id).copied());
            message_out(m, o, row, order)
        })
        .collect())
}

/// One just-queued message as the API shows it.
pub fn one(conn: &Connection, id: i64) -> db::Result<MessageOut> {
    let m = db::messages::get(conn, id)?.ok_or(db::Error::Corrupt("message"))?;
    let mut out = messages_out(conn, vec![(m, Some(OutboxState::Queued))])?;
    out.pop().ok_or(db::Error::Corrupt("message"))
}
