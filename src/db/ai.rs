//! AI assist's tables: conversation summaries, the per-call log (no content), and the
//! contacts who said "no AI". Also the conversation read newest-first for a prompt.

use super::{Result, from_ts, to_ts};
use crate::model::ContactId;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// Feeds `each` the conversation's messages with text, newest first, as (from the customer,
/// text), until it returns false; notes live elsewhere and are never read here. Returns how
/// many messages with text the conversation has.
pub fn newest_first(
    conn: &Connection,
    conversation: i64,
    mut each: impl FnMut(bool, &str) -> bool,
) -> Result<usize> {
    let total: i64 = conn
        .prepare_cached(
            "SELECT count(*) FROM messages WHERE conversation_id = ?1 AND body <> ''
             AND deleted_at IS NULL",
        )?
        .query_row([conversation], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT direction = 'in', body FROM messages WHERE conversation_id = ?1 AND body <> ''
         AND deleted_at IS NULL ORDER BY sent_at DESC, id DESC",
    )?;
    let mut rows = stmt.query([conversation])?;
    while let Some(row) = rows.next()? {
        let body: String = row.get(1)?;
        if !each(row.get(0)?, &body) {
            break;
        }
    }
    Ok(usize::try_from(total).unwrap_or_default())
}

/// A stored summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    /// The conversation.
    pub conversation_id: i64,
    /// Whose conversation.
    pub contact_id: ContactId,
    /// The text (placeholders restored).
    pub body: String,
    /// The model that wrote it.
    pub model: String,
    /// `model::ai::PROMPT_VERSION` when it was made.
    pub prompt_version: String,
    /// Messages sent for it.
    pub messages_used: usize,
    /// Messages the conversation had.
    pub messages_total: usize,
    /// What was redacted (`phone=2 email=1`).
    pub redactions: String,
    /// Who asked.
    pub created_by: Option<i64>,
    /// When.
    pub created_at: OffsetDateTime,
}

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    Ok(Summary {
        conversation_id: r.get(0)?,
        contact_id: ContactId(r.get(1)?),
        body: r.get(2)?,
        model: r.get(3)?,
        prompt_version: r.get(4)?,
        messages_used: usize::try_from(r.get::<_, i64>(5)?).unwrap_or_default(),
        messages_total: usize::try_from(r.get::<_, i64>(6)?).unwrap_or_default(),
        redactions: r.get(7)?,
        created_by: r.get(8)?,
        created_at: from_ts(r.get(9)?),
    })
}

const SUMMARY: &str = "SELECT conversation_id, contact_id, body, model, prompt_version,
    messages_used, messages_total, redactions, created_by, created_at FROM ai_summaries";

/// The conversation's summary, if one was made.
pub fn summary(conn: &Connection, conversation: i64) -> Result<Option<Summary>> {
    Ok(conn
        .prepare_cached(&format!("{SUMMARY} WHERE conversation_id = ?1"))?
        .query_row([conversation], summary_row)
        .optional()?)
}

/// The contact's summaries, newest first (their export).
pub fn summaries_of(conn: &Connection, contact: ContactId) -> Result<Vec<Summary>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SUMMARY} WHERE contact_id = ?1 ORDER BY created_at DESC"
    ))?;
    let rows = stmt.query_map([contact.0], summary_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores (or replaces) a conversation's summary.
pub fn put_summary(conn: &Connection, s: &Summary) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ai_summaries (conversation_id, contact_id, body, model, prompt_version,
             messages_used, messages_total, redactions, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (conversation_id) DO UPDATE SET body = excluded.body,
             model = excluded.model, prompt_version = excluded.prompt_version,
             messages_used = excluded.messages_used, messages_total = excluded.messages_total,
             redactions = excluded.redactions, created_by = excluded.created_by,
             created_at = excluded.created_at",
    )?
    .execute(params![
        s.conversation_id,
        s.contact_id.0,
        s.body,
        s.model,
        s.prompt_version,
        i64::try_from(s.messages_used).unwrap_or(i64::MAX),
        i64::try_from(s.messages_total).unwrap_or(i64::MAX),
        s.redactions,
        s.created_by,
        to_ts(s.created_at),
    ])?;
    Ok(())
}

