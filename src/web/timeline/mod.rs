//! Turning stored messages into what the conversation page shows: bubbles with text, media,
//! cards, ticks, errors and the reactions on them.

mod content;
mod links;

pub use links::{TextPart, parts};

use crate::db::messages::TimelineItem;
use crate::model::{Content, Direction, OutboxState};
use std::collections::HashMap;
use time::OffsetDateTime;

use content::{content_view, error_text, tick};

/// A message bubble.
pub struct Bubble {
    /// Message row id.
    pub id: i64,
    /// Meta's id (for replies and reactions).
    pub wamid: String,
    /// `in` or `out`.
    pub side: &'static str,
    /// Day heading shown before this bubble, when the day changes.
    pub day: Option<String>,
    /// Time of day, in the viewer's time zone.
    pub time: String,
    /// Main text (text, caption, summary).
    pub text: String,
    /// The main text with its web addresses as links.
    pub text_parts: Vec<TextPart>,
    /// What kind of media, when there is any: image, video, audio, document, sticker.
    pub media_kind: &'static str,
    /// URL of the stored file.
    pub media_url: Option<String>,
    /// Why the file is not shown (pending, lost).
    pub media_note: String,
    /// Extra lines (location, contacts, order items, reply choice).
    pub details: Vec<String>,
    /// Link (map, ad).
    pub link: Option<(String, String)>,
    /// Quoted message text.
    pub quoted: Option<String>,
    /// Forwarded mark.
    pub forwarded: bool,
    /// Ad headline when the chat came from an ad.
    pub referral: Option<String>,
    /// Outbound state label: queued, sent, delivered, read, failed, needs template.
    pub tick: &'static str,
    /// Failure reason.
    pub error: String,
    /// True when the retry button applies.
    pub can_retry: bool,
    /// Reactions on this message.
    pub reactions: Vec<String>,
    /// Unsupported / system styling.
    pub notice: bool,
    /// Link to the order made from a catalog cart.
    pub order_link: Option<String>,
    /// Where a business message came from, when not from FlowCRM: "Sent from the WhatsApp
    /// Business app", "From the phone's history".
    pub badge: &'static str,
    /// "edited" with the time of the last edit, for an edited message.
    pub edited: Option<String>,
    /// What an edited message said before: (when replaced, text), oldest first.
    pub versions: Vec<(String, String)>,
    /// When (for merging notes in and for day headings).
    pub at: OffsetDateTime,
}

/// The reactions on each message: the latest per (target, direction) wins; an empty one
/// removes it.
fn reactions(items: &[TimelineItem]) -> HashMap<String, HashMap<&'static str, String>> {
    let mut reactions: HashMap<String, HashMap<&'static str, String>> = HashMap::new();
    for item in items {
        if let Content::Reaction { message_id, emoji } = &item.message.content {
            let who = item.message.direction.as_str();
            let entry = reactions.entry(message_id.clone()).or_default();
            match emoji {
                Some(e) => {
                    entry.insert(who, e.clone());
                }
                None => {
                    entry.remove(who);
                }
            }
        }
    }
    reactions
}

