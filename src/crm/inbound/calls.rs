//! Calls in the conversation: one entry per call (its id is the call id), moved forward by
//! each event — ringing, connected, then answered (with its duration), missed, rejected or
//! failed. A call from the customer opens the 24-hour window like a message.

use super::{Outcome, time_of};
use crate::crm::identity::{self, Identity};
use crate::db::{self, Result};
use crate::model::{Content, Direction, MessageExtras};
use crate::whatsapp::webhook::CallEvent;
use rusqlite::Connection;
use time::OffsetDateTime;

/// How far along a call state is: a later event never moves a call back.
fn rank(state: &str) -> u8 {
    match state {
        "ringing" => 1,
        "connected" => 2,
        "missed" | "failed" => 3,
        "rejected" => 4,
        "answered" => 5,
        _ => 0,
    }
}

pub(super) fn record_call(
    conn: &Connection,
    c: &CallEvent,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    out.calls += 1;
    let existing = db::messages::find_by_wamid(conn, &c.call_id)?;
    if let Some(m) = existing {
        let Content::Call {
            business_initiated,
            state,
            duration,
            started_at,
            ended_at,
        } = &m.content
        else {
            return Ok(());
        };
        let merged = Content::Call {
            business_initiated: *business_initiated,
            state: if rank(&c.state) >= rank(state) {
                c.state.clone()
            } else {
                state.clone()
            },
            duration: c.duration.or(*duration),
            started_at: c.started_at.or(*started_at),
            ended_at: c.ended_at.or(*ended_at),
        };
        if merged != m.content {
            db::messages::set_content(conn, m.id, &merged)?;
            out.touched(m.conversation_id);
        }
        return Ok(());
    }
    if c.customer_phone.is_none() && c.customer_user_id.is_none() {
        let value = serde_json::json!({"id": c.call_id, "state": c.state}).to_string();
        db::webhook_log::insert_event(conn, "calls.unknown_customer", &value, now)?;
        return Ok(());
    }
    let who = Identity {
        phone: c.customer_phone.as_ref(),
        bsuid: c.customer_user_id.as_deref(),
        profile_name: c.profile_name.as_deref(),
        username: None,
        parent_bsuid: None,
    };
    let contact = identity::resolve(conn, &who, now)?;
    let at = time_of(c.timestamp, now);
    let conversation =
        db::conversations::find_or_create(conn, contact, &c.phone_number_id, at, now)?;
    let content = Content::Call {
        business_initiated: c.business_initiated,
        state: c.state.clone(),
        duration: c.duration,
        started_at: c.started_at,
        ended_at: c.ended_at,
    };
    let new = db::messages::NewMessage {
        wamid: &c.call_id,
        conversation_id: conversation,
        direction: if c.business_initiated {
            Direction::Out
        } else {
            Direction::In
        },
        content: &content,
        extras: &MessageExtras::default(),
        raw: None,
        sent_at: at,
        received_at: now,
        error: None,
    };
    if db::messages::insert(conn, &new)?.is_some() {
        if c.business_initiated {
            db::conversations::record_outbound(conn, conversation, at)?;
        } else {
            db::conversations::record_inbound(conn, conversation, at, true, true, now)?;
            super::messages::customer_wrote(conn, conversation, at, now)?;
        }
        out.touched(conversation);
    }
    Ok(())
}
