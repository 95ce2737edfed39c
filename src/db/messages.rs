//! The `messages` table, and applying status events to outbound messages.

use super::{Error, Result, from_ts, to_ts};
use crate::model::{
    Content, DeliveryStatus, Direction, Message, MessageExtras, MetaError, OutboxState,
};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// A message to store.
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// Meta's id.
    pub wamid: &'a str,
    /// Conversation row id.
    pub conversation_id: i64,
    /// In or out.
    pub direction: Direction,
    /// Typed content.
    pub content: &'a Content,
    /// Reply context and referral.
    pub extras: &'a MessageExtras,
    /// The message object as received, if any.
    pub raw: Option<&'a serde_json::Value>,
    /// Meta's timestamp.
    pub sent_at: OffsetDateTime,
    /// When we stored it.
    pub received_at: OffsetDateTime,
    /// First error Meta attached.
    pub error: Option<&'a MetaError>,
}

const COLUMNS: &str =
    "id, wamid, conversation_id, direction, content, extras, body, sent_at, status,
                       error_code, error_title, error_details, via, imported, edited_at, deleted_at";

/// Columns of [`COLUMNS`]; what a query selects after them starts here.
const AFTER: usize = 16;

fn from_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    let bad = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let content: String = r.get(4)?;
    let extras: Option<String> = r.get(5)?;
    let code: Option<i64> = r.get(9)?;
    Ok(Message {
        id: r.get(0)?,
        wamid: r.get(1)?,
        conversation_id: r.get(2)?,
        direction: if r.get::<_, String>(3)? == "out" {
            Direction::Out
        } else {
            Direction::In
        },
        content: serde_json::from_str(&content).map_err(|e| bad(4, e))?,
        extras: match extras {
            Some(x) => serde_json::from_str(&x).map_err(|e| bad(5, e))?,
            None => MessageExtras::default(),
        },
        body: r.get(6)?,
        sent_at: from_ts(r.get(7)?),
        status: r
            .get::<_, Option<String>>(8)?
            .as_deref()
            .and_then(DeliveryStatus::parse),
        error: code.map(|code| MetaError {
            code,
            title: r
                .get::<_, Option<String>>(10)
                .ok()
                .flatten()
                .unwrap_or_default(),
            message: String::new(),
            details: r
                .get::<_, Option<String>>(11)
                .ok()
                .flatten()
                .unwrap_or_default(),
        }),
        via_business_app: r.get::<_, Option<String>>(12)?.as_deref() == Some("business_app"),
        imported: r.get::<_, i64>(13)? != 0,
        edited_at: r.get::<_, Option<i64>>(14)?.map(from_ts),
        deleted_at: r.get::<_, Option<i64>>(15)?.map(from_ts),
    })
}

/// Stores a message; `None` when a message with this wamid exists already (a duplicate).
pub fn insert(conn: &Connection, m: &NewMessage<'_>) -> Result<Option<i64>> {
    let sql = "INSERT INTO messages
                 (wamid, conversation_id, direction, kind, body, content, extras, raw, context_wamid,
                  sent_at, received_at, error_code, error_title, error_details)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
               ON CONFLICT (wamid) DO NOTHING";
    let content =
        serde_json::to_string(m.content).map_err(|_| Error::Corrupt("message content"))?;
    let extras = if m.extras.is_empty() {
        None
    } else {
        Some(serde_json::to_string(m.extras).map_err(|_| Error::Corrupt("message extras"))?)
    };
    let quoted = m
        .extras
        .context
        .as_ref()
        .and_then(|c| c.quoted_wamid.as_deref());
    let n = conn.prepare_cached(sql)?.execute(params![
        m.wamid,
        m.conversation_id,
        m.direction.as_str(),
        m.content.kind(),
        m.content.summary(),
        content,
        extras,
        m.raw.map(ToString::to_string),
        quoted,
        to_ts(m.sent_at),
        to_ts(m.received_at),
        m.error.map(|e| e.code),
        m.error.map(|e| e.title.as_str()),
        m.error.map(|e| if e.details.is_empty() {
            e.message.as_str()
        } else {
            e.details.as_str()
        }),
    ])?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

/// Gives a stored message without a file the file a later webhook names (the history sends
/// media messages first without their file); the message's id when it took it.
pub fn attach_late_media(conn: &Connection, wamid: &str, content: &Content) -> Result<Option<i64>> {
    if content.media().is_none() {
        return Ok(None);
    }
    let sql = "SELECT id FROM messages m WHERE wamid = ?1 AND deleted_at IS NULL
                 AND NOT EXISTS (SELECT 1 FROM media d WHERE d.message_id = m.id)";
    let Some(id) = conn
        .prepare_cached(sql)?
        .query_row([wamid], |r| r.get::<_, i64>(0))
        .optional()?
    else {
        return Ok(None);
    };
    set_content(conn, id, content)?;
    Ok(Some(id))
}

/// Replaces a message's content in place (a call's progress, a late file), no version kept.
pub fn set_content(conn: &Connection, id: i64, content: &Content) -> Result<()> {
    let json = serde_json::to_string(content).map_err(|_| Error::Corrupt("message content"))?;
    let sql = "UPDATE messages SET content = ?2, body = ?3, kind = ?4 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, json, content.summary(), content.kind()])?;
    Ok(())
}

/// One message by Meta's id.
pub fn find_by_wamid(conn: &Connection, wamid: &str) -> Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE wamid = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([wamid], from_row)
        .optional()?)
}