/// Builds the bubbles of a conversation; reactions are folded onto the message they react to.
#[must_use]
pub fn bubbles(
    items: &[TimelineItem],
    zone: &crate::model::Zone,
    products: &HashMap<String, String>,
) -> Vec<Bubble> {
    let reactions = reactions(items);
    // Quoted messages are looked up by wamid once, not by scanning the page per bubble.
    let bodies: HashMap<&str, &str> = items
        .iter()
        .map(|i| (i.message.wamid.as_str(), i.message.body.as_str()))
        .collect();
    let mut out = Vec::with_capacity(items.len());
    let mut last_day = String::new();
    for item in items {
        let m = &item.message;
        if matches!(m.content, Content::Reaction { .. }) {
            continue;
        }
        let day = crate::web::when::day_label(zone, m.sent_at);
        let mut b = Bubble {
            id: m.id,
            wamid: m.wamid.clone(),
            side: if m.direction == Direction::In {
                "in"
            } else {
                "out"
            },
            day: (day != last_day).then(|| day.clone()),
            time: crate::web::when::clock(zone, m.sent_at),
            text: m.body.clone(),
            text_parts: parts(&m.body),
            media_kind: "",
            media_url: None,
            media_note: String::new(),
            details: Vec::new(),
            link: None,
            quoted: None,
            forwarded: false,
            referral: None,
            tick: tick(item),
            error: error_text(m),
            can_retry: item.outbox_state.is_some_and(OutboxState::retryable),
            reactions: reactions
                .get(&m.wamid)
                .map(|r| r.values().cloned().collect())
                .unwrap_or_default(),
            notice: false,
            order_link: matches!(m.content, Content::Order { .. })
                .then(|| format!("/orders/by-message/{}", m.id)),
            badge: match (m.via_business_app, m.imported) {
                (_, true) => "From the phone's chat history",
                (true, false) => "Sent from the WhatsApp Business app",
                (false, false) => "",
            },
            edited: m
                .edited_at
                .filter(|_| m.deleted_at.is_none())
                .map(|t| format!("edited {}", crate::web::when::stamp(zone, t))),
            versions: item
                .versions
                .iter()
                .map(|v| (crate::web::when::stamp(zone, v.replaced_at), v.body.clone()))
                .collect(),
            at: m.sent_at,
        };
        last_day = day;
        content_view(&mut b, &m.content, products);
        content::call_details(&mut b, &m.content, zone);
        if !b.media_kind.is_empty() {
            match &item.media {
                Some((id, state)) if state == "stored" => {
                    b.media_url = Some(format!("/media/{id}"));
                }
                Some((_, state)) if state == "removed" => {
                    b.media_note =
                        "The file was removed: it was older than this business keeps media.".into();
                }
                Some((_, state)) if state == "lost" => {
                    b.media_note = "The file could not be downloaded from WhatsApp.".into();
                }
                Some(_) => b.media_note = "Downloading…".into(),
                None => {}
            }
        }
        if let Some(ctx) = &m.extras.context {
            b.forwarded = ctx.forwarded || ctx.frequently_forwarded;
            b.quoted = ctx.quoted_wamid.as_ref().map(|q| {
                bodies
                    .get(q.as_str())
                    .map_or_else(|| "an earlier message".to_string(), |b| (*b).to_string())
            });
            if let Some((_, product)) = &ctx.referred_product {
                b.details.push(format!("About product {product}"));
            }
        }
        if let Some(r) = &m.extras.referral {
            b.referral = Some(
                r.headline
                    .clone()
                    .unwrap_or_else(|| format!("{} {}", r.source_type, r.source_id)),
            );
        }
        out.push(b);
    }
    out
}

/// Puts internal notes into the timeline by time (side `note`: never sent, styled apart) and
/// sets the day headings again.
#[must_use]
pub fn with_notes(
    bubbles: Vec<Bubble>,
    notes: &[crate::db::inbox::ConversationNote],
    zone: &crate::model::Zone,
) -> Vec<Bubble> {
    let mut all = bubbles;
    for n in notes {
        all.push(Bubble {
            id: 0,
            wamid: String::new(),
            side: "note",
            day: None,
            time: crate::web::when::clock(zone, n.created_at),
            text: n.body.clone(),
            text_parts: parts(&n.body),
            media_kind: "",
            media_url: None,
            media_note: String::new(),
            details: vec![format!(
                "Internal note by {}",
                n.author.clone().unwrap_or_else(|| "a former user".into())
            )],
            link: None,
            quoted: None,
            forwarded: false,
            referral: None,
            tick: "",
            error: String::new(),
            can_retry: false,
            reactions: Vec::new(),
            notice: false,
            order_link: None,
            badge: "",
            edited: None,
            versions: Vec::new(),
            at: n.created_at,
        });
    }
    all.sort_by_key(|b| b.at);
    let mut last_day = String::new();
    for b in &mut all {
        let day = crate::web::when::day_label(zone, b.at);
        b.day = (day != last_day).then(|| day.clone());
        last_day = day;
    }
    all
}
