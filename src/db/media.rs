//! The `media` table: inbound attachments waiting for, or done with, their download.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// Download state of an attachment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaState {
    /// Not downloaded yet.
    Pending,
    /// Stored under the media directory.
    Stored,
    /// Given up (expired at Meta, too large, refused).
    Lost,
}

impl MediaState {
    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MediaState::Pending => "pending",
            MediaState::Stored => "stored",
            MediaState::Lost => "lost",
        }
    }
}

/// An attachment row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaRow {
    /// Row id.
    pub id: i64,
    /// The message it belongs to.
    pub message_id: i64,
    /// Meta's media id.
    pub media_id: String,
    /// MIME type (as announced, then as downloaded).
    pub mime_type: String,
    /// Hash as announced.
    pub sha256: String,
    /// Original file name (documents).
    pub filename: Option<String>,
    /// Download state.
    pub state: MediaState,
    /// Download attempts so far.
    pub attempts: i64,
    /// File name under the media directory, once stored.
    pub stored_name: Option<String>,
    /// Size in bytes, once stored.
    pub size: Option<i64>,
    /// Last error or the reason it was lost.
    pub error: Option<String>,
    /// When the webhook announced it (Meta keeps media 7 days).
    pub received_at: OffsetDateTime,
}

const COLUMNS: &str = "id, message_id, media_id, mime_type, sha256, filename, state, attempts,
                       stored_name, size, error, received_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<MediaRow> {
    let state = match r.get::<_, String>(6)?.as_str() {
        "stored" => MediaState::Stored,
        "lost" => MediaState::Lost,
        _ => MediaState::Pending,
    };
    Ok(MediaRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        media_id: r.get(2)?,
        mime_type: r.get(3)?,
        sha256: r.get(4)?,
        filename: r.get(5)?,
        state,
        attempts: r.get(7)?,
        stored_name: r.get(8)?,
        size: r.get(9)?,
        error: r.get(10)?,
        received_at: from_ts(r.get(11)?),
    })
}

/// Announces an attachment; `lost_reason` marks it lost right away (e.g. Meta's 131052).
#[allow(clippy::too_many_arguments)]
pub fn insert(
    conn: &Connection,
    message_id: i64,
    media_id: &str,
    mime_type: &str,
    sha256: &str,
    filename: Option<&str>,
    lost_reason: Option<&str>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO media (message_id, media_id, mime_type, sha256, filename, state, error,
                                  next_attempt_at, received_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)
               ON CONFLICT (message_id) DO NOTHING";
    let state = if lost_reason.is_some() {
        MediaState::Lost
    } else {
        MediaState::Pending
    };
    conn.prepare_cached(sql)?.execute(params![
        message_id,
        media_id,
        mime_type,
        sha256,
        filename,
        state.as_str(),
        lost_reason,
        to_ts(now)
    ])?;
    Ok(())
}

/// Pending attachments whose next attempt is due, oldest first.
pub fn due(conn: &Connection, now: OffsetDateTime, limit: u32) -> Result<Vec<MediaRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM media WHERE state = 'pending' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![to_ts(now), limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One attachment by row id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The attachment of a message.
pub fn for_message(conn: &Connection, message_id: i64) -> Result<Option<MediaRow>> {
    let sql = format!("SELECT {COLUMNS} FROM media WHERE message_id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([message_id], from_row)
        .optional()?)
}

/// The attachments of many messages in one query, by message id.
pub fn for_messages(
    conn: &Connection,
    message_ids: &[i64],
) -> Result<std::collections::HashMap<i64, MediaRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM media WHERE message_id IN (SELECT value FROM json_each(?1))"
    );
    let ids = serde_json::to_string(message_ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([ids], from_row)?;
    rows.map(|r| r.map(|m| (m.message_id, m)).map_err(Into::into))
        .collect()
}

/// Records a successful download.
pub fn mark_stored(
    conn: &Connection,
    id: i64,
    stored_name: &str,
    mime_type: &str,
    size: i64,
) -> Result<()> {
    let sql = "UPDATE media SET state = 'stored', stored_name = ?2, mime_type = ?3, size = ?4,
                               attempts = attempts + 1, error = NULL
               WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, stored_name, mime_type, size])?;
    Ok(())
}

/// Records a failed attempt and when to try again.
pub fn mark_retry(
    conn: &Connection,
    id: i64,
    error: &str,
    next_attempt_at: OffsetDateTime,
) -> Result<()> {
    let sql =
        "UPDATE media SET attempts = attempts + 1, error = ?2, next_attempt_at = ?3 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, error, to_ts(next_attempt_at)])?;
    Ok(())
}

/// Gives up on an attachment.
pub fn mark_lost(conn: &Connection, id: i64, reason: &str) -> Result<()> {
    let sql = "UPDATE media SET state = 'lost', attempts = attempts + 1, error = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, reason])?;
    Ok(())
}

/// Names of the stored media files of a contact's messages (to remove with the contact).
pub fn stored_names_for_contact(
    conn: &Connection,
    contact: crate::model::ContactId,
) -> Result<Vec<String>> {
    let sql = "SELECT d.stored_name FROM media d JOIN messages m ON m.id = d.message_id
               JOIN conversations c ON c.id = m.conversation_id
               WHERE c.contact_id = ?1 AND d.stored_name IS NOT NULL";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([contact.0], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks every pending download as lost with `reason` (demo data has no files to fetch).
pub fn give_up_pending(conn: &Connection, reason: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("UPDATE media SET state = 'lost', error = ?1 WHERE state = 'pending'")?
        .execute([reason])?)
}

/// Photos whose file was given up (the demo draws pictures for them): media row ids.
pub fn lost_images(conn: &Connection, limit: u32) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id FROM media WHERE state = 'lost' AND mime_type LIKE 'image/%' ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
