//! Edits and deletions change the original message: an edit replaces its text or caption
//! (the earlier version is kept, shown as "edited" with its history), a deletion replaces its
//! content with a tombstone (the old content is kept only until the retention job removes it).
//! A change that arrives before its original is kept and applied when the original appears.

use super::{Outcome, time_of};
use crate::db::{self, Result};
use crate::model::Content;
use crate::whatsapp::webhook::MessageChange;
use rusqlite::Connection;
use time::OffsetDateTime;

pub(super) fn record_change(
    conn: &Connection,
    c: &MessageChange,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let at = time_of(c.timestamp, now);
    if !db::message_changes::insert(conn, &c.wamid, &c.target_wamid, c.edit.as_ref(), at, now)? {
        out.duplicates += 1;
        return Ok(());
    }
    out.changes += 1;
    match db::message_changes::id_of(conn, &c.target_wamid)? {
        Some(id) => apply_pending(conn, &c.target_wamid, id, now, out),
        None => Ok(()),
    }
}

/// Applies the changes of `wamid` (stored as message `id`) not applied yet, oldest first.
pub(super) fn apply_pending(
    conn: &Connection,
    wamid: &str,
    id: i64,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    for change in db::message_changes::pending(conn, wamid)? {
        let Some(message) = db::messages::get(conn, id)? else {
            return Ok(());
        };
        // Nothing changes a deleted message; an edit older than the one shown is history.
        let stale = message.edited_at.is_some_and(|e| change.at < e);
        if message.deleted_at.is_none() && !stale {
            if let Some(new) = &change.edit {
                let content = message.content.edited(new);
                db::message_changes::replace_content(conn, id, &content, change.at, false)?;
            } else {
                let tombstone = Content::Deleted {
                    was: message.content.kind().to_string(),
                };
                db::message_changes::replace_content(conn, id, &tombstone, change.at, true)?;
            }
            out.touched(message.conversation_id);
        }
        db::message_changes::mark_applied(conn, change.id, now)?;
    }
    Ok(())
}
