//! The report queries: each reads one index range of `report_events`, `report_counts`,
//! `report_ads`, `orders` or the priced messages for `[from, to)` (unix seconds).

use crate::db::Result;
use rusqlite::{Connection, params};

/// The measured seconds (`business`: business seconds) of the events of `kind` in
/// `[from, to)`, with the user each is attributed to; of `user` only when given.
pub fn values(
    conn: &Connection,
    kind: &str,
    (from, to): (i64, i64),
    user: Option<i64>,
    business: bool,
) -> Result<Vec<(Option<i64>, i64)>> {
    let sql = if business {
        "SELECT user_id, business_seconds FROM report_events
         WHERE kind = ?1 AND at >= ?2 AND at < ?3 AND seconds IS NOT NULL
           AND (?4 IS NULL OR user_id = ?4)"
    } else {
        "SELECT user_id, seconds FROM report_events
         WHERE kind = ?1 AND at >= ?2 AND at < ?3 AND seconds IS NOT NULL
           AND (?4 IS NULL OR user_id = ?4)"
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query(params![kind, from, to, user])?;
    let mut out = Vec::new();
    while let Some(r) = rows.next()? {
        out.push((r.get(0)?, r.get(1)?));
    }
    Ok(out)
}

/// Events of `kind` per local day from `first` to `last` (day numbers, inclusive): (day, user
/// (0: nobody), events, replies inside the window); of `user` only when given.
pub fn days(
    conn: &Connection,
    kind: &str,
    (first, last): (i64, i64),
    user: Option<i64>,
) -> Result<Vec<(i64, i64, i64, i64)>> {
    let sql = "SELECT day, user_id, n, inside FROM report_days
               WHERE kind = ?1 AND day >= ?2 AND day <= ?3 AND (?4 IS NULL OR user_id = ?4)
                 AND n > 0";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![kind, first, last, user], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Conversations whose customer's window closed in `[from, to)` (and before `now`) with their
/// message unanswered: recorded ones, and those still waiting.
pub fn expired(conn: &Connection, from: i64, to: i64, now: i64) -> Result<i64> {
    // The waiting ones (one cycle per conversation), plus the recorded ones of other
    // conversations: the same as the union of the two, without sorting tens of thousands.
    let sql = "SELECT (SELECT COUNT(*) FROM report_cycles
                       WHERE waiting_since IS NOT NULL AND open_at IS NOT NULL
                         AND last_in >= ?1 - 86400 AND last_in < MIN(?2, ?3 + 1) - 86400)
                    + (SELECT COUNT(DISTINCT e.conversation_id) FROM report_events e
                       WHERE e.kind = 'window_expired' AND e.at >= ?1 AND e.at < ?2
                         AND NOT EXISTS (
                           SELECT 1 FROM report_cycles y
                           WHERE y.conversation_id = e.conversation_id
                             AND y.waiting_since IS NOT NULL AND y.open_at IS NOT NULL
                             AND y.last_in >= ?1 - 86400
                             AND y.last_in < MIN(?2, ?3 + 1) - 86400))";
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![from, to, now], |r| r.get(0))?)
}

