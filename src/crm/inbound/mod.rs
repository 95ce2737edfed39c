//! Recording a webhook's events: contacts, conversations, messages, statuses, media to fetch,
//! template changes and everything else raw. Runs inside one writer transaction per POST (or per
//! chunk of a large POST); each event is applied in a savepoint of its own, so one that cannot be
//! applied is kept as a dead letter and never costs the others.

mod account;
mod calls;
mod changes;
mod messages;

use crate::db::{self, Result};
use crate::whatsapp::webhook::Event;
use rusqlite::Connection;
use time::OffsetDateTime;

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
    /// Edits and deletions recorded (applied now or when their message appears).
    pub changes: usize,
    /// Account alerts for the admins.
    pub alerts: usize,
    /// Call events.
    pub calls: usize,
    /// Marketing preferences and address-book changes.
    pub contact_updates: usize,
    /// Other events stored raw.
    pub other: usize,
    /// Attachments queued for download.
    pub media: usize,
    /// Messages queued to send (a consent keyword's confirmation).
    pub replies: usize,
    /// Events that could not be applied, kept as dead letters with their error.
    pub dead_letters: usize,
}

impl std::ops::AddAssign for Outcome {
    fn add_assign(&mut self, o: Self) {
        self.messages += o.messages;
        self.duplicates += o.duplicates;
        self.statuses += o.statuses;
        self.templates += o.templates;
        self.changes += o.changes;
        self.alerts += o.alerts;
        self.calls += o.calls;
        self.contact_updates += o.contact_updates;
        self.other += o.other;
        self.media += o.media;
        self.replies += o.replies;
        self.dead_letters += o.dead_letters;
        for c in o.conversations {
            if !self.conversations.contains(&c) {
                self.conversations.push(c);
            }
        }
    }
}

impl Outcome {
    /// Notes that `conversation` changed (for live updates), once.
    fn touched(&mut self, conversation: i64) {
        if !self.conversations.contains(&conversation) {
            self.conversations.push(conversation);
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
    keywords: &crate::crm::consent::Keywords,
) -> Result<Outcome> {
    if let Some(body) = raw_body {
        db::webhook_log::insert_payload(conn, body, now)?;
    }
    let mut out = Outcome::default();
    for event in events {
        let mut one = Outcome::default();
        match db::savepoint(conn, |c| apply(c, event, now, &mut one, keywords)) {
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

fn apply(
    conn: &Connection,
    event: &Event,
    now: OffsetDateTime,
    out: &mut Outcome,
    keywords: &crate::crm::consent::Keywords,
) -> Result<()> {
    match event {
        Event::Message(m) => messages::record_message(conn, m, now, out, keywords),
        Event::Status(s) => messages::record_status(conn, s, now, out),
        Event::Change(c) => changes::record_change(conn, c, now, out),
        Event::Call(c) => calls::record_call(conn, c, now, out),
        Event::Template(t) => {
            account::record_template(conn, t, now)?;
            out.templates += 1;
            Ok(())
        }
        Event::Alert(a) => account::record_alert(conn, a, now, out),
        Event::Preference(p) => account::record_preference(conn, p, now, out),
        Event::AddressBook(e) => account::record_address_book(conn, e, now, out),
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
        Event::Change(c) => (
            format!("change {} of {}", c.wamid, c.target_wamid),
            serde_json::json!({"id": c.wamid, "original_message_id": c.target_wamid, "edit": c.edit}),
        ),
        Event::Call(c) => (
            format!("call {} ({})", c.call_id, c.state),
            serde_json::json!({"id": c.call_id, "state": c.state, "timestamp": c.timestamp}),
        ),
        Event::Alert(a) => (format!("{} alert {}", a.field, a.event), a.value.clone()),
        Event::Preference(p) => (
            format!("{} preference {}", p.category, p.value),
            serde_json::json!({"wa_id": p.customer_phone.as_ref().map(crate::model::PhoneE164::as_str),
                               "user_id": p.customer_user_id, "category": p.category, "value": p.value}),
        ),
        Event::AddressBook(e) => (
            format!("address book {}", e.action),
            serde_json::json!({"phone_number": e.phone.as_str(), "action": e.action}),
        ),
        Event::Other { field, value } => (format!("{field} event"), value.clone()),
    };
    (what, value.to_string().into_bytes())
}
