//! Outbound wire format: the Graph API body of every send type, and how Meta's errors are
//! classified for the outbox. Pure.

use super::client::GraphError;
use crate::model::{Outbound, PhoneE164, TemplateHeader, TemplateParam};
use serde_json::{Map, Value, json};

/// Who a message goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A phone number (sent with its `+`, as Meta asks).
    Phone(PhoneE164),
    /// A business-scoped user id (sent as `recipient`).
    UserId(String),
}

impl Recipient {
    /// Text form, for storage and rate limiting.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Recipient::Phone(p) => p.as_str(),
            Recipient::UserId(u) => u,
        }
    }
}

fn text_param(p: &TemplateParam) -> Value {
    let mut v = json!({"type": "text", "text": p.text});
    if let Some(name) = &p.name {
        v["parameter_name"] = json!(name);
    }
    v
}

fn interactive_frame(header: Option<&str>, body: &str, footer: Option<&str>) -> Map<String, Value> {
    let mut m = Map::new();
    if let Some(h) = header.filter(|h| !h.is_empty()) {
        m.insert("header".into(), json!({"type": "text", "text": h}));
    }
    m.insert("body".into(), json!({"text": body}));
    if let Some(f) = footer.filter(|f| !f.is_empty()) {
        m.insert("footer".into(), json!({"text": f}));
    }
    m
}

fn template(
    name: &str,
    language: &str,
    header: Option<&TemplateHeader>,
    body: &[TemplateParam],
    buttons: &[crate::model::TemplateButtonParam],
) -> Value {
    let mut components = Vec::new();
    match header {
        Some(TemplateHeader::Text { params }) if !params.is_empty() => components.push(json!({
            "type": "header", "parameters": params.iter().map(text_param).collect::<Vec<_>>()
        })),
        Some(TemplateHeader::Image { media_id }) => components.push(json!({
            "type": "header", "parameters": [{"type": "image", "image": {"id": media_id}}]
        })),
        Some(TemplateHeader::Video { media_id }) => components.push(json!({
            "type": "header", "parameters": [{"type": "video", "video": {"id": media_id}}]
        })),
        Some(TemplateHeader::Document { media_id, filename }) => {
            let mut doc = json!({"id": media_id});
            if let Some(f) = filename {
                doc["filename"] = json!(f);
            }
            components.push(
                json!({"type": "header", "parameters": [{"type": "document", "document": doc}]}),
            );
        }
        _ => {}
    }
    if !body.is_empty() {
        components.push(
            json!({"type": "body", "parameters": body.iter().map(text_param).collect::<Vec<_>>()}),
        );
    }
    for b in buttons {
        let param = if b.sub_type == "quick_reply" {
            json!({"type": "payload", "payload": b.value})
        } else {
            json!({"type": "text", "text": b.value})
        };
        components.push(json!({
            "type": "button", "sub_type": b.sub_type, "index": b.index.to_string(), "parameters": [param]
        }));
    }
    let mut t = json!({"name": name, "language": {"code": language}});
    if !components.is_empty() {
        t["components"] = Value::Array(components);
    }
    t
}

