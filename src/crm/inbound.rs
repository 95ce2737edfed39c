//! Recording a webhook's events: contacts, conversations, messages, statuses, media to fetch,
//! template changes and everything else raw. Runs inside one writer transaction per POST (or per
//! chunk of a large POST); each event is applied in a savepoint of its own, so one that cannot be
//! applied is kept as a dead letter and never costs the others.

use super::identity::{self, Identity};
use crate::db::{self, Result};
use crate::model::{Content, Direction, PhoneE164};
use crate::whatsapp::webhook::{Event, InboundMessage, StatusUpdate, TemplateUpdate};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Meta's error for inbound media it could not fetch (e.g. over 100 MB).
const MEDIA_DOWNLOAD_FAILED: i64 = 131_052;

/// What a webhook changed.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Conversations with a new message or status (for live updates), each once.
    pub conversations: Vec<i64>,
    /// New messages stored.
    pub messages: usize,
    /// Messages we had already (Meta retries).
    pub duplicates: usize,
    /// New status events.
    pub statuses: usize,
    /// Template changes.
    pub templates: usize,
    /// Other events stored raw.
    pub other: usize,
    /// Attachments queued for download.
    pub media: usize,
    /// Events that could not be applied, kept as dead letters with their error.
    pub dead_letters: usize,
}

impl std::ops::AddAssign for Outcome {
    fn add_assign(&mut self, o: Self) {
        self.messages += o.messages;
        self.duplicates += o.duplicates;
        self.statuses += o.statuses;
        self.templates += o.templates;
        self.other += o.other;
        self.media += o.media;
        self.dead_letters += o.dead_letters;
        for c in o.conversations {
            if !self.conversations.contains(&c) {
                self.conversations.push(c);
            }
        }
    }
}

fn time_of(unix: i64, now: OffsetDateTime) -> OffsetDateTime {
    if unix <= 0 {
        return now;
    }
    OffsetDateTime::from_unix_timestamp(unix).unwrap_or(now)
}

/// Stores every event of one webhook POST (and its raw body, when given). Each event is applied
/// on its own: one that fails is rolled back alone and kept as a dead letter with its error. Only
/// a failure of the store itself (disk full, I/O) fails the whole call, so the POST is retried.
pub fn record(
    conn: &Connection,
    events: &[Event],
    raw_body: Option<&[u8]>,
    now: OffsetDateTime,
) -> Result<Outcome> {
    if let Some(body) = raw_body {
        db::webhook_log::insert_payload(conn, body, now)?;
    }
    let mut out = Outcome::default();
    for event in events {
        let mut one = Outcome::default();
        match db::savepoint(conn, |c| apply(c, event, now, &mut one)) {
            Ok(()) => out += one,
            Err(e) if e.is_storage_failure() => return Err(e),
            Err(e) => {
                let (what, body) = describe(event);
                tracing::warn!(error = ?e, event = %what, "webhook event not applied; kept as a dead letter");
                let why = format!("{what} not applied: {e}");
                db::webhook_log::insert_dead_letter(conn, &why, &body, now)?;
                out.dead_letters += 1;
            }
        }
    }
    Ok(out)
}

fn apply(conn: &Connection, event: &Event, now: OffsetDateTime, out: &mut Outcome) -> Result<()> {
    match event {
        Event::Message(m) => record_message(conn, m, now, out),
        Event::Status(s) => record_status(conn, s, now, out),
        Event::Template(t) => {
            record_template(conn, t, now)?;
            out.templates += 1;
            Ok(())
        }
        Event::Other { field, value } => {
            db::webhook_log::insert_event(conn, field, &value.to_string(), now)?;
            out.other += 1;
            Ok(())
        }
    }
}

/// A label and a JSON body for an event kept as a dead letter.
fn describe(event: &Event) -> (String, Vec<u8>) {
    let (what, value) = match event {
        Event::Message(m) => (format!("message {}", m.wamid), m.raw.clone()),
        Event::Status(s) => (
            format!("status {} of {}", s.status.as_str(), s.wamid),
            serde_json::json!({
                "id": s.wamid, "status": s.status.as_str(), "timestamp": s.timestamp,
                "recipient_id": s.recipient_id, "biz_opaque_callback_data": s.callback_data,
            }),
        ),
        Event::Template(t) => (
            format!(
                "template change {} ({}/{})",
                t.meta_id,
                t.name.as_deref().unwrap_or("?"),
                t.language.as_deref().unwrap_or("?")
            ),
            serde_json::json!({
                "message_template_id": t.meta_id, "message_template_name": t.name,
                "message_template_language": t.language, "event": t.status, "reason": t.reason,
                "category": t.category, "quality": t.quality,
            }),
        ),
        Event::Other { field, value } => (format!("{field} event"), value.clone()),
    };
    (what, value.to_string().into_bytes())
}