/// Messages in and out per quarter hour in `[from, to)`: (bucket start, in, out).
pub fn counts(conn: &Connection, from: i64, to: i64) -> Result<Vec<(i64, i64, i64)>> {
    let sql = "SELECT bucket, msgs_in, msgs_out FROM report_counts
               WHERE bucket >= ?1 AND bucket < ?2";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Conversations now: (open or pending, of them unassigned, of them waiting for an answer), of
/// `user`'s only when given.
pub fn now_counts(conn: &Connection, user: Option<i64>) -> Result<(i64, i64, i64)> {
    if user.is_some() {
        let sql = "SELECT COUNT(*), 0, COALESCE(SUM(y.waiting_since IS NOT NULL), 0)
                   FROM conversations c LEFT JOIN report_cycles y ON y.conversation_id = c.id
                   WHERE c.assignee_id = ?1 AND c.status IN ('open', 'pending')";
        return Ok(conn
            .prepare_cached(sql)?
            .query_row([user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?);
    }
    // Index-only counts (conversations_open, report_cycles_waiting).
    let sql = "SELECT (SELECT COUNT(*) FROM conversations WHERE status IN ('open', 'pending')),
                      (SELECT COUNT(*) FROM conversations
                       WHERE status IN ('open', 'pending') AND assignee_id IS NULL),
                      (SELECT COUNT(*) FROM report_cycles
                       WHERE waiting_since IS NOT NULL AND open_at IS NOT NULL)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

/// Messages Meta charged in `[from, to)` per hour, the recipient's number prefix (`+` and
/// three digits) and category: (hour start, prefix, category, messages).
pub fn charged(conn: &Connection, from: i64, to: i64) -> Result<Vec<(i64, String, String, i64)>> {
    let sql = "SELECT hour * 3600, prefix, category, n FROM report_charges
               WHERE hour >= ?1 / 3600 AND hour < (?2 + 3599) / 3600 AND n > 0";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Orders placed in `[from, to)`, cancelled ones left out: (created at, currency, total).
pub fn orders(conn: &Connection, from: i64, to: i64) -> Result<Vec<(i64, String, i64)>> {
    let sql = "SELECT created_at, currency, total_minor FROM orders
               WHERE created_at >= ?1 AND created_at < ?2 AND status <> 'cancelled'";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Click-to-WhatsApp ads and posts customers came from in `[from, to)`: (source id, latest
/// headline, conversations).
pub fn ads(conn: &Connection, from: i64, to: i64) -> Result<Vec<(String, String, i64)>> {
    let sql = "SELECT source_id, MAX(headline), COUNT(DISTINCT conversation_id) FROM report_ads
               WHERE at >= ?1 AND at < ?2 GROUP BY source_id ORDER BY 3 DESC, 1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Orders placed in `[from, to)` by customers who came from an ad, each credited to the last
/// ad they came from before ordering: (source id, currency, orders, total).
pub fn ad_orders(conn: &Connection, from: i64, to: i64) -> Result<Vec<(String, String, i64, i64)>> {
    let sql = "SELECT ad, currency, COUNT(*), SUM(total_minor) FROM (
                 SELECT o.currency, o.total_minor,
                        (SELECT a.source_id FROM conversations c
                         JOIN report_ads a ON a.conversation_id = c.id
                         WHERE c.contact_id = o.contact_id AND a.at <= o.created_at
                         ORDER BY a.at DESC LIMIT 1) AS ad
                 FROM orders o
                 WHERE o.created_at >= ?1 AND o.created_at < ?2 AND o.status <> 'cancelled'
                   AND o.contact_id IS NOT NULL)
               WHERE ad IS NOT NULL GROUP BY ad, currency ORDER BY ad, currency";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A conversation's events in a range, for the per-conversation export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConversationEvent {
    /// Conversation.
    pub conversation: i64,
    /// Kind (stored name).
    pub kind: String,
    /// When.
    pub at: i64,
    /// Seconds, business seconds.
    pub seconds: Option<(i64, i64)>,
}

/// Opened, reopened, first-response and resolved events in `[from, to)`, by conversation and
/// time.
pub fn conversation_events(
    conn: &Connection,
    from: i64,
    to: i64,
) -> Result<Vec<ConversationEvent>> {
    let sql = "SELECT conversation_id, kind, at, seconds, business_seconds FROM report_events
               WHERE kind IN ('opened', 'reopened', 'first_response', 'resolved')
                 AND at >= ?1 AND at < ?2
               ORDER BY conversation_id, at, id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| {
        let s: Option<i64> = r.get(3)?;
        let b: Option<i64> = r.get(4)?;
        Ok(ConversationEvent {
            conversation: r.get(0)?,
            kind: r.get(1)?,
            at: r.get(2)?,
            seconds: s.zip(b),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Who a conversation is with and who has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct People {
    /// Contact name (else their WhatsApp name).
    pub contact: String,
    /// Contact phone.
    pub phone: Option<String>,
    /// Assignee's name or email.
    pub agent: Option<String>,
    /// Contact's tags, `; `-separated.
    pub tags: String,
}

/// Who conversation `conversation` is with and who has it.
pub fn conversation_people(conn: &Connection, conversation: i64) -> Result<Option<People>> {
    use rusqlite::OptionalExtension;
    let sql = "SELECT COALESCE(NULLIF(k.name, ''), k.profile_name), k.phone,
                      COALESCE(NULLIF(u.name, ''), u.email),
                      (SELECT group_concat(t.name, '; ') FROM contact_tags ct
                       JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = k.id)
               FROM conversations c JOIN contacts k ON k.id = c.contact_id
               LEFT JOIN users u ON u.id = c.assignee_id WHERE c.id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([conversation], |r| {
            Ok(People {
                contact: r.get(0)?,
                phone: r.get(1)?,
                agent: r.get(2)?,
                tags: r.get::<_, Option<String>>(3)?.unwrap_or_default(),
            })
        })
        .optional()?)
}

/// Charged messages per conversation in `[from, to)`: (conversation, category, messages).
pub fn charged_by_conversation(
    conn: &Connection,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, String, i64)>> {
    let sql = "SELECT m.conversation_id, lower(m.pricing_category), COUNT(*) FROM messages m
               WHERE m.pricing_category IS NOT NULL AND m.sent_at >= ?1 AND m.sent_at < ?2
                 AND m.direction = 'out'
                 AND (m.pricing_type = 'regular' OR (m.pricing_type IS NULL AND m.billable = 1))
               GROUP BY 1, 2";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Every stored event (tests compare the back-fill with live recording): (conversation, kind,
/// at, user, seconds, business seconds, inside the window), in a stable order.
pub type EventRow = (
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
);

/// Every stored event, ordered by conversation, time and kind.
pub fn all_events(conn: &Connection) -> Result<Vec<EventRow>> {
    let sql = "SELECT conversation_id, kind, at, user_id, seconds, business_seconds, in_window
               FROM report_events ORDER BY conversation_id, at, kind";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            r.get(2)?,
            r.get(3)?,
            r.get(4)?,
            r.get(5)?,
            r.get(6)?,
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many events are stored.
pub fn count_events(conn: &Connection) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM report_events")?
        .query_row([], |r| r.get(0))?)
}