/// The `POST /{phone-number-id}/messages` body for `msg`.
#[must_use]
pub fn request_body(
    msg: &Outbound,
    to: &Recipient,
    reply_to: Option<&str>,
    callback: &str,
) -> Value {
    let mut b = json!({"messaging_product": "whatsapp", "recipient_type": "individual"});
    match to {
        Recipient::Phone(p) => b["to"] = json!(p.as_str()),
        Recipient::UserId(u) => b["recipient"] = json!(u),
    }
    let (kind, payload) = match msg {
        Outbound::Text { body, preview_url } => {
            ("text", json!({"preview_url": preview_url, "body": body}))
        }
        Outbound::Media {
            kind,
            media_id,
            caption,
            filename,
        } => {
            let mut m = json!({"id": media_id});
            if let Some(c) = caption {
                m["caption"] = json!(c);
            }
            if let (Some(f), crate::model::MediaKind::Document) = (filename, kind) {
                m["filename"] = json!(f);
            }
            (kind.as_str(), m)
        }
        Outbound::Template {
            name,
            language,
            header,
            body,
            buttons,
        } => (
            "template",
            template(name, language, header.as_ref(), body, buttons),
        ),
        Outbound::Buttons {
            header,
            body,
            footer,
            buttons,
        } => {
            let mut i = interactive_frame(header.as_deref(), body, footer.as_deref());
            i.insert("type".into(), json!("button"));
            let list: Vec<_> = buttons
                .iter()
                .map(|x| json!({"type": "reply", "reply": {"id": x.id, "title": x.title}}))
                .collect();
            i.insert("action".into(), json!({"buttons": list}));
            ("interactive", Value::Object(i))
        }
        Outbound::List {
            header,
            body,
            footer,
            button,
            sections,
        } => {
            let mut i = interactive_frame(header.as_deref(), body, footer.as_deref());
            i.insert("type".into(), json!("list"));
            let sections: Vec<_> = sections
                .iter()
                .map(|s| {
                    let rows: Vec<_> = s
                        .rows
                        .iter()
                        .map(|r| {
                            let mut row = json!({"id": r.id, "title": r.title});
                            if let Some(d) = &r.description {
                                row["description"] = json!(d);
                            }
                            row
                        })
                        .collect();
                    json!({"title": s.title, "rows": rows})
                })
                .collect();
            i.insert(
                "action".into(),
                json!({"button": button, "sections": sections}),
            );
            ("interactive", Value::Object(i))
        }
        Outbound::Reaction { message_id, emoji } => (
            "reaction",
            json!({"message_id": message_id, "emoji": emoji}),
        ),
    };
    b["type"] = json!(kind);
    b[kind] = payload;
    if let Some(r) = reply_to {
        b["context"] = json!({"message_id": r});
    }
    b["biz_opaque_callback_data"] = json!(callback);
    b
}

/// The `POST /{waba-id}/message_templates` body for a validated draft.
#[must_use]
pub fn template_create_body(d: &crate::model::TemplateDraft) -> Value {
    let mut components = Vec::new();
    if let Some(h) = d.header.as_deref().filter(|h| !h.is_empty()) {
        components.push(json!({"type": "HEADER", "format": "TEXT", "text": h}));
    }
    let mut body = json!({"type": "BODY", "text": d.body});
    if !d.examples.is_empty() {
        body["example"] = json!({"body_text": [d.examples]});
    }
    components.push(body);
    if let Some(f) = d.footer.as_deref().filter(|f| !f.is_empty()) {
        components.push(json!({"type": "FOOTER", "text": f}));
    }
    if !d.quick_replies.is_empty() {
        let buttons: Vec<_> = d
            .quick_replies
            .iter()
            .map(|q| json!({"type": "QUICK_REPLY", "text": q}))
            .collect();
        components.push(json!({"type": "BUTTONS", "buttons": buttons}));
    }
    json!({
        "name": d.name, "language": d.language, "category": d.category,
        "parameter_format": "POSITIONAL", "components": components
    })
}

/// The body that marks a customer's message (and the ones before it) as read.
#[must_use]
pub fn mark_read_body(wamid: &str) -> Value {
    json!({"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
}

/// What the outbox does with a failed send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorClass {
    /// Try again later with backoff (throughput, downtime, 5xx, network).
    Retry,
    /// Too many messages to this recipient: wait longer for this recipient only.
    PairRate,
    /// 131047: the 24-hour window is closed; only a template can go.
    WindowClosed,
    /// The access token is invalid or expired: stop sending until an admin fixes it.
    TokenInvalid,
    /// Will never work as is: fail with Meta's reason.
    Permanent,
}

/// Classifies a Graph API error (`shared/reference/whatsapp-cloud-api.md`, error table).
#[must_use]
pub fn classify(e: &GraphError) -> ErrorClass {
    match e {
        GraphError::Transport(_) | GraphError::Invalid(_) => ErrorClass::Retry,
        GraphError::TooLarge { .. } | GraphError::Io(_) => ErrorClass::Permanent,
        GraphError::Api { status, error } => match error.code {
            131_047 => ErrorClass::WindowClosed,
            190 => ErrorClass::TokenInvalid,
            0 if *status == 401 => ErrorClass::TokenInvalid,
            131_056 => ErrorClass::PairRate,
            1 | 2 | 4 | 17 | 341 | 80_007 | 130_429 | 131_000 | 131_016 | 131_057 => {
                ErrorClass::Retry
            }
            _ if *status >= 500 || *status == 429 => ErrorClass::Retry,
            _ => ErrorClass::Permanent,
        },
    }
}

#[cfg(test)]
mod tests;
