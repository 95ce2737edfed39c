//! Who is emailed about what: admins who want account alerts, the assignee of a conversation a
//! customer wrote in while they were away, and what was already emailed.

use super::{Result, to_ts};
use crate::model::{Email, UserId};
use rusqlite::{Connection, OptionalExtension, params};
use time::{Duration, OffsetDateTime};

/// Alerts not emailed yet that matter (warning, critical): (title, detail, severity). Every
/// alert not emailed yet is marked emailed, so each is looked at once.
pub fn take_unemailed_alerts(
    conn: &Connection,
    now: OffsetDateTime,
) -> Result<Vec<(String, String, String, String)>> {
    let sql = "SELECT title, detail, severity, field FROM account_alerts
               WHERE emailed_at IS NULL AND severity <> 'info' ORDER BY at, id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    conn.prepare_cached("UPDATE account_alerts SET emailed_at = ?1 WHERE emailed_at IS NULL")?
        .execute([to_ts(now)])?;
    Ok(rows)
}

/// Active admins who want account alerts by email.
pub fn alert_recipients(conn: &Connection) -> Result<Vec<Email>> {
    let sql = "SELECT email FROM users WHERE role = 'admin' AND disabled_at IS NULL AND email_on_alerts = 1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    let mut out = Vec::new();
    for e in rows {
        if let Ok(e) = Email::parse(&e?) {
            out.push(e);
        }
    }
    Ok(out)
}

/// Conversations a customer wrote in (within `recent`) since their assignee was last emailed
/// about them, whose assignee wants "a customer wrote" emails, has been away (no request for
/// `away`) and was not emailed about this conversation within `every`: (conversation id, the
/// assignee's email, the contact's name). Each returned conversation is marked emailed. Uses the
/// partial index of unread conversations, so it stays cheap on a large inbox.
pub fn take_away_assignees(
    conn: &Connection,
    now: OffsetDateTime,
    recent: Duration,
    away: Duration,
    every: Duration,
) -> Result<Vec<(i64, Email, String)>> {
    let sql = "SELECT c.id, u.email,
                      COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, '')
               FROM conversations c JOIN users u ON u.id = c.assignee_id JOIN contacts k ON k.id = c.contact_id
               WHERE c.unread_count > 0 AND c.assignee_id IS NOT NULL
                 AND u.disabled_at IS NULL AND u.email_on_customer = 1
                 AND c.last_inbound_at > ?1
                 AND (c.emailed_at IS NULL OR (c.emailed_at <= ?2 AND c.last_inbound_at > c.emailed_at))
                 AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.user_id = u.id AND s.last_seen_at > ?3)";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt
        .query_map(
            params![to_ts(now - recent), to_ts(now - every), to_ts(now - away)],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (id, email, contact) in rows {
        conn.prepare_cached("UPDATE conversations SET emailed_at = ?2 WHERE id = ?1")?
            .execute(params![id, to_ts(now)])?;
        if let Ok(e) = Email::parse(&email) {
            out.push((id, e, contact));
        }
    }
    Ok(out)
}

/// The email of `user` when they want to hear about assignments and are active.
pub fn assign_recipient(conn: &Connection, user: UserId) -> Result<Option<Email>> {
    let sql =
        "SELECT email FROM users WHERE id = ?1 AND disabled_at IS NULL AND email_on_assign = 1";
    let email: Option<String> = conn
        .prepare_cached(sql)?
        .query_row([user.0], |r| r.get(0))
        .optional()?;
    Ok(email.and_then(|e| Email::parse(&e).ok()))
}
