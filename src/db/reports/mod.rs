//! Reporting events (`report_events`), the cycle state they are measured from
//! (`report_cycles`), the business hours (`settings` reports.hours) and the history the
//! back-fill replays. The report queries are in `queries`.

mod csat;
pub mod queries;

pub use csat::*;

use super::{Result, settings};
use crate::model::hours::BusinessHours;
use crate::model::report::{Cycle, NewEvent};
use crate::model::{Content, ConversationStatus};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// A conversation's cycle; `None` when it has none yet.
pub fn cycle(conn: &Connection, conversation: i64) -> Result<Option<Cycle>> {
    let sql = "SELECT open_at, waiting_since, last_in, responded, assigned FROM report_cycles
               WHERE conversation_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([conversation], |r| {
            Ok(Cycle {
                open_at: r.get(0)?,
                waiting_since: r.get(1)?,
                last_in: r.get(2)?,
                responded: r.get(3)?,
                assigned: r.get(4)?,
            })
        })
        .optional()?)
}

/// Stores a conversation's cycle.
pub fn put_cycle(conn: &Connection, conversation: i64, c: &Cycle) -> Result<()> {
    let sql = "INSERT INTO report_cycles
                 (conversation_id, open_at, waiting_since, last_in, responded, assigned)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)
               ON CONFLICT (conversation_id) DO UPDATE SET open_at = excluded.open_at,
                 waiting_since = excluded.waiting_since, last_in = excluded.last_in,
                 responded = excluded.responded, assigned = excluded.assigned";
    conn.prepare_cached(sql)?.execute(params![
        conversation,
        c.open_at,
        c.waiting_since,
        c.last_in,
        c.responded,
        c.assigned
    ])?;
    Ok(())
}

/// Stores an event with its measured span in seconds and business seconds.
pub fn insert_event(
    conn: &Connection,
    conversation: i64,
    e: &NewEvent,
    seconds: Option<(i64, i64)>,
    day: i64,
) -> Result<()> {
    let sql = "INSERT INTO report_events
                 (conversation_id, kind, at, user_id, seconds, business_seconds, in_window, day)
               VALUES (?1, ?2, ?3, (SELECT id FROM users WHERE id = ?4), ?5, ?6, ?7, ?8)";
    conn.prepare_cached(sql)?.execute(params![
        conversation,
        e.kind.as_str(),
        e.at,
        e.user,
        seconds.map(|s| s.0),
        seconds.map(|s| s.1),
        e.in_window,
        day
    ])?;
    Ok(())
}

const HOURS: &str = "reports.hours";

/// The saved business hours, when saved.
pub fn hours(conn: &Connection) -> Result<Option<BusinessHours>> {
    Ok(settings::get(conn, HOURS)?.and_then(|s| serde_json::from_str(&s.value).ok()))
}

/// Saves the business hours.
pub fn save_hours(
    conn: &Connection,
    h: &BusinessHours,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    let json = serde_json::to_string(h).map_err(|_| super::Error::Corrupt("business hours"))?;
    settings::put(conn, HOURS, &json, by, now)
}

/// Whether the conversations older than the reports were back-filled.
pub fn backfilled(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM report_backfill)")?
        .query_row([], |r| r.get(0))?)
}

/// Marks the back-fill done.
pub fn mark_backfilled(
    conn: &Connection,
    events: i64,
    millis: i64,
    now: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO report_backfill (id, done_at, events, millis) VALUES (1, ?1, ?2, ?3)",
    )?
    .execute(params![super::to_ts(now), events, millis])?;
    Ok(())
}

/// Removes every event and cycle (before a back-fill is run again).
pub fn clear(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM report_events; DELETE FROM report_cycles; DELETE FROM report_backfill;
         DELETE FROM report_days;",
    )?;
    Ok(())
}

/// Forgets that the back-fill was done (it runs again on the next start if not finished).
pub fn forget_backfill(conn: &Connection) -> Result<()> {
    conn.execute("DELETE FROM report_backfill", [])?;
    Ok(())
}

/// Removes the events and cycles of the conversations with ids in `[from, to)` (the per-day
/// counters follow by trigger).
pub fn clear_range(conn: &Connection, (from, to): (i64, i64)) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM report_events WHERE conversation_id >= ?1 AND conversation_id < ?2",
    )?
    .execute(params![from, to])?;
    conn.prepare_cached(
        "DELETE FROM report_cycles WHERE conversation_id >= ?1 AND conversation_id < ?2",
    )?
    .execute(params![from, to])?;
    Ok(())
}

