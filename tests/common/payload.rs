//! Webhook payloads as Meta sends them (the envelope of `object`, `entry` and `changes`, written
//! once), for tests that need a message or status that no fixture file has.
#![allow(dead_code)] // each test crate uses part of it

use serde_json::{Value, json};

/// The business number the tests' payloads are addressed to.
pub const PNID: &str = "200000000000002";

/// A `messages` change value wrapped in the envelope.
#[must_use]
pub fn envelope(value: &Value) -> Value {
    json!({"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"field": "messages", "value": value}]}]})
}

/// The customer `customer` (a `wa_id`, profile name `name`) sends `message` (its `from` is
/// filled in).
#[must_use]
pub fn message_from(customer: &str, name: &str, message: &Value) -> Value {
    let mut m = message.clone();
    m["from"] = json!(customer);
    envelope(&json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009999", "phone_number_id": PNID},
        "contacts": [{"profile": {"name": name}, "wa_id": customer}],
        "messages": [m],
    }))
}

/// A text message `id` (a wamid) from the customer `customer` at Unix time `ts`.
#[must_use]
pub fn text_from(customer: &str, name: &str, id: &str, ts: i64, body: &str) -> Value {
    message_from(
        customer,
        name,
        &json!({"id": id, "timestamp": ts.to_string(), "type": "text", "text": {"body": body}}),
    )
}

/// A status of the outbound message `wamid`; `callback` is the `biz_opaque_callback_data` sent.
#[must_use]
pub fn status(
    wamid: &str,
    status: &str,
    ts: i64,
    recipient: &str,
    callback: Option<&str>,
) -> Value {
    let mut s = json!({"id": wamid, "status": status, "timestamp": ts.to_string(), "recipient_id": recipient});
    if let Some(c) = callback {
        s["biz_opaque_callback_data"] = json!(c);
    }
    envelope(&json!({
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009999", "phone_number_id": PNID},
        "statuses": [s],
    }))
}
