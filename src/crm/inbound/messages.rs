//! Messages of a conversation (the customer's, and the business's own from the WhatsApp
//! Business app or the phone's history) and the statuses of ours.

use super::{Outcome, time_of};
use crate::crm::identity::{self, Identity};
use crate::crm::reports::record as reports;
use crate::db::{self, Result};
use crate::model::report::Happening;
use crate::model::{ContactId, Content, Direction, PhoneE164};
use crate::whatsapp::webhook::{Author, InboundMessage, StatusUpdate};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Meta's error for inbound media it could not fetch (e.g. over 100 MB).
const MEDIA_DOWNLOAD_FAILED: i64 = 131_052;

/// What the contact timeline says when WhatsApp reports a new security code.
const SECURITY_CODE_CHANGED: &str = "WhatsApp security code changed: the customer reinstalled \
    WhatsApp or moved to a new phone. Make sure you are talking to the same person before sharing \
    anything private.";

pub(super) fn record_message(
    conn: &Connection,
    m: &InboundMessage,
    now: OffsetDateTime,
    out: &mut Outcome,
    keywords: &crate::crm::consent::Keywords,
) -> Result<()> {
    let who = Identity {
        phone: m.customer_phone.as_ref(),
        bsuid: m.customer_user_id.as_deref(),
        profile_name: m.profile_name.as_deref(),
        username: m.username.as_deref(),
        parent_bsuid: m.customer_parent_user_id.as_deref(),
    };
    let contact = identity::resolve(conn, &who, now)?;
    let at = time_of(m.timestamp, now);
    let conversation =
        db::conversations::find_or_create(conn, contact, &m.phone_number_id, at, now)?;
    let by_business = m.author == Author::BusinessApp;
    let new = db::messages::NewMessage {
        wamid: &m.wamid,
        conversation_id: conversation,
        direction: if by_business {
            Direction::Out
        } else {
            Direction::In
        },
        content: &m.content,
        extras: &m.extras,
        raw: Some(&m.raw),
        sent_at: at,
        received_at: now,
        error: m.errors.first(),
    };
    let Some(message_id) = db::messages::insert(conn, &new)? else {
        // The history sends media messages twice: first without the file, later with it.
        if m.imported
            && let Some(id) = db::messages::attach_late_media(conn, &m.wamid, &m.content)?
        {
            queue_media(conn, m, id, now, out)?;
            out.touched(conversation);
        }
        out.duplicates += 1;
        return Ok(());
    };
    out.messages += 1;
    out.touched(conversation);
    if by_business || m.imported {
        db::message_changes::mark_origin(conn, message_id, by_business, m.imported)?;
    }
    match (by_business, m.imported) {
        // The owner answered on the phone: like an agent's reply, it moves the conversation up
        // and settles what was waiting for an answer.
        (true, false) => {
            db::conversations::record_outbound(conn, conversation, at)?;
            db::inbox::mark_seen(conn, conversation)?;
            if !matches!(m.content, Content::Reaction { .. }) {
                reports::happened(conn, conversation, Happening::Reply(None), at)?;
            }
        }
        (true, true) => db::conversations::record_outbound(conn, conversation, at)?,
        (false, imported) => db::conversations::record_inbound(
            conn,
            conversation,
            at,
            m.content.is_customer_message(),
            !imported && m.content.is_customer_message(),
            now,
        )?,
    }
    if !by_business && !m.imported {
        if crate::model::report::rating(&m.content).is_some() {
            crate::crm::reports::csat::answered(conn, conversation, &m.content, at)?;
        } else if m.content.is_customer_message() {
            customer_wrote(conn, conversation, at, now)?;
        }
    }
    if let Some(status) = m.history_status.filter(|_| by_business) {
        let s = db::statuses::NewStatus {
            wamid: &m.wamid,
            status,
            at,
            recipient_id: None,
            recipient_user_id: None,
            error: None,
            pricing_category: None,
            pricing_type: None,
            pricing_model: None,
            billable: None,
            callback_data: None,
            conversation: None,
            received_at: now,
        };
        db::statuses::insert(conn, &s)?;
        db::messages::refresh_status(conn, &m.wamid)?;
    }
    queue_media(conn, m, message_id, now, out)?;
    if !by_business {
        after_insert(conn, m, contact, conversation, message_id, now)?;
        if !m.imported {
            out.replies += consent_keyword(conn, m, contact, conversation, now, keywords)?;
        }
    }
    super::changes::apply_pending(conn, &m.wamid, message_id, now, out)
}