/// The messages of a conversation, oldest first.
pub fn for_conversation(conn: &Connection, conversation_id: i64) -> Result<Vec<Message>> {
    let sql =
        format!("SELECT {COLUMNS} FROM messages WHERE conversation_id = ?1 ORDER BY sent_at, id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([conversation_id], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of messages.
pub fn count(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM messages")?
        .query_row([], |r| r.get(0))?)
}

/// Brings a message's status up to the highest-ranked status event recorded for it (statuses
/// only move forward) and copies a failure's error. Does nothing for unknown messages.
pub fn refresh_status(conn: &Connection, wamid: &str) -> Result<()> {
    let sql = "UPDATE messages SET status = s.status, status_rank = s.rank
               FROM (SELECT status, rank FROM message_statuses WHERE wamid = ?1
                     ORDER BY rank DESC LIMIT 1) AS s
               WHERE messages.wamid = ?1 AND messages.status_rank < s.rank";
    conn.prepare_cached(sql)?.execute([wamid])?;
    let sql = "UPDATE messages SET error_code = f.error_code, error_title = f.error_title,
                                   error_details = COALESCE(f.error_details, f.error_message)
               FROM (SELECT error_code, error_title, error_details, error_message
                     FROM message_statuses WHERE wamid = ?1 AND status = 'failed') AS f
               WHERE messages.wamid = ?1 AND messages.error_code IS NOT f.error_code";
    conn.prepare_cached(sql)?.execute([wamid])?;
    Ok(())
}

/// Copies the newest pricing its statuses reported onto the message (category, type, model,
/// billable): what Meta charges for it.
pub fn refresh_pricing(conn: &Connection, wamid: &str) -> Result<()> {
    let sql = "UPDATE messages SET pricing_category = p.pricing_category,
                   pricing_type = p.pricing_type, pricing_model = p.pricing_model,
                   billable = p.billable
               FROM (SELECT pricing_category, pricing_type, pricing_model, billable
                     FROM message_statuses WHERE wamid = ?1 AND pricing_category IS NOT NULL
                     ORDER BY rank DESC LIMIT 1) AS p
               WHERE messages.wamid = ?1";
    conn.prepare_cached(sql)?.execute([wamid])?;
    Ok(())
}

/// Gives an outbound message the id Meta assigned, then applies statuses that arrived first.
pub fn set_wamid(conn: &Connection, id: i64, wamid: &str) -> Result<()> {
    let sql = "UPDATE messages SET wamid = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, wamid])?;
    refresh_status(conn, wamid)?;
    refresh_pricing(conn, wamid)
}

/// Marks an outbound message failed with Meta's (or our) reason.
pub fn set_failed(conn: &Connection, id: i64, error: &MetaError) -> Result<()> {
    let sql =
        "UPDATE messages SET status = 'failed', status_rank = MAX(status_rank, 2), error_code = ?2,
                                   error_title = ?3, error_details = ?4
               WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, error.code, error.title, error.details])?;
    Ok(())
}

/// Clears a failure before a retry.
pub fn clear_failure(conn: &Connection, id: i64) -> Result<()> {
    let sql =
        "UPDATE messages SET status = NULL, status_rank = 0, error_code = NULL, error_title = NULL,
                                   error_details = NULL WHERE id = ?1 AND status = 'failed'";
    conn.prepare_cached(sql)?.execute([id])?;
    Ok(())
}

