//! The structured content of a message as the API shows it: what it carries besides its text.

use crate::db::{self, media::MediaRow};
use crate::model::{Content, Message};
use serde::Serialize;
use utoipa::ToSchema;

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
    /// Latitude; null when WhatsApp sent coordinates that did not parse.
    pub latitude: Option<f64>,
    /// Longitude; null when WhatsApp sent coordinates that did not parse.
    pub longitude: Option<f64>,
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

/// A WhatsApp voice call.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallOut {
    /// `customer` or `business`: who called.
    pub caller: String,
    /// `ringing`, `connected`, `answered`, `missed`, `rejected` or `failed`.
    pub state: String,
    /// Seconds talked, for an answered call.
    pub duration_seconds: Option<i64>,
    /// When it connected (RFC 3339).
    pub started_at: Option<String>,
    /// When it ended (RFC 3339).
    pub ended_at: Option<String>,
}

/// The customer's answer to a request to allow calls from the business.
#[derive(Debug, Serialize, ToSchema)]
pub struct CallPermissionOut {
    /// `accept` or `reject`.
    pub response: String,
    /// Until when the business may call (RFC 3339), when accepted.
    pub expires_at: Option<String>,
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
    /// A call.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call: Option<CallOut>,
    /// An answer to a call permission request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_permission: Option<CallPermissionOut>,
}

fn call_out(content: &Content, out: &mut MessageContent) {
    match content {
        Content::Call {
            business_initiated,
            state,
            duration,
            started_at,
            ended_at,
        } => {
            out.call = Some(CallOut {
                caller: if *business_initiated {
                    "business"
                } else {
                    "customer"
                }
                .into(),
                state: state.clone(),
                duration_seconds: *duration,
                started_at: unix(*started_at),
                ended_at: unix(*ended_at),
            });
        }
        Content::CallPermission {
            response,
            expires_at,
            ..
        } => {
            out.call_permission = Some(CallPermissionOut {
                response: response.clone(),
                expires_at: unix(*expires_at),
            });
        }
        _ => {}
    }
}

fn unix(t: Option<i64>) -> Option<String> {
    t.and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(crate::api::rfc3339)
}

pub(super) fn media_out(m: &Message, row: Option<&MediaRow>) -> Option<MediaOut> {
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

pub(super) fn content_out(
    m: &Message,
    media: Option<&MediaRow>,
    order_id: Option<i64>,
) -> MessageContent {
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
        Content::Call { .. } | Content::CallPermission { .. } => call_out(&m.content, &mut out),
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

pub(super) fn reply(kind: &str, id: &str, title: &str, description: Option<String>) -> ReplyOut {
    ReplyOut {
        kind: kind.into(),
        id: id.into(),
        title: title.into(),
        description,
    }
}
