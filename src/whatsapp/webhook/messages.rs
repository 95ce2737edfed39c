//! The message-bearing fields: `messages` (the customer's messages and our statuses),
//! `smb_message_echoes` (what the business sent from the WhatsApp Business app), `history`
//! (the phone's chat history when coexistence is set up), `user_preferences` and
//! `smb_app_state_sync`.

use super::{
    AddressBookEntry, Author, Event, InboundMessage, MessageChange, Preference, array, content,
    errors, int, nonempty, status, text,
};
use crate::model::{DeliveryStatus, MessageContext, MessageExtras, MetaError, PhoneE164, Referral};
use serde_json::{Map, Value};

/// What every message of one webhook value shares.
struct Source<'a> {
    phone_number_id: String,
    /// The business's own number, digits only.
    display_phone: Option<String>,
    contacts: &'a [Value],
    /// `value.errors[]`: they explain the value's messages that carry none of their own.
    errors: Vec<MetaError>,
}

impl<'a> Source<'a> {
    fn new(value: &'a Value) -> Self {
        let meta = value.get("metadata");
        Source {
            phone_number_id: text(meta.and_then(|m| m.get("phone_number_id"))).unwrap_or_default(),
            display_phone: nonempty(meta.and_then(|m| m.get("display_phone_number")))
                .map(|d| d.chars().filter(char::is_ascii_digit).collect()),
            contacts: array(value.get("contacts")),
            errors: errors(value.get("errors")),
        }
    }

    fn is_business(&self, number: Option<&str>) -> bool {
        let digits = |n: &str| n.chars().filter(char::is_ascii_digit).collect::<String>();
        matches!((number, &self.display_phone), (Some(n), Some(d)) if !d.is_empty() && digits(n) == *d)
    }
}

/// The customer a message is with, as the message names them.
#[derive(Default)]
struct Customer {
    phone: Option<String>,
    user_id: Option<String>,
    parent: Option<String>,
}

/// `value` of the `messages` field: messages, statuses (of messages and calls) and the errors
/// that explain them.
pub(super) fn messages_value(value: &Value, events: &mut Vec<Event>) {
    let src = Source::new(value);
    let messages = array(value.get("messages"));
    for m in messages {
        let customer = Customer {
            phone: nonempty(m.get("from")),
            user_id: nonempty(m.get("from_user_id")),
            parent: nonempty(m.get("from_parent_user_id")),
        };
        one(&src, m, customer, Author::Customer, events);
    }
    let statuses = array(value.get("statuses"));
    for s in statuses {
        if text(s.get("type")).as_deref() == Some("call") {
            events.extend(super::calls::call_status(&src.phone_number_id, s));
            continue;
        }
        match status(&src.phone_number_id, s) {
            Some(st) => events.push(Event::Status(st)),
            None => events.push(Event::Other {
                field: "statuses.invalid".into(),
                value: s.clone(),
            }),
        }
    }
    if messages.is_empty() && !src.errors.is_empty() {
        events.extend(super::account::value_errors(&src.errors, value));
    }
}

/// `value` of `smb_message_echoes`: messages the business sent from the WhatsApp Business app.
pub(super) fn echoes_value(value: &Value, events: &mut Vec<Event>) {
    let src = Source::new(value);
    for m in array(value.get("message_echoes")) {
        let (to, from) = (nonempty(m.get("to")), nonempty(m.get("from")));
        // The customer is the party that is not the business's own number.
        let phone = if src.is_business(to.as_deref()) {
            from
        } else {
            to
        };
        let customer = Customer {
            phone,
            user_id: nonempty(m.get("to_user_id")),
            parent: nonempty(m.get("to_parent_user_id")),
        };
        one(&src, m, customer, Author::BusinessApp, events);
    }
}

/// `value` of `history`: the phone's chat history, thread by thread; a business that declined
/// to share it sends only errors.
pub(super) fn history_value(value: &Value, events: &mut Vec<Event>) {
    let src = Source::new(value);
    for chunk in array(value.get("history")) {
        for thread in array(chunk.get("threads")) {
            let customer_phone = nonempty(thread.get("id"));
            for m in array(thread.get("messages")) {
                let from = nonempty(m.get("from"));
                let by_business = m.get("to").is_some()
                    || src.is_business(from.as_deref())
                    || (from.is_some() && from != customer_phone);
                let customer = Customer {
                    phone: customer_phone.clone(),
                    ..Customer::default()
                };
                let author = if by_business {
                    Author::BusinessApp
                } else {
                    Author::Customer
                };
                let before = events.len();
                one(&src, m, customer, author, events);
                if let Some(Event::Message(msg)) = events.get_mut(before) {
                    msg.imported = true;
                    msg.history_status =
                        text(m.get("history_context").and_then(|h| h.get("status")))
                            .and_then(|s| DeliveryStatus::parse(&s.to_ascii_lowercase()));
                }
            }
        }
        let chunk_errors = errors(chunk.get("errors"));
        if !chunk_errors.is_empty() {
            events.extend(super::account::history_errors(&chunk_errors, chunk));
        }
    }
}

