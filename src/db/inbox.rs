//! Read-only page queries for the inbox: conversation list rows and the timeline.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// One row of the conversation list.
#[derive(Debug, Clone)]
pub struct ConversationRow {
    /// Conversation id.
    pub id: i64,
    /// Best name of the contact.
    pub contact_name: String,
    /// Phone or user id.
    pub contact_handle: String,
    /// Last message's one-line text.
    pub preview: String,
    /// Last activity.
    pub last_message_at: OffsetDateTime,
    /// Customer's last message.
    pub last_inbound_at: Option<OffsetDateTime>,
    /// Unread customer messages.
    pub unread: i64,
}

/// Conversations by last activity, newest first, after the `(time, id)` cursor.
pub fn conversations(
    conn: &Connection,
    before: Option<(OffsetDateTime, i64)>,
    limit: u32,
) -> Result<Vec<ConversationRow>> {
    let sql = "SELECT c.id, COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, k.bsuid, ''),
                      COALESCE(k.phone, k.username, k.bsuid, ''),
                      COALESCE((SELECT body FROM messages m WHERE m.conversation_id = c.id
                                ORDER BY m.sent_at DESC, m.id DESC LIMIT 1), ''),
                      c.last_message_at, c.last_inbound_at, c.unread_count
               FROM conversations c JOIN contacts k ON k.id = c.contact_id
               WHERE (?1 IS NULL OR c.last_message_at < ?1 OR (c.last_message_at = ?1 AND c.id < ?2))
               ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?3";
    let (t, id) = before.map_or((None, 0), |(t, id)| (Some(to_ts(t)), id));
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![t, id, limit], |r| {
        Ok(ConversationRow {
            id: r.get(0)?,
            contact_name: r.get(1)?,
            contact_handle: r.get(2)?,
            preview: r.get(3)?,
            last_message_at: from_ts(r.get(4)?),
            last_inbound_at: r.get::<_, Option<i64>>(5)?.map(from_ts),
            unread: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest `limit` messages of a conversation, oldest first.
pub fn recent_messages(
    conn: &Connection,
    conversation_id: i64,
    limit: u32,
) -> Result<Vec<super::messages::TimelineItem>> {
    super::messages::timeline(conn, conversation_id, limit)
}

/// Marks a conversation's messages as seen.
pub fn mark_seen(conn: &Connection, conversation_id: i64) -> Result<()> {
    let sql = "UPDATE conversations SET unread_count = 0 WHERE id = ?1 AND unread_count <> 0";
    conn.prepare_cached(sql)?.execute([conversation_id])?;
    Ok(())
}

/// The newest customer message of a conversation (to mark as read at Meta).
pub fn last_inbound_wamid(conn: &Connection, conversation_id: i64) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    let sql = "SELECT wamid FROM messages WHERE conversation_id = ?1 AND direction = 'in'
               ORDER BY sent_at DESC, id DESC LIMIT 1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?)
}
