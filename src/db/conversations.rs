//! The `conversations` table.

use super::{Result, from_ts, to_ts};
use crate::model::{ContactId, Conversation};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

const COLUMNS: &str = "id, contact_id, phone_number_id, status, last_inbound_at, last_message_at, unread_count, assignee_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: r.get(0)?,
        contact_id: ContactId(r.get(1)?),
        phone_number_id: r.get(2)?,
        status: super::parsed(r, 3)?,
        last_inbound_at: r.get::<_, Option<i64>>(4)?.map(from_ts),
        last_message_at: from_ts(r.get(5)?),
        unread_count: r.get(6)?,
        assignee_id: r.get(7)?,
    })
}

/// One conversation by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Conversation>> {
    let sql = format!("SELECT {COLUMNS} FROM conversations WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The conversations of a contact.
pub fn for_contact(conn: &Connection, contact: ContactId) -> Result<Vec<Conversation>> {
    let sql = format!("SELECT {COLUMNS} FROM conversations WHERE contact_id = ?1 ORDER BY id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([contact.0], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether the contact has ever written (in any of their conversations).
pub fn has_written(conn: &Connection, contact: ContactId) -> Result<bool> {
    let sql = "SELECT EXISTS (SELECT 1 FROM conversations
                              WHERE contact_id = ?1 AND last_inbound_at IS NOT NULL)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([contact.0], |r| r.get(0))?)
}

/// The conversation of a contact on a business number, created when missing.
pub fn find_or_create(
    conn: &Connection,
    contact: ContactId,
    phone_number_id: &str,
    at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<i64> {
    let find = "SELECT id FROM conversations WHERE contact_id = ?1 AND phone_number_id = ?2";
    if let Some(id) = conn
        .prepare_cached(find)?
        .query_row(params![contact.0, phone_number_id], |r| r.get(0))
        .optional()?
    {
        return Ok(id);
    }
    let insert = "INSERT INTO conversations
                    (contact_id, phone_number_id, last_message_at, created_at, updated_at)
                  VALUES (?1, ?2, ?3, ?4, ?4)";
    conn.prepare_cached(insert)?.execute(params![
        contact.0,
        phone_number_id,
        to_ts(at),
        to_ts(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Records a new inbound message at `at`; `opens_window` moves the 24-hour window clock (a
/// customer's message), `unread` counts it as unread (not for history imports).
pub fn record_inbound(
    conn: &Connection,
    id: i64,
    at: OffsetDateTime,
    opens_window: bool,
    unread: bool,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE conversations SET
                 last_message_at = MAX(last_message_at, ?2),
                 last_inbound_at = CASE WHEN ?3 THEN MAX(COALESCE(last_inbound_at, 0), ?2)
                                        ELSE last_inbound_at END,
                 unread_count = unread_count + ?4,
                 updated_at = ?5
               WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![
        id,
        to_ts(at),
        opens_window,
        i64::from(unread),
        to_ts(now)
    ])?;
    Ok(())
}

/// Moves every conversation of `from` to `to`; where both have one on the same business
/// number, the messages are moved into `to`'s and the other conversation removed.
pub fn reassign(
    conn: &Connection,
    from: ContactId,
    to: ContactId,
    now: OffsetDateTime,
) -> Result<()> {
    for conv in for_contact(conn, from)? {
        let target: Option<i64> = conn
            .prepare_cached(
                "SELECT id FROM conversations WHERE contact_id = ?1 AND phone_number_id = ?2",
            )?
            .query_row(params![to.0, conv.phone_number_id], |r| r.get(0))
            .optional()?;
        match target {
            None => {
                let sql = "UPDATE conversations SET contact_id = ?2, updated_at = ?3 WHERE id = ?1";
                conn.prepare_cached(sql)?
                    .execute(params![conv.id, to.0, to_ts(now)])?;
            }
            Some(target) => {
                conn.prepare_cached(
                    "UPDATE messages SET conversation_id = ?2 WHERE conversation_id = ?1",
                )?
                .execute(params![conv.id, target])?;
                let sql = "UPDATE conversations SET
                             last_message_at = MAX(last_message_at, ?2),
                             last_inbound_at = NULLIF(MAX(COALESCE(last_inbound_at, 0), COALESCE(?3, 0)), 0),
                             unread_count = unread_count + ?4,
                             updated_at = ?5
                           WHERE id = ?1";
                conn.prepare_cached(sql)?.execute(params![
                    target,
                    to_ts(conv.last_message_at),
                    conv.last_inbound_at.map(to_ts),
                    conv.unread_count,
                    to_ts(now)
                ])?;
                conn.prepare_cached("DELETE FROM conversations WHERE id = ?1")?
                    .execute([conv.id])?;
            }
        }
    }
    Ok(())
}

/// Records an outbound message (moves the conversation up the list).
pub fn record_outbound(conn: &Connection, id: i64, at: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE conversations SET last_message_at = MAX(last_message_at, ?2), updated_at = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, to_ts(at)])?;
    Ok(())
}

/// The assignee of a conversation: `None` when there is no such conversation, `Some(None)`
/// when it is unassigned.
pub fn get_assignee(conn: &Connection, id: i64) -> Result<Option<Option<i64>>> {
    Ok(conn
        .prepare_cached("SELECT assignee_id FROM conversations WHERE id = ?1")?
        .query_row([id], |r| r.get(0))
        .optional()?)
}
