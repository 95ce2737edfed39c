//! The `outbox` and `sender_state` tables: outbound messages waiting to be sent, and the
//! sender's pause switch.

use super::{Result, to_ts};
use crate::model::{MetaError, OutboxState};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// A message the sender has claimed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxRow {
    /// Row id.
    pub id: i64,
    /// The message row.
    pub message_id: i64,
    /// Sent as `biz_opaque_callback_data`.
    pub idempotency_key: String,
    /// Phone or user id (for pacing).
    pub recipient: String,
    /// The Graph API body.
    pub request: String,
    /// Attempts including this one.
    pub attempts: i64,
}

/// A new outbox entry.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    /// The message row.
    pub message_id: i64,
    /// Caller's idempotency key.
    pub idempotency_key: &'a str,
    /// Recipient text.
    pub recipient: &'a str,
    /// The Graph API body (JSON).
    pub request: &'a str,
    /// Who wrote it.
    pub author_id: Option<i64>,
    /// The campaign it belongs to (held while the campaign is paused; 1:1 messages go first).
    pub campaign_id: Option<i64>,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<OutboxRow> {
    Ok(OutboxRow {
        id: r.get(0)?,
        message_id: r.get(1)?,
        idempotency_key: r.get(2)?,
        recipient: r.get(3)?,
        request: r.get(4)?,
        attempts: r.get(5)?,
    })
}

/// The message already queued under this idempotency key.
pub fn find_by_key(conn: &Connection, key: &str) -> Result<Option<i64>> {
    let sql = "SELECT message_id FROM outbox WHERE idempotency_key = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// Queues a message.
pub fn insert(conn: &Connection, e: &NewEntry<'_>, now: OffsetDateTime) -> Result<i64> {
    let sql = "INSERT INTO outbox (message_id, idempotency_key, recipient, request, author_id,
                                   campaign_id, next_attempt_at, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?7, ?6, ?6, ?6)";
    conn.prepare_cached(sql)?.execute(params![
        e.message_id,
        e.idempotency_key,
        e.recipient,
        e.request,
        e.author_id,
        to_ts(now),
        e.campaign_id
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Claims up to `limit` due messages, oldest first and 1:1 messages before campaign ones (an
/// agent's reply never waits behind a broadcast): they move to `sending` with one more attempt.
/// A message waits while an older one to the same recipient is being sent or backing off, so
/// customers get messages in the order they were written; a campaign's messages wait while the
/// campaign is not sending (paused, cancelled).
pub fn claim_due(conn: &Connection, now: OffsetDateTime, limit: u32) -> Result<Vec<OutboxRow>> {
    let sql = "UPDATE outbox SET state = 'sending', attempts = attempts + 1, claimed_at = ?1, updated_at = ?1
               WHERE id IN (SELECT id FROM outbox AS o WHERE state = 'queued' AND next_attempt_at <= ?1
                              AND (o.campaign_id IS NULL
                                   OR EXISTS (SELECT 1 FROM campaigns c WHERE c.id = o.campaign_id AND c.state = 'sending'))
                              AND NOT EXISTS (SELECT 1 FROM outbox AS older
                                              WHERE older.recipient = o.recipient AND older.id < o.id
                                                AND (older.state = 'sending'
                                                     OR (older.state = 'queued' AND older.next_attempt_at > ?1)))
                            ORDER BY o.campaign_id IS NOT NULL, id LIMIT ?2)
               RETURNING id, message_id, idempotency_key, recipient, request, attempts";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![to_ts(now), limit], from_row)?;
    let mut out: Vec<OutboxRow> = rows.collect::<rusqlite::Result<_>>()?;
    out.sort_by_key(|r| r.id);
    Ok(out)
}

/// Puts a claimed message back without counting the attempt (pacing, pause).
pub fn release(conn: &Connection, id: i64, next_attempt_at: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE outbox SET state = 'queued', attempts = attempts - 1, next_attempt_at = ?2, updated_at = ?2
               WHERE id = ?1 AND state = 'sending'";
    conn.prepare_cached(sql)?
        .execute(params![id, to_ts(next_attempt_at)])?;
    Ok(())
}

/// Records Meta's acceptance: the message gets its real wamid.
pub fn mark_sent(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE outbox SET state = 'sent', error_code = NULL, error_title = NULL, error_details = NULL,
                                 updated_at = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, to_ts(now)])?;
    Ok(())
}

/// Records a failed attempt to retry at `next_attempt_at`.
pub fn mark_retry(
    conn: &Connection,
    id: i64,
    error: &MetaError,
    next_attempt_at: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE outbox SET state = 'queued', next_attempt_at = ?2, error_code = ?3, error_title = ?4,
                                 error_details = ?5, updated_at = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![
        id,
        to_ts(next_attempt_at),
        error.code,
        error.title,
        error.details
    ])?;
    Ok(())
}

/// Ends a message as `failed` or `needs_template`.
pub fn mark_failed(
    conn: &Connection,
    id: i64,
    state: OutboxState,
    error: &MetaError,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE outbox SET state = ?2, error_code = ?3, error_title = ?4, error_details = ?5, updated_at = ?6
               WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![
        id,
        state.as_str(),
        error.code,
        error.title,
        error.details,
        to_ts(now)
    ])?;
    Ok(())
}

