//! Parsing Meta's webhook POST bodies into events. Pure: no IO. Lenient where Meta is: ids and
//! timestamps as strings or numbers, unknown fields ignored, unknown types and fields kept raw.

use crate::model::{Content, DeliveryStatus, MessageExtras, MetaError, PhoneE164};
use serde_json::Value;
use std::fmt::Write as _;

mod account;
mod account_update;
mod calls;
mod content;
mod messages;

pub use account::{Alert, Severity};
pub use calls::CallEvent;

/// Who wrote a message stored from a webhook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Author {
    /// The customer.
    Customer,
    /// The business, from the WhatsApp Business app on its phone (coexistence echoes and
    /// history).
    BusinessApp,
}

/// A message of a conversation: a customer's, or one the business sent from the WhatsApp
/// Business app (an echo, or the phone's history).
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The business number of the conversation.
    pub phone_number_id: String,
    /// Meta's message id (`wamid.…`, though test payloads use other ids).
    pub wamid: String,
    /// Who wrote it.
    pub author: Author,
    /// True for a message from the phone's chat history (the `history` webhook).
    pub imported: bool,
    /// The customer's phone (the sender, or the recipient of the business's message).
    pub customer_phone: Option<PhoneE164>,
    /// The customer's business-scoped user id.
    pub customer_user_id: Option<String>,
    /// The customer's parent business-scoped user id.
    pub customer_parent_user_id: Option<String>,
    /// WhatsApp profile name from `value.contacts[]`.
    pub profile_name: Option<String>,
    /// WhatsApp username from `value.contacts[]`.
    pub username: Option<String>,
    /// Unix seconds.
    pub timestamp: i64,
    /// What it carries.
    pub content: Content,
    /// Reply context and ad referral.
    pub extras: MessageExtras,
    /// Errors Meta attached (unsupported type, media too large ...), including errors of the
    /// webhook value that carried it.
    pub errors: Vec<MetaError>,
    /// Delivery status a history message had on the phone.
    pub history_status: Option<DeliveryStatus>,
    /// The message object as received.
    pub raw: Value,
}

/// An edit or a deletion of an earlier message (coexistence numbers, both directions).
#[derive(Debug, Clone, PartialEq)]
pub struct MessageChange {
    /// The edit's or deletion's own id.
    pub wamid: String,
    /// The message it changes.
    pub target_wamid: String,
    /// The new content of an edit; `None` for a deletion.
    pub edit: Option<Content>,
    /// Unix seconds.
    pub timestamp: i64,
}

/// A delivery status of one of our messages.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusUpdate {
    /// The business number.
    pub phone_number_id: String,
    /// Our message's id.
    pub wamid: String,
    /// The new status.
    pub status: DeliveryStatus,
    /// Unix seconds when it happened.
    pub timestamp: i64,
    /// Recipient phone (digits), if given.
    pub recipient_id: Option<String>,
    /// Recipient business-scoped user id, if given.
    pub recipient_user_id: Option<String>,
    /// Why it failed.
    pub errors: Vec<MetaError>,
    /// Pricing category (`service`, `utility` ...).
    pub pricing_category: Option<String>,
    /// Pricing type (`regular`, `free_customer_service`, `free_entry_point`).
    pub pricing_type: Option<String>,
    /// Pricing model (`PMP`; `CBP` before July 2025).
    pub pricing_model: Option<String>,
    /// `pricing.billable`, while Meta still sends it.
    pub billable: Option<bool>,
    /// `biz_opaque_callback_data` we set when sending.
    pub callback_data: Option<String>,
    /// The `conversation` object: (id, origin type, expiration unix seconds).
    pub conversation: Option<(String, Option<String>, Option<i64>)>,
}

/// A template changed at Meta (status, quality or category).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateUpdate {
    /// Meta's template id.
    pub meta_id: String,
    /// Template name.
    pub name: Option<String>,
    /// Language code.
    pub language: Option<String>,
    /// New status (`APPROVED`, `REJECTED`, `PAUSED` ...).
    pub status: Option<String>,
    /// Rejection or pause reason.
    pub reason: Option<String>,
    /// New category.
    pub category: Option<String>,
    /// New quality score (`GREEN`, `YELLOW`, `RED`).
    pub quality: Option<String>,
}

