//! The demo's team: agents who answer the demo conversations through FlowCRM (their outbox
//! rows and the replies the reports count) and settle some of them through the use case.

use crate::db::{self, Result};
use crate::model::{ConversationStatus, DeliveryStatus, MetaError};
use crate::whatsapp::webhook::StatusUpdate;
use rusqlite::Connection;
use time::Duration;
use time::OffsetDateTime;

/// The people who answer in the demo (agents without a password).
pub(super) const AGENTS: [(&str, &str); 3] = [
    ("camila.demo@example.com", "Camila (demo)"),
    ("rafael.demo@example.com", "Rafael (demo)"),
    ("julia.demo@example.com", "Júlia (demo)"),
];

/// Records demo message `id` as sent by `agent` through FlowCRM: the outbox row (sent) and the
/// reply the reports count.
pub(super) fn sent_by(
    conn: &Connection,
    id: i64,
    wamid: &str,
    agent: i64,
    conversation: i64,
    at: OffsetDateTime,
) -> Result<()> {
    let entry = db::outbox::NewEntry {
        message_id: id,
        idempotency_key: wamid,
        recipient: "demo",
        request: "{}",
        author_id: Some(agent),
        campaign_id: None,
    };
    let row = db::outbox::insert(conn, &entry, at)?;
    db::outbox::mark_sent(conn, row, at)?;
    crate::crm::reports::record::happened(
        conn,
        conversation,
        crate::model::report::Happening::Reply(Some(agent)),
        at,
    )
}

/// Sets a demo conversation's status as its agent did, through the use case (audited and
/// recorded for the reports).
pub(super) fn settle(
    conn: &Connection,
    conversation: i64,
    status: ConversationStatus,
    agent: i64,
    at: OffsetDateTime,
) -> Result<()> {
    let w = crate::crm::conversations::Worker {
        id: crate::model::UserId(agent),
        role: crate::model::Role::Agent,
        ip: String::new(),
    };
    crate::crm::conversations::set_status(conn, conversation, status.as_str(), &w, at).map_err(
        |e| match e {
            crate::crm::Error::Db(e) => e,
            other => db::Error::Task(other.to_string()),
        },
    )
}

/// What WhatsApp said about demo message `wamid` (mostly read; some failed; some charged as
/// a utility template).
pub(super) fn delivery(
    rng: &mut super::demo_data::Rng,
    pnid: &str,
    wamid: &str,
    phone: &crate::model::PhoneE164,
    at: OffsetDateTime,
) -> StatusUpdate {
    // Some replies are templates Meta charges for (a utility message).
    let charged = rng.below(12) == 0;
    let status = match rng.below(20) {
        0 => DeliveryStatus::Failed,
        1..=5 => DeliveryStatus::Delivered,
        6..=7 => DeliveryStatus::Sent,
        _ => DeliveryStatus::Read,
    };
    StatusUpdate {
        phone_number_id: pnid.into(),
        wamid: wamid.to_string(),
        status,
        timestamp: (at + Duration::seconds(30)).unix_timestamp(),
        recipient_id: Some(phone.as_str().trim_start_matches('+').into()),
        recipient_user_id: None,
        conversation: None,
        errors: if status == DeliveryStatus::Failed {
            vec![MetaError {
                code: 131_026,
                title: "Message undeliverable".into(),
                message: "Message undeliverable".into(),
                details: "The recipient's phone is off or WhatsApp is outdated.".into(),
            }]
        } else {
            Vec::new()
        },
        pricing_category: charged.then(|| "utility".into()),
        pricing_type: charged.then(|| "regular".into()),
        pricing_model: charged.then(|| "PMP".into()),
        billable: charged.then_some(true),
        callback_data: None,
    }
}
