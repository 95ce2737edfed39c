//! The back-fill: the events of conversations older than the reports, replayed from their
//! messages and the audit log's assignments and status changes through the live recorder.

use super::record::happened_in;
use crate::db::{self, Result, reports::Past};
use crate::model::ConversationStatus;
use crate::model::report::Happening;
use rusqlite::Connection;
use std::collections::HashMap;
use time::OffsetDateTime;

/// What a back-fill did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backfilled {
    /// Conversations replayed.
    pub conversations: i64,
    /// Events written.
    pub events: i64,
    /// Time taken.
    pub millis: i64,
}

fn happening(p: Past) -> Happening {
    match p {
        Past::Customer => Happening::Customer,
        Past::Reply(u) => Happening::Reply(u),
        Past::Assign(u) => Happening::Assign(u),
        Past::Status(ConversationStatus::Resolved, u) => Happening::Resolve(u),
        Past::Status(_, u) => Happening::Reopen(u),
    }
}

/// Replays every conversation's history into events, once (the first start after version
/// 32); `None` when it was done already.
pub fn run_once(conn: &Connection, now: OffsetDateTime) -> Result<Option<Backfilled>> {
    if db::reports::backfilled(conn)? {
        return Ok(None);
    }
    run(conn, now).map(Some)
}

/// Replays every conversation's history into events (clearing any first). Messages come before
/// audit entries of the same second (a reply, then the resolve that followed it).
pub fn run(conn: &Connection, now: OffsetDateTime) -> Result<Backfilled> {
    let started = std::time::Instant::now();
    db::reports::clear(conn)?;
    let mut audit: HashMap<i64, Vec<(i64, Past)>> = HashMap::new();
    for (conversation, at, what) in db::reports::audit_history(conn)? {
        audit.entry(conversation).or_default().push((at, what));
    }
    let mut hours = None;
    let mut current: Option<i64> = None;
    let mut conversations = 0;
    let flush_audit_until = |conn: &Connection,
                             audit: &mut HashMap<i64, Vec<(i64, Past)>>,
                             hours: &mut Option<_>,
                             conversation: i64,
                             until: Option<i64>|
     -> Result<()> {
        let Some(list) = audit.get_mut(&conversation) else {
            return Ok(());
        };
        let n = list
            .iter()
            .take_while(|(at, _)| until.is_none_or(|u| *at < u))
            .count();
        for (at, what) in list.drain(..n) {
            happened_in(conn, conversation, happening(what), ts(at), hours)?;
        }
        Ok(())
    };
    db::reports::message_history(conn, |conversation, at, what| {
        if current != Some(conversation) {
            if let Some(prev) = current {
                flush_audit_until(conn, &mut audit, &mut hours, prev, None)?;
            }
            current = Some(conversation);
            conversations += 1;
        }
        flush_audit_until(conn, &mut audit, &mut hours, conversation, Some(at))?;
        happened_in(conn, conversation, happening(what), ts(at), &mut hours)
    })?;
    if let Some(prev) = current {
        flush_audit_until(conn, &mut audit, &mut hours, prev, None)?;
    }
    for (conversation, list) in audit {
        if list.is_empty() || db::conversations::get(conn, conversation)?.is_none() {
            continue;
        }
        for (at, what) in list {
            happened_in(conn, conversation, happening(what), ts(at), &mut hours)?;
        }
    }
    let events = db::reports::queries::count_events(conn)?;
    let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    db::reports::mark_backfilled(conn, events, millis, now)?;
    Ok(Backfilled {
        conversations,
        events,
        millis,
    })
}

fn ts(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
