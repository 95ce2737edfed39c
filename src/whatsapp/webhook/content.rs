//! The type-specific object of an inbound message (`text`, `image`, `order` ...).

use super::{float, int, nonempty, text};
use crate::model::{Content, MediaRef, OrderItem, SharedContact, SharedPhone};
use serde_json::Value;

fn media(v: Option<&Value>) -> Option<MediaRef> {
    let m = v?;
    Some(MediaRef {
        id: nonempty(m.get("id"))?,
        mime_type: text(m.get("mime_type")).unwrap_or_default(),
        sha256: text(m.get("sha256")).unwrap_or_default(),
        caption: nonempty(m.get("caption")),
        filename: nonempty(m.get("filename")),
    })
}

fn flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true",
        _ => false,
    }
}

fn unsupported(m: &Value, kind: &str) -> Content {
    let named = m
        .get("unsupported")
        .and_then(|u| nonempty(u.get("type")))
        .or_else(|| {
            (!kind.is_empty() && kind != "unsupported" && kind != "unknown")
                .then(|| kind.to_string())
        });
    Content::Unsupported { kind: named }
}

fn shared_contacts(v: Option<&Value>) -> Vec<SharedContact> {
    let list = v.and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
    list.iter()
        .map(|c| {
            let name = c.get("name");
            let formatted =
                nonempty(name.and_then(|n| n.get("formatted_name"))).unwrap_or_else(|| {
                    let given = text(name.and_then(|n| n.get("first_name"))).unwrap_or_default();
                    let family = text(name.and_then(|n| n.get("last_name"))).unwrap_or_default();
                    format!("{given} {family}").trim().to_string()
                });
            let phones = c
                .get("phones")
                .and_then(Value::as_array)
                .map(|ps| {
                    ps.iter()
                        .map(|p| SharedPhone {
                            phone: text(p.get("phone")).unwrap_or_default(),
                            wa_id: nonempty(p.get("wa_id")),
                            kind: nonempty(p.get("type")),
                        })
                        .collect()
                })
                .unwrap_or_default();
            let emails = c
                .get("emails")
                .and_then(Value::as_array)
                .map(|es| es.iter().filter_map(|e| nonempty(e.get("email"))).collect())
                .unwrap_or_default();
            SharedContact {
                name: formatted,
                phones,
                emails,
            }
        })
        .collect()
}

fn order(o: &Value) -> Content {
    let items = o
        .get("product_items")
        .and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .map(|i| OrderItem {
                    product_retailer_id: text(i.get("product_retailer_id")).unwrap_or_default(),
                    quantity: int(i.get("quantity")).unwrap_or(0),
                    item_price: text(i.get("item_price")).unwrap_or_default(),
                    currency: text(i.get("currency")).unwrap_or_default(),
                })
                .collect()
        })
        .unwrap_or_default();
    Content::Order {
        catalog_id: text(o.get("catalog_id")).unwrap_or_default(),
        text: nonempty(o.get("text")),
        items,
    }
}

fn interactive(i: &Value) -> Content {
    let kind = text(i.get("type")).unwrap_or_default();
    let part = i.get(&kind);
    match (kind.as_str(), part) {
        ("button_reply", Some(b)) => Content::ButtonReply {
            id: text(b.get("id")).unwrap_or_default(),
            title: text(b.get("title")).unwrap_or_default(),
        },
        ("list_reply", Some(l)) => Content::ListReply {
            id: text(l.get("id")).unwrap_or_default(),
            title: text(l.get("title")).unwrap_or_default(),
            description: nonempty(l.get("description")),
        },
        ("nfm_reply", Some(n)) => Content::FlowReply {
            name: text(n.get("name")).unwrap_or_default(),
            body: text(n.get("body")).unwrap_or_default(),
            response_json: match n.get("response_json") {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
        },
        ("call_permission_reply", Some(c)) => Content::CallPermission {
            response: text(c.get("response")).unwrap_or_default(),
            expires_at: int(c.get("expiration_timestamp")),
            source: nonempty(c.get("response_source")),
        },
        _ => Content::InteractiveOther { kind },
    }
}

/// Every type whose object the parser reads, to type a message Meta sent without `type`.
const TYPED: &[&str] = &[
    "text",
    "image",
    "video",
    "audio",
    "document",
    "sticker",
    "location",
    "contacts",
    "interactive",
    "button",
    "reaction",
    "order",
    "system",
    "edit",
    "revoke",
];

/// The type of a message without `type`, from the one object it carries.
pub(super) fn infer_type(m: &Value) -> Option<String> {
    let obj = m.as_object()?;
    TYPED
        .iter()
        .find(|k| {
            obj.get(**k).is_some_and(Value::is_object)
                || (**k == "contacts" && obj.get("contacts").is_some_and(Value::is_array))
        })
        .map(|k| (*k).to_string())
}

fn system(s: &Value) -> Content {
    Content::System {
        kind: text(s.get("type")).unwrap_or_default(),
        body: text(s.get("body")).unwrap_or_default(),
        new_wa_id: nonempty(s.get("wa_id")).or_else(|| nonempty(s.get("new_wa_id"))),
        new_user_id: nonempty(s.get("user_id")),
    }
}

/// Parses the content of a message of type `kind`; anything unexpected becomes `Unsupported`.
pub(super) fn parse(kind: &str, m: &Value) -> Content {
    let part = m.get(kind);
    let parsed = match kind {
        "text" => part.map(|t| Content::Text {
            body: text(t.get("body")).unwrap_or_default(),
        }),
        "image" => media(part).map(Content::Image),
        "video" => media(part).map(Content::Video),
        "document" => media(part).map(Content::Document),
        "audio" => media(part).map(|media| Content::Audio {
            media,
            voice: flag(part.and_then(|a| a.get("voice"))),
        }),
        "sticker" => media(part).map(|media| Content::Sticker {
            media,
            animated: flag(part.and_then(|s| s.get("animated"))),
        }),
        "location" => part.and_then(|l| {
            let (latitude, longitude) = (float(l.get("latitude")), float(l.get("longitude")));
            let name = nonempty(l.get("name"));
            let address = nonempty(l.get("address"));
            // Coordinates that do not parse lose only themselves: the place is still named.
            if (latitude.is_none() || longitude.is_none()) && name.is_none() && address.is_none() {
                return None;
            }
            Some(Content::Location {
                latitude: latitude.filter(|_| longitude.is_some()),
                longitude: longitude.filter(|_| latitude.is_some()),
                name,
                address,
                url: nonempty(l.get("url")),
            })
        }),
        "contacts" => Some(Content::Contacts {
            contacts: shared_contacts(part),
        }),
        "interactive" => part.map(interactive),
        "button" => part.map(|b| Content::QuickReply {
            payload: text(b.get("payload")).unwrap_or_default(),
            text: text(b.get("text")).unwrap_or_default(),
        }),
        "reaction" => part.and_then(|r| {
            Some(Content::Reaction {
                message_id: nonempty(r.get("message_id"))?,
                emoji: nonempty(r.get("emoji")),
            })
        }),
        "order" => part.map(order),
        "system" => part.map(system),
        "request_welcome" => Some(Content::RequestWelcome),
        _ => None,
    };
    parsed.unwrap_or_else(|| unsupported(m, kind))
}
