//! What the contact page shows: its view rows and the merged timeline of messages, notes, orders, consent changes and consent refusals/confirmations.

use crate::db;
use crate::model::{Contact, FieldKind, OptIn};

/// A conversation on the contact page.
pub struct ConversationLink {
    pub(super) id: i64,
    pub(super) last: String,
    pub(super) unread: i64,
}

/// A custom field on the contact page.
pub struct FieldRow {
    pub(super) key: String,
    pub(super) label: String,
    pub(super) kind: FieldKind,
    pub(super) options: Vec<String>,
    pub(super) value: String,
}

/// An order on the contact page.
pub struct OrderLink {
    pub(super) id: i64,
    pub(super) date: String,
    pub(super) status: String,
    pub(super) total: String,
}

/// A note or consent record on the contact page.
pub struct Event {
    pub(super) when: String,
    pub(super) who: String,
    pub(super) text: String,
}

/// An entry of the contact's timeline.
pub struct TimelineEntry {
    pub(super) when: String,
    pub(super) kind: &'static str,
    pub(super) text: String,
    pub(super) link: Option<String>,
}

/// Entries shown on the contact's timeline.
pub(super) const TIMELINE: u32 = 30;

/// The contact's story, newest first: messages, orders, notes, consent and the first contact.
pub(super) fn timeline(
    contact: &Contact,
    messages: Vec<crate::model::Message>,
    orders: &[OrderLink],
    order_times: &[time::OffsetDateTime],
    notes: &[db::notes::Note],
    consent: &[db::consent::ConsentEvent],
    events: &[db::contact_events::ContactEvent],
) -> Vec<TimelineEntry> {
    let mut all: Vec<(time::OffsetDateTime, TimelineEntry)> = Vec::new();
    for m in messages {
        let (kind, who) = match m.direction {
            crate::model::Direction::In => ("in", "Customer"),
            crate::model::Direction::Out => ("out", "You"),
        };
        all.push((
            m.sent_at,
            TimelineEntry {
                when: String::new(),
                kind,
                text: format!("{who}: {}", m.body.chars().take(140).collect::<String>()),
                link: Some(format!("/conversations/{}", m.conversation_id)),
            },
        ));
    }
    for (o, at) in orders.iter().zip(order_times) {
        all.push((
            *at,
            TimelineEntry {
                when: String::new(),
                kind: "order",
                text: format!("Order #{} ({}) {}", o.id, o.status, o.total),
                link: Some(format!("/orders/{}", o.id)),
            },
        ));
    }
    for n in notes {
        all.push((
            n.created_at,
            TimelineEntry {
                when: String::new(),
                kind: "note",
                text: format!("Note: {}", n.body.chars().take(140).collect::<String>()),
                link: None,
            },
        ));
    }
    for e in consent {
        let what = if e.state == OptIn::In {
            "Opted in"
        } else {
            "Opted out"
        };
        all.push((
            e.at,
            TimelineEntry {
                when: String::new(),
                kind: "consent",
                text: format!("{what} ({})", e.source),
                link: None,
            },
        ));
    }
    for e in events {
        let who = e
            .user
            .as_deref()
            .map_or(String::new(), |u| format!(" ({u})"));
        all.push((
            e.at,
            TimelineEntry {
                when: String::new(),
                kind: if e.kind == "send_refused" {
                    "refused"
                } else {
                    "consent"
                },
                text: format!("{}{who}", e.detail),
                link: None,
            },
        ));
    }
    all.push((
        contact.created_at,
        TimelineEntry {
            when: String::new(),
            kind: "created",
            text: "Became a contact".into(),
            link: None,
        },
    ));
    all.sort_by_key(|e| std::cmp::Reverse(e.0));
    all.truncate(TIMELINE as usize);
    all.into_iter()
        .map(|(t, mut e)| {
            e.when = stamp(t);
            e
        })
        .collect()
}

pub(super) fn stamp(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]:[minute]"
    );
    t.format(&fmt).unwrap_or_default()
}

pub(super) fn consent_text(e: &db::consent::ConsentEvent) -> String {
    let what = if e.state == OptIn::In {
        "Opted in"
    } else {
        "Opted out"
    };
    format!("{what} ({})", e.source)
}