fn record_message(
    conn: &Connection,
    m: &InboundMessage,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let who = Identity {
        phone: m.from_phone.as_ref(),
        bsuid: m.from_user_id.as_deref(),
        profile_name: m.profile_name.as_deref(),
        username: m.username.as_deref(),
        parent_bsuid: m.from_parent_user_id.as_deref(),
    };
    let contact = identity::resolve(conn, &who, now)?;
    let at = time_of(m.timestamp, now);
    let conversation =
        db::conversations::find_or_create(conn, contact, &m.phone_number_id, at, now)?;
    let new = db::messages::NewMessage {
        wamid: &m.wamid,
        conversation_id: conversation,
        direction: Direction::In,
        content: &m.content,
        extras: &m.extras,
        raw: Some(&m.raw),
        sent_at: at,
        received_at: now,
        error: m.errors.first(),
    };
    let Some(message_id) = db::messages::insert(conn, &new)? else {
        out.duplicates += 1;
        return Ok(());
    };
    out.messages += 1;
    if !out.conversations.contains(&conversation) {
        out.conversations.push(conversation);
    }
    db::conversations::record_inbound(
        conn,
        conversation,
        at,
        m.content.is_customer_message(),
        now,
    )?;
    if let Some(media) = m.content.media() {
        let lost = m
            .errors
            .iter()
            .find(|e| e.code == MEDIA_DOWNLOAD_FAILED)
            .map(|e| {
                format!(
                    "Meta could not fetch it ({}): {} {}",
                    e.code, e.title, e.details
                )
            });
        db::media::insert(
            conn,
            message_id,
            &media.id,
            &media.mime_type,
            &media.sha256,
            media.filename.as_deref(),
            lost.as_deref(),
            now,
        )?;
        if lost.is_none() {
            out.media += 1;
        }
    }
    after_insert(conn, m, contact, conversation, message_id, now)
}

/// What a new message sets off: an order from a cart, a contact identity change.
fn after_insert(
    conn: &Connection,
    m: &InboundMessage,
    contact: crate::model::ContactId,
    conversation: i64,
    message_id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    if let Content::Order {
        catalog_id,
        text,
        items,
    } = &m.content
    {
        let cart = super::orders::Cart {
            contact_id: contact,
            conversation_id: conversation,
            message_id,
            catalog_id,
            text: text.as_deref(),
            items,
            at: time_of(m.timestamp, now),
        };
        if let Err(why) = super::orders::from_cart(conn, &cart) {
            if let super::Error::Db(e) = why {
                return Err(e);
            }
            tracing::warn!(message = message_id, reason = %why, "cart not turned into an order");
            let value =
                serde_json::json!({"wamid": m.wamid, "reason": why.to_string()}).to_string();
            db::webhook_log::insert_event(conn, "orders.invalid", &value, now)?;
        }
    }
    if let Content::System {
        kind,
        new_wa_id,
        new_user_id,
        ..
    } = &m.content
    {
        match kind.as_str() {
            "user_changed_number" | "customer_changed_number" => {
                if let Some(phone) = new_wa_id.as_deref().and_then(PhoneE164::from_international) {
                    identity::change_phone(conn, contact, &phone, now)?;
                }
            }
            "user_changed_user_id" => {
                if let Some(bsuid) = new_user_id {
                    identity::change_bsuid(conn, contact, bsuid, now)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

fn record_status(
    conn: &Connection,
    s: &StatusUpdate,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let new = db::statuses::NewStatus {
        wamid: &s.wamid,
        status: s.status,
        at: time_of(s.timestamp, now),
        recipient_id: s.recipient_id.as_deref(),
        recipient_user_id: s.recipient_user_id.as_deref(),
        error: s.errors.first(),
        pricing_category: s.pricing_category.as_deref(),
        callback_data: s.callback_data.as_deref(),
        received_at: now,
    };
    // Our key echoed back: a send whose answer was lost (crash, timeout) was accepted after all.
    if let Some(key) = &s.callback_data
        && let Some(message_id) = db::outbox::settle_by_key(conn, key, now)?
    {
        db::messages::set_wamid(conn, message_id, &s.wamid)?;
    }
    if db::statuses::insert(conn, &new)? {
        db::messages::refresh_status(conn, &s.wamid)?;
        out.statuses += 1;
        if let Some(m) = db::messages::find_by_wamid(conn, &s.wamid)?
            && !out.conversations.contains(&m.conversation_id)
        {
            out.conversations.push(m.conversation_id);
        }
    }
    Ok(())
}

fn record_template(conn: &Connection, t: &TemplateUpdate, now: OffsetDateTime) -> Result<()> {
    let change = db::templates::TemplateChange {
        meta_id: &t.meta_id,
        name: t.name.as_deref(),
        language: t.language.as_deref(),
        status: t.status.as_deref(),
        reason: t.reason.as_deref(),
        category: t.category.as_deref(),
        quality: t.quality.as_deref(),
    };
    db::templates::apply_change(conn, &change, now)
}
