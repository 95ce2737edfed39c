//! The back-fill: the events of conversations older than the reports, replayed from their
//! messages and the audit log's assignments and status changes through the live recorder.

use super::record::happened_in;
use crate::db::{self, Db, Result, reports::Past};
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

/// Conversations replayed per write job: each job is short, so the server's other writes are
/// never held up for long and no job's statement journal grows large.
const CHUNK: usize = 500;

/// Replays every conversation's history into events, once (the first start after version
/// 32); `None` when it was done already.
pub async fn run_once(db: &Db, now: OffsetDateTime) -> Result<Option<Backfilled>> {
    if db.read(db::reports::backfilled).await? {
        return Ok(None);
    }
    tracing::info!("back-filling the reporting events from every conversation's history (once)");
    run(db, now, &mut |done, total| {
        tracing::info!(done, total, "back-filling the reporting events");
    })
    .await
    .map(Some)
}

type Audit = HashMap<i64, Vec<(i64, Past)>>;

/// Replays every conversation's history into events, replacing what is stored, a slice of
/// conversations per write job; `progress(done, total)` each time another tenth is done. Messages come before audit
/// entries of the same second (a reply, then the resolve that followed it). Assignments logged
/// while it runs, for conversations not yet replayed, are left to the next run.
pub async fn run(
    db: &Db,
    now: OffsetDateTime,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Backfilled> {
    run_sliced(db, now, CHUNK, progress).await
}

/// As [`run`], `slice` conversations per write job (the tests cut small slices).
pub async fn run_sliced(
    db: &Db,
    now: OffsetDateTime,
    slice: usize,
    progress: &mut (dyn FnMut(usize, usize) + Send),
) -> Result<Backfilled> {
    let slice = slice.max(1);
    let started = std::time::Instant::now();
    db.write(db::reports::forget_backfill).await?;
    let (ids, history) = db
        .read(|c| {
            Ok::<_, db::Error>((
                db::reports::conversation_ids(c)?,
                db::reports::audit_history(c)?,
            ))
        })
        .await?;
    let mut audit: Audit = HashMap::new();
    for (conversation, at, what) in history {
        audit.entry(conversation).or_default().push((at, what));
    }
    let total = ids.len();
    let mut conversations = 0;
    let mut tenths = 0;
    for (i, these) in ids.chunks(slice).enumerate() {
        let from = these.first().copied().unwrap_or(0);
        // The last slice takes every conversation started since.
        let to = ids.get((i + 1) * slice).copied().unwrap_or(i64::MAX);
        let part: Audit = these
            .iter()
            .filter_map(|id| audit.remove_entry(id))
            .collect();
        conversations += db.write(move |c| replay(c, (from, to), part)).await?;
        let done = ((i + 1) * slice).min(total);
        if done * 10 / total > tenths {
            tenths = done * 10 / total;
            progress(done, total);
        }
    }
    db.write(move |c| {
        db::reports::recount_days(c)?;
        let events = db::reports::queries::count_events(c)?;
        let millis = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        db::reports::mark_backfilled(c, events, millis, now)?;
        Ok::<_, db::Error>(Backfilled {
            conversations,
            events,
            millis,
        })
    })
    .await
}

/// Replays the conversations with ids in `span` (their audit entries in `audit`); how many
/// had history.
fn replay(conn: &Connection, span: (i64, i64), mut audit: Audit) -> Result<i64> {
    db::reports::clear_range(conn, span)?;
    let mut hours = None;
    let mut current: Option<i64> = None;
    let mut conversations = 0;
    let flush_audit_until = |conn: &Connection,
                             audit: &mut Audit,
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
    db::reports::message_history(conn, span, |conversation, at, what| {
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
    Ok(conversations)
}

fn ts(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}