/// Summaries made before `before`: counted, or deleted (`delete`). Retention: a summary older
/// than the message limit describes messages older still.
pub fn summaries_before(conn: &Connection, before: OffsetDateTime, delete: bool) -> Result<u64> {
    let sql = if delete {
        "DELETE FROM ai_summaries WHERE created_at < ?1"
    } else {
        "SELECT count(*) FROM ai_summaries WHERE created_at < ?1"
    };
    let n = if delete {
        conn.prepare_cached(sql)?.execute([to_ts(before)])?
    } else {
        let n: i64 = conn
            .prepare_cached(sql)?
            .query_row([to_ts(before)], |r| r.get(0))?;
        usize::try_from(n).unwrap_or_default()
    };
    Ok(u64::try_from(n).unwrap_or_default())
}

/// Deletes the contact's summaries (erasure); how many.
pub fn delete_summaries(conn: &Connection, contact: ContactId) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM ai_summaries WHERE contact_id = ?1")?
        .execute([contact.0])?)
}

/// One call to the AI endpoint, as logged: never any content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Call {
    /// When.
    pub at: OffsetDateTime,
    /// Who asked (none: the CLI).
    pub user_id: Option<i64>,
    /// Whose conversation (none: a connection test).
    pub contact_id: Option<ContactId>,
    /// summary, draft, template, rewrite, translate, suggest or test.
    pub feature: String,
    /// The endpoint's host.
    pub host: String,
    /// The model asked.
    pub model: String,
    /// Prompt tokens.
    pub tokens_in: u32,
    /// Answer tokens.
    pub tokens_out: u32,
    /// The server reported no usage: the counts are FlowCRM's estimate.
    pub estimated: bool,
    /// What was redacted (`phone=2 email=1`).
    pub redactions: String,
    /// ok, or the failure's kind.
    pub outcome: String,
}

/// Appends a call to the log.
pub fn log_call(conn: &Connection, c: &Call) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO ai_calls (at, user_id, contact_id, feature, host, model, tokens_in,
             tokens_out, estimated, redactions, outcome)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        to_ts(c.at),
        c.user_id,
        c.contact_id.map(|c| c.0),
        c.feature,
        c.host,
        c.model,
        c.tokens_in,
        c.tokens_out,
        c.estimated,
        c.redactions,
        c.outcome,
    ])?;
    Ok(())
}

/// The newest `limit` calls, newest first, with the asker's name.
pub fn recent_calls(conn: &Connection, limit: u32) -> Result<Vec<(Call, Option<String>)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.at, a.user_id, a.contact_id, a.feature, a.host, a.model, a.tokens_in,
             a.tokens_out, a.estimated, a.redactions, a.outcome,
             COALESCE(NULLIF(u.name, ''), u.email)
         FROM ai_calls a LEFT JOIN users u ON u.id = a.user_id ORDER BY a.id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit], |r| {
        Ok((
            Call {
                at: from_ts(r.get(0)?),
                user_id: r.get(1)?,
                contact_id: r.get::<_, Option<i64>>(2)?.map(ContactId),
                feature: r.get(3)?,
                host: r.get(4)?,
                model: r.get(5)?,
                tokens_in: r.get(6)?,
                tokens_out: r.get(7)?,
                estimated: r.get(8)?,
                redactions: r.get(9)?,
                outcome: r.get(10)?,
            },
            r.get(11)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tokens (in + out) and calls logged since `since`.
pub fn used_since(conn: &Connection, since: OffsetDateTime) -> Result<(u64, u64)> {
    let (tokens, calls): (i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(sum(tokens_in + tokens_out), 0), count(*) FROM ai_calls WHERE at >= ?1",
        )?
        .query_row([to_ts(since)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok((
        u64::try_from(tokens).unwrap_or_default(),
        u64::try_from(calls).unwrap_or_default(),
    ))
}

/// Whether the contact said "no AI" (and since when).
pub fn objection(conn: &Connection, contact: ContactId) -> Result<Option<OffsetDateTime>> {
    Ok(conn
        .prepare_cached("SELECT at FROM ai_objections WHERE contact_id = ?1")?
        .query_row([contact.0], |r| r.get(0).map(from_ts))
        .optional()?)
}

/// Records or lifts "no AI"; true when something changed.
pub fn set_objection(
    conn: &Connection,
    contact: ContactId,
    on: bool,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = if on {
        conn.prepare_cached(
            "INSERT INTO ai_objections (contact_id, at, by_user) VALUES (?1, ?2, ?3)
             ON CONFLICT (contact_id) DO NOTHING",
        )?
        .execute(params![contact.0, to_ts(now), by])?
    } else {
        conn.prepare_cached("DELETE FROM ai_objections WHERE contact_id = ?1")?
            .execute([contact.0])?
    };
    Ok(n == 1)
}