/// A customer's marketing-message preference (`user_preferences`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preference {
    /// The customer's phone.
    pub customer_phone: Option<PhoneE164>,
    /// The customer's business-scoped user id.
    pub customer_user_id: Option<String>,
    /// `marketing_messages`, or another category Meta adds.
    pub category: String,
    /// `stop` or `resume`.
    pub value: String,
    /// Meta's words.
    pub detail: String,
    /// Unix seconds.
    pub timestamp: i64,
}

/// A contact saved, changed or removed in the WhatsApp Business app's address book
/// (`smb_app_state_sync`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressBookEntry {
    /// The contact's phone.
    pub phone: PhoneE164,
    /// The name saved on the phone (absent on removal).
    pub full_name: Option<String>,
    /// `add` (added or edited) or `remove`.
    pub action: String,
    /// Unix seconds.
    pub timestamp: i64,
}

/// One thing a webhook POST tells us.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A message of a conversation.
    Message(Box<InboundMessage>),
    /// An edit or deletion of a message.
    Change(Box<MessageChange>),
    /// A status of one of our messages.
    Status(StatusUpdate),
    /// A template update.
    Template(TemplateUpdate),
    /// A customer's marketing preference.
    Preference(Preference),
    /// Something the business's admins must know about its account, number or templates.
    Alert(Alert),
    /// A voice call event.
    Call(Box<CallEvent>),
    /// A change in the WhatsApp Business app's address book.
    AddressBook(AddressBookEntry),
    /// Anything else (unknown fields and types), kept raw under its field name.
    Other {
        /// The webhook field, e.g. `partner_solutions`, or `messages.invalid`.
        field: String,
        /// The value as received.
        value: Value,
    },
}

/// Why a body could not be parsed at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

/// Text of a string or number value.
pub(super) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Non-empty text.
pub(super) fn nonempty(v: Option<&Value>) -> Option<String> {
    text(v).filter(|s| !s.is_empty())
}

