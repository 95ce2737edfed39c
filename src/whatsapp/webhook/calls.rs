//! The `calls` field (a call connecting and ending) and call statuses (`statuses[]` with
//! `type: call`: ringing, accepted, rejected), as call events for the conversation.

use super::{Event, array, int, nonempty, text};
use crate::model::PhoneE164;
use serde_json::Value;

/// Something that happened to a WhatsApp voice call.
#[derive(Debug, Clone, PartialEq)]
pub struct CallEvent {
    /// The business number.
    pub phone_number_id: String,
    /// Meta's call id (`wacid.…`).
    pub call_id: String,
    /// True when the business called.
    pub business_initiated: bool,
    /// The customer's phone.
    pub customer_phone: Option<PhoneE164>,
    /// The customer's business-scoped user id.
    pub customer_user_id: Option<String>,
    /// WhatsApp profile name.
    pub profile_name: Option<String>,
    /// `ringing`, `connected`, `answered`, `missed`, `rejected` or `failed`.
    pub state: String,
    /// Seconds talked.
    pub duration: Option<i64>,
    /// Unix seconds it connected.
    pub started_at: Option<i64>,
    /// Unix seconds it ended.
    pub ended_at: Option<i64>,
    /// Unix seconds of this event.
    pub timestamp: i64,
}

/// `value` of the `calls` field.
pub(super) fn calls_value(value: &Value, events: &mut Vec<Event>) {
    let meta = value.get("metadata");
    let phone_number_id = text(meta.and_then(|m| m.get("phone_number_id"))).unwrap_or_default();
    let business: Option<String> = nonempty(meta.and_then(|m| m.get("display_phone_number")));
    let contacts = array(value.get("contacts"));
    for c in array(value.get("calls")) {
        let Some(call_id) = nonempty(c.get("id")) else {
            events.push(Event::Other {
                field: "calls.invalid".into(),
                value: c.clone(),
            });
            continue;
        };
        let business_initiated = text(c.get("direction")).as_deref() == Some("BUSINESS_INITIATED");
        let (from, to) = (nonempty(c.get("from")), nonempty(c.get("to")));
        let customer = if business_initiated || from == business {
            to
        } else {
            from
        };
        let profile = contacts
            .iter()
            .find(|p| text(p.get("wa_id")) == customer)
            .or(if contacts.len() == 1 {
                contacts.first()
            } else {
                None
            });
        let duration = int(c.get("duration"));
        let state = match text(c.get("event")).as_deref() {
            Some("connect") => "ringing",
            Some("terminate") if duration.is_some_and(|d| d > 0) => "answered",
            Some("terminate")
                if text(c.get("status")).as_deref() == Some("FAILED") && business_initiated =>
            {
                "failed"
            }
            Some("terminate") => "missed",
            _ => {
                events.push(Event::Other {
                    field: "calls".into(),
                    value: c.clone(),
                });
                continue;
            }
        };
        events.push(Event::Call(Box::new(CallEvent {
            phone_number_id: phone_number_id.clone(),
            call_id,
            business_initiated,
            customer_phone: customer.as_deref().and_then(PhoneE164::from_international),
            customer_user_id: nonempty(c.get("from_user_id"))
                .or_else(|| profile.and_then(|p| nonempty(p.get("user_id")))),
            profile_name: profile
                .and_then(|p| nonempty(p.get("profile").and_then(|x| x.get("name")))),
            state: state.into(),
            duration,
            started_at: int(c.get("start_time")),
            ended_at: int(c.get("end_time")),
            timestamp: int(c.get("timestamp")).unwrap_or(0),
        })));
    }
    for s in array(value.get("statuses")) {
        match call_status(&phone_number_id, s) {
            Some(e) => events.push(e),
            None => events.push(Event::Other {
                field: "calls.invalid".into(),
                value: s.clone(),
            }),
        }
    }
    let errors = super::errors(value.get("errors"));
    if !errors.is_empty() {
        events.extend(super::account::value_errors(&errors, value));
    }
}

/// A status of a call the business placed.
pub(super) fn call_status(phone_number_id: &str, s: &Value) -> Option<Event> {
    let state = match text(s.get("status"))?.to_ascii_uppercase().as_str() {
        "RINGING" => "ringing",
        "ACCEPTED" => "connected",
        "REJECTED" => "rejected",
        _ => {
            return Some(Event::Other {
                field: "calls.status".into(),
                value: s.clone(),
            });
        }
    };
    Some(Event::Call(Box::new(CallEvent {
        phone_number_id: phone_number_id.to_string(),
        call_id: nonempty(s.get("id"))?,
        business_initiated: true,
        customer_phone: nonempty(s.get("recipient_id"))
            .as_deref()
            .and_then(PhoneE164::from_international),
        customer_user_id: nonempty(s.get("recipient_user_id")),
        profile_name: None,
        state: state.into(),
        duration: None,
        started_at: None,
        ended_at: None,
        timestamp: int(s.get("timestamp")).unwrap_or(0),
    })))
}