/// Counts the per-day counters afresh from the events (exact whatever came before).
pub fn recount_days(conn: &Connection) -> Result<()> {
    conn.execute_batch(
        "DELETE FROM report_days;
         INSERT INTO report_days (kind, day, user_id, n, inside)
         SELECT kind, day, COALESCE(user_id, 0), COUNT(*), COALESCE(SUM(in_window), 0)
         FROM report_events GROUP BY 1, 2, 3;",
    )?;
    Ok(())
}

/// Every conversation's id, ascending.
pub fn conversation_ids(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare("SELECT id FROM conversations ORDER BY id")?;
    let ids = stmt.query_map([], |r| r.get(0))?;
    Ok(ids.collect::<rusqlite::Result<_>>()?)
}

/// What the stored history says happened, in replay order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Past {
    /// A customer message (one that opens their window).
    Customer,
    /// A reply by a person: `Some(user)` from FlowCRM, `None` from the Business app.
    Reply(Option<i64>),
    /// Assigned (`None`: released) by the audit log.
    Assign(Option<i64>),
    /// Status set by a user.
    Status(ConversationStatus, Option<i64>),
}

/// The messages of the conversations with ids in `[from, to)` (not history imported from the
/// phone), ordered by conversation then time: `(conversation, at, what)`. Messages that are neither a customer's
/// nor a person's reply (system notices, API and automatic sends, the team's reactions) are
/// skipped.
pub fn message_history(
    conn: &Connection,
    (from, to): (i64, i64),
    mut each: impl FnMut(i64, i64, Past) -> Result<()>,
) -> Result<()> {
    let sql = "SELECT m.conversation_id, m.sent_at, m.direction, m.kind,
                      CASE WHEN m.kind IN ('call', 'list_reply', 'button_reply')
                           THEN m.content END, m.via, o.author_id
               FROM messages m LEFT JOIN outbox o ON o.message_id = m.id
               WHERE m.conversation_id >= ?1 AND m.conversation_id < ?2
                 AND m.imported = 0 AND m.kind <> 'system'
                 AND NOT (m.kind = 'reaction' AND m.direction = 'out')
               ORDER BY m.conversation_id, m.sent_at, m.id";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![from, to])?;
    while let Some(r) = rows.next()? {
        let (conversation, at): (i64, i64) = (r.get(0)?, r.get(1)?);
        let direction: String = r.get(2)?;
        let what = if direction == "in" {
            // Calls the business made, and ratings for the satisfaction survey, are not.
            let content: Option<String> = r.get(4)?;
            let customer = content
                .and_then(|c| serde_json::from_str::<Content>(&c).ok())
                .is_none_or(|c| {
                    c.is_customer_message() && crate::model::report::rating(&c).is_none()
                });
            customer.then_some(Past::Customer)
        } else {
            let (via, author): (Option<String>, Option<i64>) = (r.get(5)?, r.get(6)?);
            match (author, via.as_deref()) {
                (Some(a), _) => Some(Past::Reply(Some(a))),
                (None, Some("business_app")) => Some(Past::Reply(None)),
                _ => None,
            }
        };
        if let Some(what) = what {
            each(conversation, at, what)?;
        }
    }
    Ok(())
}

/// Assignments and status changes from the audit log: `(conversation, at, what)`, by time.
pub fn audit_history(conn: &Connection) -> Result<Vec<(i64, i64, Past)>> {
    let sql = "SELECT target, at, actor_user_id, action, detail FROM audit_log
               WHERE action IN ('conversation.assign', 'conversation.take_over',
                                'conversation.status')
               ORDER BY at, id";
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        let target: String = r.get(0)?;
        let Some(id) = target
            .strip_prefix("conversation:")
            .and_then(|s| s.parse::<i64>().ok())
        else {
            continue;
        };
        let (at, actor, action, detail): (i64, Option<i64>, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?);
        let what = match action.as_str() {
            "conversation.take_over" => Some(Past::Assign(actor)),
            "conversation.assign" if detail == "released" => Some(Past::Assign(None)),
            "conversation.assign" => detail
                .strip_prefix("to user:")
                .and_then(|u| u.parse().ok())
                .map(|u| Past::Assign(Some(u))),
            _ => detail.parse().ok().map(|s| Past::Status(s, actor)),
        };
        out.extend(what.map(|w| (id, at, w)));
    }
    Ok(out)
}
