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