/// An integer given as a number or a numeric string.
pub(super) fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        // Whole seconds from a float timestamp; truncation is the intent.
        #[allow(clippy::cast_possible_truncation)]
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A float given as a number or a numeric string.
pub(super) fn float(v: Option<&Value>) -> Option<f64> {
    match v? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

pub(super) fn array(v: Option<&Value>) -> &[Value] {
    v.and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

/// Meta's error objects (`code`, `title`, `message`, `error_data.details`).
pub(super) fn errors(v: Option<&Value>) -> Vec<MetaError> {
    array(v)
        .iter()
        .map(|e| MetaError {
            code: int(e.get("code")).unwrap_or(0),
            title: text(e.get("title")).unwrap_or_default(),
            message: text(e.get("message")).unwrap_or_default(),
            details: text(e.get("error_data").and_then(|d| d.get("details"))).unwrap_or_default(),
        })
        .collect()
}

/// Longest text kept from any field of an event, in characters: WhatsApp's own limit for a text
/// message. Longer strings are cut with a marker; the POST's raw body, kept for the retention
/// period, still has them whole.
pub const MAX_TEXT_CHARS: usize = 4096;

/// Cuts every string in `v` longer than [`MAX_TEXT_CHARS`], marking the cut; returns how many
/// were cut (the stored text shows it). Bounded: `serde_json` refuses documents nested deeper than 128 levels.
fn cap_strings(v: &mut Value) -> usize {
    match v {
        // Bytes first: most strings are far shorter, and counting chars costs a pass.
        Value::String(s) if s.len() > MAX_TEXT_CHARS => {
            let total = s.chars().count();
            if total <= MAX_TEXT_CHARS {
                return 0;
            }
            let end = s
                .char_indices()
                .nth(MAX_TEXT_CHARS)
                .map_or(s.len(), |(i, _)| i);
            s.truncate(end);
            let _ = write!(s, "\u{2026} [cut: {total} characters in all]");
            1
        }
        Value::Array(a) => a.iter_mut().map(cap_strings).sum(),
        Value::Object(o) => o.values_mut().map(cap_strings).sum(),
        _ => 0,
    }
}

/// Parses a webhook body. Only a body that is not a JSON object fails; everything inside is
/// turned into events, unknown parts into `Event::Other`. Strings longer than
/// [`MAX_TEXT_CHARS`] are cut, so one body cannot put unbounded text into the store.
pub fn parse(body: &[u8]) -> Result<Vec<Event>, ParseError> {
    let root: Value =
        serde_json::from_slice(body).map_err(|e| ParseError(format!("invalid JSON: {e}")))?;
    let Some(obj) = root.as_object() else {
        return Err(ParseError("the body is not a JSON object".into()));
    };
    let mut events = Vec::new();
    if obj.get("object").and_then(Value::as_str) != Some("whatsapp_business_account") {
        events.push(Event::Other {
            field: format!("object:{}", text(obj.get("object")).unwrap_or_default()),
            value: root.clone(),
        });
        return Ok(events);
    }
    for entry in array(obj.get("entry")) {
        for change in array(entry.get("changes")) {
            let field = text(change.get("field")).unwrap_or_default();
            let mut value = change.get("value").cloned().unwrap_or(Value::Null);
            cap_strings(&mut value);
            parse_change(&field, int(entry.get("time")), &value, &mut events);
        }
    }
    Ok(events)
}

fn parse_change(field: &str, entry_time: Option<i64>, value: &Value, events: &mut Vec<Event>) {
    match field {
        "messages" => messages::messages_value(value, events),
        "smb_message_echoes" => messages::echoes_value(value, events),
        "history" => messages::history_value(value, events),
        "calls" => calls::calls_value(value, events),
        "user_preferences" => messages::preferences_value(value, events),
        "smb_app_state_sync" => messages::address_book_value(value, events),
        "message_template_status_update"
        | "message_template_quality_update"
        | "template_category_update" => match template_update(field, value) {
            Some(t) => events.push(Event::Template(t)),
            None => events.push(Event::Other {
                field: field.to_string(),
                value: value.clone(),
            }),
        },
        _ => match account::alert_of(field, entry_time, value) {
            Some(alert) => events.push(Event::Alert(alert)),
            None => events.push(Event::Other {
                field: field.to_string(),
                value: value.clone(),
            }),
        },
    }
}

pub(super) fn status(phone_number_id: &str, s: &Value) -> Option<StatusUpdate> {
    Some(StatusUpdate {
        phone_number_id: phone_number_id.to_string(),
        wamid: nonempty(s.get("id"))?,
        status: DeliveryStatus::parse(&text(s.get("status"))?)?,
        timestamp: int(s.get("timestamp")).unwrap_or(0),
        recipient_id: nonempty(s.get("recipient_id")),
        recipient_user_id: nonempty(s.get("recipient_user_id")),
        errors: errors(s.get("errors")),
        pricing_category: nonempty(s.get("pricing").and_then(|p| p.get("category"))),
        pricing_type: nonempty(s.get("pricing").and_then(|p| p.get("type"))),
        pricing_model: nonempty(s.get("pricing").and_then(|p| p.get("pricing_model"))),
        billable: s
            .get("pricing")
            .and_then(|p| p.get("billable"))
            .and_then(Value::as_bool),
        callback_data: nonempty(s.get("biz_opaque_callback_data")),
        conversation: s.get("conversation").and_then(|c| {
            Some((
                nonempty(c.get("id"))?,
                nonempty(c.get("origin").and_then(|o| o.get("type"))),
                int(c.get("expiration_timestamp")),
            ))
        }),
    })
}

fn template_update(field: &str, v: &Value) -> Option<TemplateUpdate> {
    let mut t = TemplateUpdate {
        meta_id: text(v.get("message_template_id"))?,
        name: nonempty(v.get("message_template_name")),
        language: nonempty(v.get("message_template_language")),
        status: None,
        reason: None,
        category: None,
        quality: None,
    };
    match field {
        "message_template_status_update" => {
            t.status = nonempty(v.get("event"));
            t.reason = nonempty(v.get("reason"))
                .filter(|r| r != "NONE")
                .or_else(|| nonempty(v.get("rejection_info").and_then(|r| r.get("reason"))))
                .or_else(|| nonempty(v.get("other_info").and_then(|r| r.get("description"))));
            t.category = nonempty(v.get("message_template_category"));
        }
        "message_template_quality_update" => t.quality = nonempty(v.get("new_quality_score")),
        "template_category_update" => t.category = nonempty(v.get("new_category")),
        _ => {}
    }
    Some(t)
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_fields;
