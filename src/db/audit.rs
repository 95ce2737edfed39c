//! The `audit_log` table: who did what, when, from where. Never secrets or message text.

use super::{Result, from_ts, to_ts};
use crate::model::UserId;
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// One audit event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// When it happened.
    pub at: OffsetDateTime,
    /// Who did it, when known.
    pub actor: Option<UserId>,
    /// Dotted action name, e.g. `login.failure`.
    pub action: String,
    /// What it was done to (an email, a user id, a secret name).
    pub target: String,
    /// Client address, when over HTTP.
    pub ip: String,
    /// Short extra detail.
    pub detail: String,
}

/// Appends an event.
pub fn record(conn: &Connection, e: &Entry) -> Result<()> {
    let sql = "INSERT INTO audit_log (at, actor_user_id, action, target, ip, detail)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    conn.prepare_cached(sql)?.execute(params![
        to_ts(e.at),
        e.actor.map(|a| a.0),
        e.action,
        e.target,
        e.ip,
        e.detail
    ])?;
    Ok(())
}

/// The newest events first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<Entry>> {
    let sql = "SELECT at, actor_user_id, action, target, ip, detail
               FROM audit_log ORDER BY id DESC LIMIT ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([limit], |r| {
        Ok(Entry {
            at: from_ts(r.get(0)?),
            actor: r.get::<_, Option<i64>>(1)?.map(UserId),
            action: r.get(2)?,
            target: r.get(3)?,
            ip: r.get(4)?,
            detail: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What the audit page filters by; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Who did it.
    pub actor: Option<UserId>,
    /// Actions starting with this (`login`, `user.invite` ...).
    pub action: Option<String>,
    /// Targets containing this.
    pub target: Option<String>,
    /// At or after.
    pub from: Option<OffsetDateTime>,
    /// Before.
    pub to: Option<OffsetDateTime>,
}

/// An event with its row id and the actor's name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditRow {
    /// Row id (the page's cursor).
    pub id: i64,
    /// The event.
    pub entry: Entry,
    /// The actor's name or email, when the actor is a user still on the team.
    pub actor_name: Option<String>,
}

/// Events matching `f`, newest first, older than the `before` row id, at most `limit`.
pub fn search(
    conn: &Connection,
    f: &AuditFilter,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<AuditRow>> {
    let sql = "SELECT a.id, a.at, a.actor_user_id, a.action, a.target, a.ip, a.detail,
                      COALESCE(NULLIF(u.name, ''), u.email)
               FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
               WHERE (?1 IS NULL OR a.id < ?1)
                 AND (?2 IS NULL OR a.actor_user_id = ?2)
                 AND (?3 IS NULL OR a.action = ?3 OR a.action LIKE ?3 || '.%' ESCAPE '\\')
                 AND (?4 IS NULL OR instr(lower(a.target), lower(?4)) > 0)
                 AND (?5 IS NULL OR a.at >= ?5)
                 AND (?6 IS NULL OR a.at < ?6)
               ORDER BY a.id DESC LIMIT ?7";
    let action = f.action.as_deref().map(|a| {
        a.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    });
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        params![
            before,
            f.actor.map(|a| a.0),
            action,
            f.target,
            f.from.map(to_ts),
            f.to.map(to_ts),
            limit
        ],
        |r| {
            Ok(AuditRow {
                id: r.get(0)?,
                entry: Entry {
                    at: from_ts(r.get(1)?),
                    actor: r.get::<_, Option<i64>>(2)?.map(UserId),
                    action: r.get(3)?,
                    target: r.get(4)?,
                    ip: r.get(5)?,
                    detail: r.get(6)?,
                },
                actor_name: r.get(7)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Removes events older than `before`; returns how many.
pub fn purge_before(conn: &Connection, before: OffsetDateTime) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM audit_log WHERE at < ?1")?
        .execute([to_ts(before)])?)
}
