//! The `mail_outbox` table: email waiting to go out, sent, or given up with its reason.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, Row, params};
use time::OffsetDateTime;

/// A message to queue.
#[derive(Debug, Clone)]
pub struct NewMail<'a> {
    /// `test`, `invitation`, `password_reset` ...
    pub kind: &'a str,
    /// Recipient.
    pub to: &'a str,
    /// Subject line.
    pub subject: &'a str,
    /// Plain-text body.
    pub text: &'a str,
    /// HTML body.
    pub html: &'a str,
}

/// A queued or finished message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailRow {
    /// Row id.
    pub id: i64,
    /// Kind.
    pub kind: String,
    /// Recipient.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body (erased once sent or given up).
    pub text: String,
    /// HTML body (erased once sent or given up).
    pub html: String,
    /// `queued`, `sent` or `failed`.
    pub state: String,
    /// Attempts made.
    pub attempts: i64,
    /// The last error, in words.
    pub last_error: Option<String>,
    /// When it was queued.
    pub created_at: OffsetDateTime,
}

const COLUMNS: &str =
    "id, kind, to_address, subject, text_body, html_body, state, attempts, last_error, created_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<MailRow> {
    Ok(MailRow {
        id: r.get(0)?,
        kind: r.get(1)?,
        to: r.get(2)?,
        subject: r.get(3)?,
        text: r.get(4)?,
        html: r.get(5)?,
        state: r.get(6)?,
        attempts: r.get(7)?,
        last_error: r.get(8)?,
        created_at: from_ts(r.get(9)?),
    })
}

/// Queues a message, due at once.
pub fn insert(conn: &Connection, m: &NewMail<'_>, now: OffsetDateTime) -> Result<i64> {
    let sql = "INSERT INTO mail_outbox (kind, to_address, subject, text_body, html_body,
                                        next_attempt_at, created_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)";
    conn.prepare_cached(sql)?.execute(params![
        m.kind,
        m.to,
        m.subject,
        m.text,
        m.html,
        to_ts(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Messages due at `now`, oldest first.
pub fn due(conn: &Connection, now: OffsetDateTime, limit: u32) -> Result<Vec<MailRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_outbox WHERE state = 'queued' AND next_attempt_at <= ?1
         ORDER BY next_attempt_at, id LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![to_ts(now), limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks a message sent and erases its bodies.
pub fn mark_sent(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE mail_outbox SET state = 'sent', attempts = attempts + 1, last_error = NULL,
                                      text_body = '', html_body = '', done_at = ?2
               WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, to_ts(now)])?;
    Ok(())
}

/// Records a failed attempt: tried again at `next`, or (when `next` is `None`) given up with
/// its bodies erased.
pub fn mark_attempt_failed(
    conn: &Connection,
    id: i64,
    error: &str,
    next: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE mail_outbox SET
                 attempts = attempts + 1, last_error = ?2,
                 next_attempt_at = COALESCE(?3, next_attempt_at),
                 state = CASE WHEN ?3 IS NULL THEN 'failed' ELSE state END,
                 text_body = CASE WHEN ?3 IS NULL THEN '' ELSE text_body END,
                 html_body = CASE WHEN ?3 IS NULL THEN '' ELSE html_body END,
                 done_at = CASE WHEN ?3 IS NULL THEN ?4 ELSE done_at END
               WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, error, next.map(to_ts), to_ts(now)])?;
    Ok(())
}

/// The newest messages (any state), for the admins' mail log.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<MailRow>> {
    let sql =
        format!("SELECT {COLUMNS} FROM mail_outbox ORDER BY created_at DESC, id DESC LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