/// The conversation message `id` belongs to.
pub fn conversation_of(conn: &Connection, id: i64) -> Result<Option<i64>> {
    let sql = "SELECT conversation_id FROM messages WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// One message by row id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Message>> {
    let sql = format!("SELECT {COLUMNS} FROM messages WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// A message with what the timeline shows beside it.
#[derive(Debug, Clone)]
pub struct TimelineItem {
    /// The message.
    pub message: Message,
    /// Outbox state for outbound messages (`queued`, `sent`, `failed` ...).
    pub outbox_state: Option<OutboxState>,
    /// Stored media row id and its state (`removed` once retention deleted the file), when
    /// the message has media.
    pub media: Option<(i64, String)>,
    /// Earlier versions of an edited message, oldest first.
    pub versions: Vec<super::message_changes::Version>,
}

/// The newest `limit` messages of a conversation, oldest first, with outbox and media state.
pub fn timeline(conn: &Connection, conversation_id: i64, limit: u32) -> Result<Vec<TimelineItem>> {
    let sql = format!(
        "SELECT * FROM (
           SELECT {COLUMNS}, (SELECT state FROM outbox o WHERE o.message_id = messages.id),
                  (SELECT id FROM media d WHERE d.message_id = messages.id),
                  (SELECT CASE WHEN removed_at IS NOT NULL THEN 'removed' ELSE state END
                   FROM media d WHERE d.message_id = messages.id)
           FROM messages WHERE conversation_id = ?1 ORDER BY sent_at DESC, id DESC LIMIT ?2)
         ORDER BY sent_at, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![conversation_id, limit], |r| {
        let media_id: Option<i64> = r.get(AFTER + 1)?;
        let media_state: Option<String> = r.get(AFTER + 2)?;
        Ok(TimelineItem {
            message: from_row(r)?,
            outbox_state: optional_state(r, AFTER)?,
            media: media_id.zip(media_state),
            versions: Vec::new(),
        })
    })?;
    let mut items: Vec<TimelineItem> = rows.collect::<rusqlite::Result<_>>()?;
    // Edited messages are few: their versions are read one message at a time.
    for item in &mut items {
        if item.message.edited_at.is_some() && item.message.deleted_at.is_none() {
            item.versions = super::message_changes::versions(conn, item.message.id)?;
        }
    }
    Ok(items)
}

fn optional_state(r: &Row<'_>, idx: usize) -> rusqlite::Result<Option<OutboxState>> {
    match r.get_ref(idx)? {
        rusqlite::types::ValueRef::Null => Ok(None),
        _ => super::parsed(r, idx).map(Some),
    }
}

/// A page of a conversation's messages, newest first, before the `(sent_at, id)` cursor, with
/// their outbox state.
pub fn page(
    conn: &Connection,
    conversation_id: i64,
    before: Option<(OffsetDateTime, i64)>,
    limit: u32,
) -> Result<Vec<(Message, Option<OutboxState>)>> {
    let sql = format!(
        "SELECT {COLUMNS}, (SELECT state FROM outbox o WHERE o.message_id = messages.id)
         FROM messages WHERE conversation_id = ?1
           AND (?2 IS NULL OR sent_at < ?2 OR (sent_at = ?2 AND id < ?3))
         ORDER BY sent_at DESC, id DESC LIMIT ?4"
    );
    let (t, id) = before.map_or((None, 0), |(t, id)| (Some(super::to_ts(t)), id));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![conversation_id, t, id, limit], |r| {
        Ok((from_row(r)?, optional_state(r, AFTER)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many messages of its conversation are as new as or newer than this one (its position
/// from the end), or `None` when it is not in that conversation.
pub fn position_from_end(
    conn: &Connection,
    conversation_id: i64,
    message_id: i64,
) -> Result<Option<i64>> {
    let sql = "SELECT (SELECT COUNT(*) FROM messages n WHERE n.conversation_id = m.conversation_id
                         AND (n.sent_at > m.sent_at OR (n.sent_at = m.sent_at AND n.id >= m.id)))
               FROM messages m WHERE m.id = ?1 AND m.conversation_id = ?2";
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![message_id, conversation_id], |r| r.get(0))
        .optional()?)
}
