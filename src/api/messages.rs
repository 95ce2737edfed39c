//! `/api/v1/conversations/{id}/messages` (newest first, cursor) and `/api/v1/messages/{id}/media`:
//! messages with their structured content as stored (media, location, shared contacts,
//! interactive replies, reactions, quotes, forwards, click-to-WhatsApp referrals, the order a
//! cart made) and the bytes of their attachments.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiCaller, Id, Pairs, next_time_cursor};
use super::rfc3339;
use crate::app::AppState;
use crate::db::{self, media::MediaRow};
use crate::model::{Content, Message, OutboxState};
use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use rusqlite::Connection;
use serde::Serialize;
use utoipa::ToSchema;

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

/// An attachment.
#[derive(Debug, Serialize, ToSchema)]
pub struct MediaOut {
    /// image, video, audio, document or sticker.
    pub kind: String,
    /// MIME type as WhatsApp gave it.
    pub mime_type: String,
    /// Size in bytes, once stored.
    pub size: Option<i64>,
    /// The customer's file name (documents).
    pub filename: Option<String>,
    /// Caption.
    pub caption: Option<String>,
    /// True for a voice message (audio).
    pub voice: bool,
    /// pending (not downloaded yet), stored, or lost (expired or refused at Meta).
    pub state: String,
    /// Where to get the bytes with this API key, once stored.
    pub url: Option<String>,
}

/// A shared location.
#[derive(Debug, Serialize, ToSchema)]
pub struct LocationOut {
    /// Latitude.
    pub latitude: f64,
    /// Longitude.
    pub longitude: f64,
    /// Place name.
    pub name: Option<String>,
    /// Address.
    pub address: Option<String>,
    /// A link the customer shared with it.
    pub url: Option<String>,
}

/// A phone number on a shared contact card.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedPhoneOut {
    /// As written on the card.
    pub phone: String,
    /// WhatsApp id, when the number is on WhatsApp.
    pub wa_id: Option<String>,
    /// Label (HOME, WORK, CELL ...).
    pub label: Option<String>,
}

/// A shared contact card.
#[derive(Debug, Serialize, ToSchema)]
pub struct SharedContactOut {
    /// Full name.
    pub name: String,
    /// Phones.
    pub phones: Vec<SharedPhoneOut>,
    /// Emails.
    pub emails: Vec<String>,
}

/// The customer's answer to buttons, a list or a template quick reply.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplyOut {
    /// `button`, `list` or `quick_reply`.
    pub kind: String,
    /// The id (button or row id, or the quick-reply payload).
    pub id: String,
    /// The title the customer tapped.
    pub title: String,
    /// The list row's description.
    pub description: Option<String>,
}

/// A reaction to a message.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReactionOut {
    /// The emoji; absent when the reaction was removed.
    pub emoji: Option<String>,
    /// The wamid of the message reacted to.
    pub message_wamid: String,
}

/// The click-to-WhatsApp ad or post the customer came from.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReferralOut {
    /// ad or post.
    pub source_type: String,
    /// The ad or post id.
    pub source_id: String,
    /// Its URL.
    pub source_url: String,
    /// Headline.
    pub headline: Option<String>,
    /// Body.
    pub body: Option<String>,
    /// Click id, for ad attribution.
    pub ctwa_clid: Option<String>,
}

/// What a message carries besides its text, as stored. Members are absent when they do not
/// apply.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct MessageContent {
    /// The attachment.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub media: Option<MediaOut>,
    /// A shared location.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<LocationOut>,
    /// Shared contact cards.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contacts: Vec<SharedContactOut>,
    /// An interactive or quick reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<ReplyOut>,
    /// A reaction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reaction: Option<ReactionOut>,
    /// The wamid of the message this one quotes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quoted_wamid: Option<String>,
    /// Forwarded by the customer.
    pub forwarded: bool,
    /// Click-to-WhatsApp referral.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referral: Option<ReferralOut>,
    /// The order a cart message created.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<i64>,
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

