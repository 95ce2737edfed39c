//! Edits and deletions of messages: the `message_changes` kept until their original is known,
//! the `message_versions` an edit or deletion replaces, and where a message came from (the
//! WhatsApp Business app, the phone's history).

use super::{Error, Result, from_ts, to_ts};
use crate::model::Content;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// Marks a stored message as sent from the WhatsApp Business app and/or imported from the
/// phone's history.
pub fn mark_origin(conn: &Connection, id: i64, business_app: bool, imported: bool) -> Result<()> {
    let sql =
        "UPDATE messages SET via = CASE WHEN ?2 THEN 'business_app' ELSE via END, imported = ?3
               WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, business_app, imported])?;
    Ok(())
}

/// A change not applied yet.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingChange {
    /// Row id.
    pub id: i64,
    /// The edit's new content; `None` for a deletion.
    pub edit: Option<Content>,
    /// Meta's time of the change.
    pub at: OffsetDateTime,
}

/// Records an edit (`Some(new content)`) or deletion (`None`) of `target`; false when this
/// change (by its own id) was recorded already.
pub fn insert(
    conn: &Connection,
    wamid: &str,
    target: &str,
    edit: Option<&Content>,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<bool> {
    let content = edit
        .map(serde_json::to_string)
        .transpose()
        .map_err(|_| Error::Corrupt("edited content"))?;
    let sql = "INSERT INTO message_changes (wamid, target_wamid, kind, content, at, received_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (wamid) DO NOTHING";
    let kind = if edit.is_some() { "edit" } else { "revoke" };
    let n = conn.prepare_cached(sql)?.execute(params![
        wamid,
        target,
        kind,
        content,
        to_ts(at),
        to_ts(now)
    ])?;
    Ok(n == 1)
}

/// The changes of `target` not applied yet, oldest first.
pub fn pending(conn: &Connection, target: &str) -> Result<Vec<PendingChange>> {
    let sql = "SELECT id, content, at FROM message_changes
               WHERE target_wamid = ?1 AND applied_at IS NULL ORDER BY at, id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([target], |r| {
        let content: Option<String> = r.get(1)?;
        Ok((r.get::<_, i64>(0)?, content, r.get::<_, i64>(2)?))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, content, at) = row?;
        let edit = content
            .map(|c| serde_json::from_str(&c))
            .transpose()
            .map_err(|_| Error::Corrupt("edited content"))?;
        out.push(PendingChange {
            id,
            edit,
            at: from_ts(at),
        });
    }
    Ok(out)
}

/// Marks a change applied and drops its content (the message has it now).
pub fn mark_applied(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE message_changes SET applied_at = ?2, content = NULL WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, to_ts(now)])?;
    Ok(())
}

/// Keeps message `id`'s current content as a version and gives it `new` (edited at `at`; a
/// deletion sets `deleted` and drops the raw object). The search index follows the body.
pub fn replace_content(
    conn: &Connection,
    id: i64,
    new: &Content,
    at: OffsetDateTime,
    deleted: bool,
) -> Result<()> {
    let keep = "INSERT INTO message_versions (message_id, content, body, replaced_at)
                SELECT id, content, body, ?2 FROM messages WHERE id = ?1";
    conn.prepare_cached(keep)?.execute(params![id, to_ts(at)])?;
    let content = serde_json::to_string(new).map_err(|_| Error::Corrupt("message content"))?;
    let sql = if deleted {
        "UPDATE messages SET content = ?2, body = ?3, kind = ?4, raw = NULL, deleted_at = ?5 WHERE id = ?1"
    } else {
        "UPDATE messages SET content = ?2, body = ?3, kind = ?4, edited_at = MAX(COALESCE(edited_at, 0), ?5)
         WHERE id = ?1"
    };
    conn.prepare_cached(sql)?.execute(params![
        id,
        content,
        new.summary(),
        new.kind(),
        to_ts(at)
    ])?;
    if deleted {
        // Never fetch what its sender deleted; a file already stored waits for the purge.
        let sql = "UPDATE media SET state = 'lost', error = 'deleted by its sender'
                   WHERE message_id = ?1 AND state = 'pending'";
        conn.prepare_cached(sql)?.execute([id])?;
    }
    Ok(())
}

/// One earlier version of a message.
#[derive(Debug, Clone, PartialEq)]
pub struct Version {
    /// The content it had.
    pub content: Content,
    /// Its one-line text.
    pub body: String,
    /// When it was replaced.
    pub replaced_at: OffsetDateTime,
}

/// The earlier versions of message `id`, oldest first (none for a deleted message: its
/// versions are kept only for the retention period, never shown).
pub fn versions(conn: &Connection, id: i64) -> Result<Vec<Version>> {
    let sql = "SELECT v.content, v.body, v.replaced_at FROM message_versions v
               JOIN messages m ON m.id = v.message_id
               WHERE v.message_id = ?1 AND m.deleted_at IS NULL ORDER BY v.id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (content, body, at) = row?;
        out.push(Version {
            content: serde_json::from_str(&content)
                .map_err(|_| Error::Corrupt("message version"))?,
            body,
            replaced_at: from_ts(at),
        });
    }
    Ok(out)
}

/// Removes what is left of messages deleted before `before`: their kept versions and their
/// media rows. Returns the stored media file names to delete.
pub fn purge_deleted(conn: &Connection, before: OffsetDateTime) -> Result<(usize, Vec<String>)> {
    let sql = "DELETE FROM message_versions WHERE message_id IN
                 (SELECT id FROM messages WHERE deleted_at IS NOT NULL AND deleted_at < ?1)";
    let versions = conn.prepare_cached(sql)?.execute([to_ts(before)])?;
    let sql = "DELETE FROM media WHERE message_id IN
                 (SELECT id FROM messages WHERE deleted_at IS NOT NULL AND deleted_at < ?1)
               RETURNING stored_name";
    let mut stmt = conn.prepare_cached(sql)?;
    let names = stmt
        .query_map([to_ts(before)], |r| r.get::<_, Option<String>>(0))?
        .filter_map(rusqlite::Result::transpose)
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok((versions, names))
}

/// The id of the message with this wamid.
pub fn id_of(conn: &Connection, wamid: &str) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM messages WHERE wamid = ?1")?
        .query_row([wamid], |r| r.get(0))
        .optional()?)
}
