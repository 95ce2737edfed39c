//! What the retention job deletes, a batch at a time: old messages (with their statuses, edits,
//! changes; media rows, versions and outbox rows go by cascade, search-index rows by trigger)
//! and old media files (the message stays, its media row marked removed).

use super::{Result, to_ts};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// Messages sent before `before`.
pub fn count_messages(conn: &Connection, before: OffsetDateTime) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM messages WHERE sent_at < ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([to_ts(before)], |r| r.get(0))?)
}

/// Stored media files received before `before`.
pub fn count_media(conn: &Connection, before: OffsetDateTime) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM media WHERE state = 'stored' AND received_at < ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([to_ts(before)], |r| r.get(0))?)
}

/// What one batch removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Removed {
    /// Message rows.
    pub messages: usize,
    /// Status, change and version rows that went with them.
    pub related: usize,
    /// Stored media file names to delete from disk (after the commit).
    pub files: Vec<String>,
}

/// Deletes up to `limit` messages sent before `before`, oldest first, with everything that
/// belongs to them. Returns what went; `messages < limit` means none are left.
pub fn delete_messages(conn: &Connection, before: OffsetDateTime, limit: u32) -> Result<Removed> {
    conn.execute_batch(
        "CREATE TEMP TABLE IF NOT EXISTS retention_batch (id INTEGER PRIMARY KEY, wamid TEXT NOT NULL);
         DELETE FROM temp.retention_batch;",
    )?;
    conn.prepare_cached(
        "INSERT INTO temp.retention_batch (id, wamid)
         SELECT id, wamid FROM messages WHERE sent_at < ?1 ORDER BY sent_at, id LIMIT ?2",
    )?
    .execute(params![to_ts(before), limit])?;
    let mut files = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT stored_name FROM media
             WHERE message_id IN (SELECT id FROM temp.retention_batch) AND stored_name IS NOT NULL",
        )?;
        for name in stmt.query_map([], |r| r.get::<_, String>(0))? {
            files.push(name?);
        }
    }
    let mut related = 0;
    for sql in [
        "DELETE FROM message_statuses WHERE wamid IN (SELECT wamid FROM temp.retention_batch)",
        "DELETE FROM message_changes WHERE target_wamid IN (SELECT wamid FROM temp.retention_batch)",
        "DELETE FROM message_versions WHERE message_id IN (SELECT id FROM temp.retention_batch)",
    ] {
        related += conn.prepare_cached(sql)?.execute([])?;
    }
    let messages = conn
        .prepare_cached("DELETE FROM messages WHERE id IN (SELECT id FROM temp.retention_batch)")?
        .execute([])?;
    conn.execute_batch("DELETE FROM temp.retention_batch;")?;
    Ok(Removed {
        messages,
        related,
        files,
    })
}

/// Marks up to `limit` stored media files received before `before` as removed; returns their
/// file names to delete from disk (after the commit).
pub fn remove_media(
    conn: &Connection,
    before: OffsetDateTime,
    limit: u32,
    now: OffsetDateTime,
) -> Result<Vec<String>> {
    let mut names = Vec::new();
    let mut ids = Vec::new();
    {
        let mut stmt = conn.prepare_cached(
            "SELECT id, stored_name FROM media WHERE state = 'stored' AND received_at < ?1
             ORDER BY received_at, id LIMIT ?2",
        )?;
        for row in stmt.query_map(params![to_ts(before), limit], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, Option<String>>(1)?))
        })? {
            let (id, name) = row?;
            ids.push(id);
            names.extend(name);
        }
    }
    let mut mark = conn.prepare_cached(
        "UPDATE media SET state = 'lost', stored_name = NULL, removed_at = ?2,
             error = 'removed after retention.media_days'
         WHERE id = ?1",
    )?;
    for id in ids {
        mark.execute(params![id, to_ts(now)])?;
    }
    Ok(names)
}

/// Raw webhook bodies, events and dead letters received before `before`.
pub fn count_raw(conn: &Connection, before: OffsetDateTime) -> Result<i64> {
    let sql = "SELECT (SELECT COUNT(*) FROM webhook_payloads WHERE received_at < ?1)
                    + (SELECT COUNT(*) FROM webhook_dead_letters WHERE received_at < ?1)
                    + (SELECT COUNT(*) FROM webhook_events WHERE received_at < ?1)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([to_ts(before)], |r| r.get(0))?)
}

/// Audit entries older than `before`.
pub fn count_audit(conn: &Connection, before: OffsetDateTime) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM audit_log WHERE at < ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([to_ts(before)], |r| r.get(0))?)
}

/// Kept versions of messages their sender deleted before `before`.
pub fn count_deleted_versions(conn: &Connection, before: OffsetDateTime) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM message_versions WHERE message_id IN
                 (SELECT id FROM messages WHERE deleted_at IS NOT NULL AND deleted_at < ?1)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([to_ts(before)], |r| r.get(0))?)
}