fn media_out(m: &Message, row: Option<&MediaRow>) -> Option<MediaOut> {
    let media = m.content.media()?;
    let voice = matches!(m.content, Content::Audio { voice: true, .. });
    let stored = row.is_some_and(|r| r.state == db::media::MediaState::Stored);
    Some(MediaOut {
        kind: m.content.kind().into(),
        mime_type: row.map_or_else(|| media.mime_type.clone(), |r| r.mime_type.clone()),
        size: row.and_then(|r| r.size),
        filename: media.filename.clone(),
        caption: media.caption.clone(),
        voice,
        state: row.map_or("pending", |r| r.state.as_str()).into(),
        url: stored.then(|| format!("/api/v1/messages/{}/media", m.id)),
    })
}

fn content_out(m: &Message, media: Option<&MediaRow>, order_id: Option<i64>) -> MessageContent {
    let mut out = MessageContent {
        media: media_out(m, media),
        order_id,
        ..MessageContent::default()
    };
    match &m.content {
        Content::Location {
            latitude,
            longitude,
            name,
            address,
            url,
        } => {
            out.location = Some(LocationOut {
                latitude: *latitude,
                longitude: *longitude,
                name: name.clone(),
                address: address.clone(),
                url: url.clone(),
            });
        }
        Content::Contacts { contacts } => {
            out.contacts = contacts
                .iter()
                .map(|c| SharedContactOut {
                    name: c.name.clone(),
                    phones: c
                        .phones
                        .iter()
                        .map(|p| SharedPhoneOut {
                            phone: p.phone.clone(),
                            wa_id: p.wa_id.clone(),
                            label: p.kind.clone(),
                        })
                        .collect(),
                    emails: c.emails.clone(),
                })
                .collect();
        }
        Content::ButtonReply { id, title } => out.reply = Some(reply("button", id, title, None)),
        Content::ListReply {
            id,
            title,
            description,
        } => {
            out.reply = Some(reply("list", id, title, description.clone()));
        }
        Content::QuickReply { payload, text } => {
            out.reply = Some(reply("quick_reply", payload, text, None));
        }
        Content::Reaction { message_id, emoji } => {
            out.reaction = Some(ReactionOut {
                emoji: emoji.clone(),
                message_wamid: message_id.clone(),
            });
        }
        _ => {}
    }
    if let Some(c) = &m.extras.context {
        out.quoted_wamid.clone_from(&c.quoted_wamid);
        out.forwarded = c.forwarded || c.frequently_forwarded;
    }
    out.referral = m.extras.referral.as_ref().map(|r| ReferralOut {
        source_type: r.source_type.clone(),
        source_id: r.source_id.clone(),
        source_url: r.source_url.clone(),
        headline: r.headline.clone(),
        body: r.body.clone(),
        ctwa_clid: r.ctwa_clid.clone(),
    });
    out
}

fn reply(kind: &str, id: &str, title: &str, description: Option<String>) -> ReplyOut {
    ReplyOut {
        kind: kind.into(),
        id: id.into(),
        title: title.into(),
        description,
    }
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

/// A conversation's messages, newest first.
#[utoipa::path(
    get, path = "/conversations/{id}/messages", tag = "conversations",
    params(
        ("id" = i64, Path, description = "Conversation id"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad cursor or limit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
    q: Pairs,
) -> ApiResult<Json<MessagePage>> {
    let (limit, before) = (q.limit()?, q.time_cursor()?);
    let (rows, next) = state
        .db
        .read(move |c| -> ApiResult<_> {
            if db::conversations::get(c, id)?.is_none() {
                return Err(ApiError::NotFound("conversation"));
            }
            let rows = db::messages::page(c, id, before, limit)?;
            let next = next_time_cursor(
                rows.len(),
                limit,
                rows.last().map(|(m, _)| (m.sent_at, m.id)),
            );
            Ok((messages_out(c, rows)?, next))
        })
        .await?;
    Ok(Json(MessagePage {
        data: rows,
        next_cursor: next,
    }))
}

/// The bytes of a message's attachment (once downloaded), with its type and file name.
#[utoipa::path(
    get, path = "/messages/{id}/media", tag = "conversations",
    params(("id" = i64, Path, description = "Message id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Not modified since the ETag given in If-None-Match"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message, no attachment, or not downloaded (yet)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn media(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let file = state.crm.open_message_media(id).await?;
    Ok(super::files::file_response(file, &headers))
}