/// At start-up: sends interrupted by a crash have an unknown outcome. They are never re-sent
/// automatically (that could send twice); a status webhook carrying their key settles them.
pub fn mark_interrupted(conn: &Connection, now: OffsetDateTime) -> Result<usize> {
    let sql = "UPDATE outbox SET state = 'unknown', updated_at = ?1 WHERE state = 'sending'";
    Ok(conn.prepare_cached(sql)?.execute([to_ts(now)])?)
}

/// Messages whose outcome stayed unknown since before `before`: returns their (outbox id,
/// message id) so they can be failed with an explanation.
pub fn stale_unknown(conn: &Connection, before: OffsetDateTime) -> Result<Vec<(i64, i64)>> {
    let sql = "SELECT id, message_id FROM outbox WHERE state = 'unknown' AND claimed_at < ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([to_ts(before)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A status webhook echoed our key: if that send's answer was lost, it was accepted after all.
/// Returns the message id when an unsettled send was settled.
pub fn settle_by_key(conn: &Connection, key: &str, now: OffsetDateTime) -> Result<Option<i64>> {
    let sql = "UPDATE outbox SET state = 'sent', updated_at = ?2
               WHERE idempotency_key = ?1 AND state IN ('sending', 'unknown', 'queued')
               RETURNING message_id";
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![key, to_ts(now)], |r| r.get(0))
        .optional()?)
}

/// Puts a failed message back in the queue (the retry button).
pub fn requeue(conn: &Connection, message_id: i64, now: OffsetDateTime) -> Result<bool> {
    let sql =
        "UPDATE outbox SET state = 'queued', attempts = 0, next_attempt_at = ?2, updated_at = ?2
               WHERE message_id = ?1 AND state IN ('failed', 'unknown')";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![message_id, to_ts(now)])?
        == 1)
}

/// The pause switch: (reason, fingerprint of the token that was refused).
pub fn pause_state(conn: &Connection) -> Result<Option<(String, String)>> {
    let sql = "SELECT value FROM sender_state WHERE key = 'paused'";
    let value: Option<String> = conn
        .prepare_cached(sql)?
        .query_row([], |r| r.get(0))
        .optional()?;
    Ok(value.map(|v| match v.split_once('|') {
        Some((fp, reason)) => (reason.to_string(), fp.to_string()),
        None => (v, String::new()),
    }))
}

/// Pauses sending because of `reason`, remembering which token failed.
pub fn pause(
    conn: &Connection,
    reason: &str,
    token_fingerprint: &str,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO sender_state (key, value, updated_at) VALUES ('paused', ?1, ?2)
               ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
    conn.prepare_cached(sql)?
        .execute(params![format!("{token_fingerprint}|{reason}"), to_ts(now)])?;
    Ok(())
}

/// Resumes sending.
pub fn resume(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM sender_state WHERE key = 'paused'")?
        .execute([])?
        == 1)
}