/// `value` of `user_preferences`: a customer stopped or resumed marketing messages.
pub(super) fn preferences_value(value: &Value, events: &mut Vec<Event>) {
    let contacts = array(value.get("contacts"));
    for p in array(value.get("user_preferences")) {
        let single = (contacts.len() == 1).then(|| &contacts[0]);
        let phone =
            nonempty(p.get("wa_id")).or_else(|| single.and_then(|c| nonempty(c.get("wa_id"))));
        let user_id =
            nonempty(p.get("user_id")).or_else(|| single.and_then(|c| nonempty(c.get("user_id"))));
        let customer_phone = phone.as_deref().and_then(PhoneE164::from_international);
        if customer_phone.is_none() && user_id.is_none() {
            events.push(Event::Other {
                field: "user_preferences.invalid".into(),
                value: p.clone(),
            });
            continue;
        }
        events.push(Event::Preference(Preference {
            customer_phone,
            customer_user_id: user_id,
            category: text(p.get("category")).unwrap_or_default(),
            value: text(p.get("value")).unwrap_or_default(),
            detail: text(p.get("detail")).unwrap_or_default(),
            timestamp: int(p.get("timestamp")).unwrap_or(0),
        }));
    }
}

/// `value` of `smb_app_state_sync`: the WhatsApp Business app's address book.
pub(super) fn address_book_value(value: &Value, events: &mut Vec<Event>) {
    for s in array(value.get("state_sync")) {
        let contact = s.get("contact");
        let phone = nonempty(contact.and_then(|c| c.get("phone_number")))
            .as_deref()
            .and_then(PhoneE164::from_international);
        match (text(s.get("type")).as_deref(), phone) {
            (Some("contact"), Some(phone)) => events.push(Event::AddressBook(AddressBookEntry {
                phone,
                full_name: nonempty(contact.and_then(|c| c.get("full_name")))
                    .or_else(|| nonempty(contact.and_then(|c| c.get("first_name")))),
                action: text(s.get("action")).unwrap_or_default(),
                timestamp: int(s.get("metadata").and_then(|m| m.get("timestamp"))).unwrap_or(0),
            })),
            _ => events.push(Event::Other {
                field: "smb_app_state_sync".into(),
                value: s.clone(),
            }),
        }
    }
}

/// The `value.contacts[]` entry for a customer, matched by phone or user id (or the only one).
fn profile<'a>(contacts: &'a [Value], c: &Customer) -> Option<&'a Map<String, Value>> {
    let matches = |v: &Value| {
        let by_phone = c.phone.is_some() && text(v.get("wa_id")) == c.phone;
        let by_user = c.user_id.is_some() && text(v.get("user_id")) == c.user_id;
        by_phone || by_user
    };
    contacts
        .iter()
        .find(|v| matches(v))
        .or(if contacts.len() == 1 {
            contacts.first()
        } else {
            None
        })
        .and_then(Value::as_object)
}

/// One message object: a message, or an edit or deletion of an earlier one.
fn one(
    src: &Source<'_>,
    m: &Value,
    mut customer: Customer,
    author: Author,
    events: &mut Vec<Event>,
) {
    let invalid = |events: &mut Vec<Event>| {
        events.push(Event::Other {
            field: "messages.invalid".into(),
            value: m.clone(),
        });
    };
    let Some(wamid) = nonempty(m.get("id")) else {
        return invalid(events);
    };
    let kind = text(m.get("type"))
        .filter(|k| !k.is_empty())
        .or_else(|| content::infer_type(m))
        .unwrap_or_default();
    let timestamp = int(m.get("timestamp")).unwrap_or(0);
    if kind == "edit" || kind == "revoke" {
        let part = m.get(&kind);
        let Some(target_wamid) = nonempty(part.and_then(|p| p.get("original_message_id"))) else {
            return invalid(events);
        };
        let edit = part.and_then(|p| p.get("message")).map(|inner| {
            let inner_kind = text(inner.get("type"))
                .or_else(|| content::infer_type(inner))
                .unwrap_or_default();
            content::parse(&inner_kind, inner)
        });
        if kind == "edit" && edit.is_none() {
            return invalid(events);
        }
        events.push(Event::Change(Box::new(MessageChange {
            wamid,
            target_wamid,
            edit,
            timestamp,
        })));
        return;
    }
    let found = profile(src.contacts, &customer);
    // The contacts block names the customer when the message does not (a sender known only by
    // `contacts[].user_id`), and carries the parent user id.
    if let Some(p) = found {
        if customer.phone.is_none() && author == Author::Customer {
            customer.phone = nonempty(p.get("wa_id"));
        }
        customer.user_id = customer.user_id.or_else(|| nonempty(p.get("user_id")));
        customer.parent = customer
            .parent
            .or_else(|| nonempty(p.get("parent_user_id")));
    }
    let customer_phone = customer
        .phone
        .as_deref()
        .and_then(PhoneE164::from_international);
    if customer_phone.is_none() && customer.user_id.is_none() {
        return invalid(events);
    }
    let own_errors = errors(m.get("errors"));
    events.push(Event::Message(Box::new(InboundMessage {
        phone_number_id: src.phone_number_id.clone(),
        wamid,
        author,
        imported: false,
        customer_phone,
        customer_user_id: customer.user_id,
        customer_parent_user_id: customer.parent,
        profile_name: found.and_then(|p| nonempty(p.get("profile").and_then(|x| x.get("name")))),
        username: found.and_then(|p| nonempty(p.get("profile").and_then(|x| x.get("username")))),
        timestamp,
        content: content::parse(&kind, m),
        extras: MessageExtras {
            context: context(m.get("context")),
            referral: referral(m.get("referral")),
        },
        errors: if own_errors.is_empty() {
            src.errors.clone()
        } else {
            own_errors
        },
        history_status: None,
        raw: m.clone(),
    })));
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
