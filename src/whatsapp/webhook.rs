//! Parsing Meta's webhook POST bodies into events. Pure: no IO. Lenient where Meta is: ids and
//! timestamps as strings or numbers, unknown fields ignored, unknown types and fields kept raw.

use crate::model::{
    Content, DeliveryStatus, MessageContext, MessageExtras, MetaError, PhoneE164, Referral,
};
use serde_json::{Map, Value};
use std::fmt::Write as _;

mod content;

/// A customer's message.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The business number it was sent to.
    pub phone_number_id: String,
    /// Meta's message id (`wamid.…`, though test payloads use other ids).
    pub wamid: String,
    /// Sender's phone, when Meta gives it.
    pub from_phone: Option<PhoneE164>,
    /// Sender's business-scoped user id, when Meta gives it.
    pub from_user_id: Option<String>,
    /// Sender's parent business-scoped user id.
    pub from_parent_user_id: Option<String>,
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
    /// Errors Meta attached (unsupported type, media too large ...).
    pub errors: Vec<MetaError>,
    /// The message object as received.
    pub raw: Value,
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
    /// `biz_opaque_callback_data` we set when sending.
    pub callback_data: Option<String>,
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

/// One thing a webhook POST tells us.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A customer's message.
    Message(Box<InboundMessage>),
    /// A status of one of our messages.
    Status(StatusUpdate),
    /// A template update.
    Template(TemplateUpdate),
    /// Anything else (account alerts, quality updates, echoes, errors, unknown fields), kept
    /// raw under its field name.
    Other {
        /// The webhook field, e.g. `phone_number_quality_update`, or `messages.errors`.
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

fn array(v: Option<&Value>) -> &[Value] {
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
            parse_change(&field, &value, &mut events);
        }
    }
    Ok(events)
}

fn parse_change(field: &str, value: &Value, events: &mut Vec<Event>) {
    match field {
        "messages" => parse_messages_value(value, events),
        "message_template_status_update"
        | "message_template_quality_update"
        | "template_category_update" => match template_update(field, value) {
            Some(t) => events.push(Event::Template(t)),
            None => events.push(Event::Other {
                field: field.to_string(),
                value: value.clone(),
            }),
        },
        _ => events.push(Event::Other {
            field: field.to_string(),
            value: value.clone(),
        }),
    }
}

fn parse_messages_value(value: &Value, events: &mut Vec<Event>) {
    let phone_number_id =
        text(value.get("metadata").and_then(|m| m.get("phone_number_id"))).unwrap_or_default();
    let contacts = array(value.get("contacts"));
    for m in array(value.get("messages")) {
        match message(&phone_number_id, contacts, m) {
            Some(msg) => events.push(Event::Message(Box::new(msg))),
            None => events.push(Event::Other {
                field: "messages.invalid".into(),
                value: m.clone(),
            }),
        }
    }
    for s in array(value.get("statuses")) {
        match status(&phone_number_id, s) {
            Some(st) => events.push(Event::Status(st)),
            None => events.push(Event::Other {
                field: "statuses.invalid".into(),
                value: s.clone(),
            }),
        }
    }
    if value.get("errors").is_some() {
        events.push(Event::Other {
            field: "messages.errors".into(),
            value: value.clone(),
        });
    }
}

/// The `value.contacts[]` entry for a sender, matched by phone or user id.
fn sender_profile<'a>(
    contacts: &'a [Value],
    wa_id: Option<&str>,
    user_id: Option<&str>,
) -> Option<&'a Map<String, Value>> {
    let matches = |c: &Value| {
        let by_phone = wa_id.is_some() && text(c.get("wa_id")).as_deref() == wa_id;
        let by_user = user_id.is_some() && text(c.get("user_id")).as_deref() == user_id;
        by_phone || by_user
    };
    contacts
        .iter()
        .find(|c| matches(c))
        .or(if contacts.len() == 1 {
            contacts.first()
        } else {
            None
        })
        .and_then(Value::as_object)
}

fn message(phone_number_id: &str, contacts: &[Value], m: &Value) -> Option<InboundMessage> {
    let wamid = nonempty(m.get("id"))?;
    let from = nonempty(m.get("from"));
    let from_user_id = nonempty(m.get("from_user_id"));
    let from_phone = from.as_deref().and_then(PhoneE164::from_international);
    if from_phone.is_none() && from_user_id.is_none() {
        return None;
    }
    let profile = sender_profile(contacts, from.as_deref(), from_user_id.as_deref());
    let profile_name = profile.and_then(|p| nonempty(p.get("profile").and_then(|x| x.get("name"))));
    let username = profile.and_then(|p| nonempty(p.get("profile").and_then(|x| x.get("username"))));
    // The contacts entry may carry the user id when the message does not.
    let from_user_id = from_user_id.or_else(|| profile.and_then(|p| nonempty(p.get("user_id"))));
    let kind = text(m.get("type")).unwrap_or_default();
    Some(InboundMessage {
        phone_number_id: phone_number_id.to_string(),
        wamid,
        from_phone,
        from_user_id,
        from_parent_user_id: nonempty(m.get("from_parent_user_id")),
        profile_name,
        username,
        timestamp: int(m.get("timestamp")).unwrap_or(0),
        content: content::parse(&kind, m),
        extras: MessageExtras {
            context: context(m.get("context")),
            referral: referral(m.get("referral")),
        },
        errors: errors(m.get("errors")),
        raw: m.clone(),
    })
}

fn context(v: Option<&Value>) -> Option<MessageContext> {
    let c = v?.as_object()?;
    let referred_product = c.get("referred_product").and_then(|p| {
        Some((
            text(p.get("catalog_id")).unwrap_or_default(),
            text(p.get("product_retailer_id"))?,
        ))
    });
    let ctx = MessageContext {
        quoted_wamid: nonempty(c.get("id")),
        quoted_from: nonempty(c.get("from")),
        forwarded: c.get("forwarded").and_then(Value::as_bool).unwrap_or(false),
        frequently_forwarded: c
            .get("frequently_forwarded")
            .and_then(Value::as_bool)
            .unwrap_or(false),
        referred_product,
    };
    Some(ctx).filter(|c| *c != MessageContext::default())
}

fn referral(v: Option<&Value>) -> Option<Referral> {
    let r = v?.as_object()?;
    Some(Referral {
        source_type: text(r.get("source_type")).unwrap_or_default(),
        source_id: text(r.get("source_id")).unwrap_or_default(),
        source_url: text(r.get("source_url")).unwrap_or_default(),
        headline: nonempty(r.get("headline")),
        body: nonempty(r.get("body")),
        media_type: nonempty(r.get("media_type")),
        image_url: nonempty(r.get("image_url")),
        video_url: nonempty(r.get("video_url")),
        ctwa_clid: nonempty(r.get("ctwa_clid")),
    })
}

fn status(phone_number_id: &str, s: &Value) -> Option<StatusUpdate> {
    Some(StatusUpdate {
        phone_number_id: phone_number_id.to_string(),
        wamid: nonempty(s.get("id"))?,
        status: DeliveryStatus::parse(&text(s.get("status"))?)?,
        timestamp: int(s.get("timestamp")).unwrap_or(0),
        recipient_id: nonempty(s.get("recipient_id")),
        recipient_user_id: nonempty(s.get("recipient_user_id")),
        errors: errors(s.get("errors")),
        pricing_category: nonempty(s.get("pricing").and_then(|p| p.get("category"))),
        callback_data: nonempty(s.get("biz_opaque_callback_data")),
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
        _ => t.category = nonempty(v.get("new_category")),
    }
    Some(t)
}

#[cfg(test)]
mod tests;