/// A customer wrote: a resolved or pending conversation opens again, and the reports record it
/// (a new conversation, a reopening, or the wait for an answer).
pub(super) fn customer_wrote(
    conn: &Connection,
    conversation: i64,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<()> {
    db::inbox::reopen(conn, conversation, now)?;
    reports::happened(conn, conversation, Happening::Customer, at)
}

/// A customer message that is exactly a consent keyword (STOP, START …) records their new
/// consent in the ledger, with the message as the proof, and queues the configured
/// confirmation as a reply (the window their message opened allows it; its key is their
/// message's id, so a redelivery never sends it twice). Returns how many replies were queued.
fn consent_keyword(
    conn: &Connection,
    m: &InboundMessage,
    contact: ContactId,
    conversation: i64,
    now: OffsetDateTime,
    keywords: &crate::crm::consent::Keywords,
) -> Result<usize> {
    let Content::Text { body } = &m.content else {
        return Ok(0);
    };
    let Some(state) = keywords.classify(body) else {
        return Ok(0);
    };
    let said: String = body.trim().chars().take(64).collect();
    let source = format!("keyword \"{said}\" sent by the customer ({})", m.wamid);
    db::consent::set_opt_in(conn, contact, state, &source, None, now)?;
    let Some(reply) = keywords.reply(state) else {
        return Ok(0);
    };
    let message = crate::model::Outbound::Text {
        body: reply.to_string(),
        preview_url: false,
    };
    let key = format!("keyword-reply:{}", m.wamid);
    let req = crate::crm::outbound::QueueRequest {
        conversation_id: conversation,
        message: &message,
        reply_to: Some(&m.wamid),
        idempotency_key: &key,
        author: None,
        by: None,
        confirm_consent: false,
        campaign: None,
    };
    match crate::crm::outbound::queue(conn, &req, now) {
        Ok(q) => Ok(usize::from(!q.duplicate)),
        Err(crate::crm::Error::Db(e)) => Err(e),
        Err(e) => {
            // The consent is recorded either way; a confirmation that cannot go is only logged.
            tracing::warn!(error = %e, "consent keyword confirmation not queued");
            Ok(0)
        }
    }
}

fn queue_media(
    conn: &Connection,
    m: &InboundMessage,
    message_id: i64,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let Some(media) = m.content.media() else {
        return Ok(());
    };
    let lost = m
        .errors
        .iter()
        .find(|e| e.code == MEDIA_DOWNLOAD_FAILED)
        .map(|e| {
            format!(
                "Meta could not fetch it ({}): {} {}",
                e.code, e.title, e.details
            )
        });
    db::media::insert(
        conn,
        message_id,
        &media.id,
        &media.mime_type,
        &media.sha256,
        media.filename.as_deref(),
        lost.as_deref(),
        now,
    )?;
    if lost.is_none() {
        out.media += 1;
    }
    Ok(())
}

/// What a customer's new message sets off: an order from a cart, a contact identity change.
fn after_insert(
    conn: &Connection,
    m: &InboundMessage,
    contact: ContactId,
    conversation: i64,
    message_id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    if let Content::Order {
        catalog_id,
        text,
        items,
    } = &m.content
    {
        let cart = crate::crm::orders::Cart {
            contact_id: contact,
            conversation_id: conversation,
            message_id,
            catalog_id,
            text: text.as_deref(),
            items,
            at: time_of(m.timestamp, now),
        };
        if let Err(why) = crate::crm::orders::from_cart(conn, &cart) {
            if let crate::crm::Error::Db(e) = why {
                return Err(e);
            }
            tracing::warn!(message = message_id, reason = %why, "cart not turned into an order");
            let value =
                serde_json::json!({"wamid": m.wamid, "reason": why.to_string()}).to_string();
            db::webhook_log::insert_event(conn, "orders.invalid", &value, now)?;
        }
    }
    if let Content::System {
        kind,
        new_wa_id,
        new_user_id,
        ..
    } = &m.content
    {
        match kind.as_str() {
            "user_changed_number" | "customer_changed_number" => {
                if let Some(phone) = new_wa_id.as_deref().and_then(PhoneE164::from_international) {
                    identity::change_phone(conn, contact, &phone, now)?;
                }
            }
            "user_changed_user_id" => {
                if let Some(bsuid) = new_user_id {
                    identity::change_bsuid(conn, contact, bsuid, now)?;
                }
            }
            "customer_identity_changed" => {
                db::contact_events::insert(
                    conn,
                    contact,
                    "security_code_changed",
                    SECURITY_CODE_CHANGED,
                    None,
                    time_of(m.timestamp, now),
                )?;
            }
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn record_status(
    conn: &Connection,
    s: &StatusUpdate,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let new = db::statuses::NewStatus {
        wamid: &s.wamid,
        status: s.status,
        at: time_of(s.timestamp, now),
        recipient_id: s.recipient_id.as_deref(),
        recipient_user_id: s.recipient_user_id.as_deref(),
        error: s.errors.first(),
        pricing_category: s.pricing_category.as_deref(),
        pricing_type: s.pricing_type.as_deref(),
        pricing_model: s.pricing_model.as_deref(),
        billable: s.billable,
        callback_data: s.callback_data.as_deref(),
        conversation: s.conversation.as_ref().map(|(id, origin, expires)| {
            (
                id.as_str(),
                origin.as_deref(),
                expires.map(|e| time_of(e, now)),
            )
        }),
        received_at: now,
    };
    // Our key echoed back: a send whose answer was lost (crash, timeout) was accepted after all.
    if let Some(key) = &s.callback_data
        && let Some(message_id) = db::outbox::settle_by_key(conn, key, now)?
    {
        db::messages::set_wamid(conn, message_id, &s.wamid)?;
    }
    if db::statuses::insert(conn, &new)? {
        db::messages::refresh_status(conn, &s.wamid)?;
        if s.pricing_category.is_some() {
            db::messages::refresh_pricing(conn, &s.wamid)?;
        }
        out.statuses += 1;
        if let Some(m) = db::messages::find_by_wamid(conn, &s.wamid)? {
            out.touched(m.conversation_id);
            if s.status == crate::model::DeliveryStatus::Failed
                && s.errors.iter().any(|e| e.code == STOPPED_MARKETING)
            {
                stopped_marketing(conn, m.conversation_id, now)?;
            }
        }
    }
    Ok(())
}

/// Meta's error 131050: the customer turned off marketing messages from this business.
const STOPPED_MARKETING: i64 = 131_050;

/// Records error 131050 in the consent ledger: the contact opted out (marketing templates are
/// refused from now on; replies in the window and confirmed utility templates still go).
fn stopped_marketing(conn: &Connection, conversation: i64, now: OffsetDateTime) -> Result<()> {
    if let Some(c) = db::conversations::get(conn, conversation)? {
        let source =
            "WhatsApp: the customer stopped marketing messages from this business (error 131050)";
        db::consent::set_opt_in(
            conn,
            c.contact_id,
            crate::model::OptIn::Out,
            source,
            None,
            now,
        )?;
    }
    Ok(())
}
