//! The `account_alerts` table: what Meta told the business about its account, number and
//! templates, for the admins. The newest alert of a topic is the one in force.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// An alert to record.
#[derive(Debug, Clone)]
pub struct NewAlert<'a> {
    /// When it happened.
    pub at: OffsetDateTime,
    /// Webhook field.
    pub field: &'a str,
    /// Meta's event name.
    pub event: &'a str,
    /// What it is about.
    pub topic: &'a str,
    /// `critical`, `warning` or `info`.
    pub severity: &'a str,
    /// True when sending is blocked while it is in force.
    pub blocks_sending: bool,
    /// One line.
    pub title: &'a str,
    /// In words.
    pub detail: &'a str,
    /// As received (JSON).
    pub value: &'a str,
}

/// A stored alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertRow {
    /// Row id.
    pub id: i64,
    /// When it happened.
    pub at: OffsetDateTime,
    /// Webhook field.
    pub field: String,
    /// Meta's event name.
    pub event: String,
    /// What it is about.
    pub topic: String,
    /// `critical`, `warning` or `info`.
    pub severity: String,
    /// True when sending is blocked while it is in force.
    pub blocks_sending: bool,
    /// One line.
    pub title: String,
    /// In words.
    pub detail: String,
    /// When an admin marked it handled.
    pub dismissed_at: Option<OffsetDateTime>,
    /// Who did.
    pub dismissed_by: Option<String>,
}

const COLUMNS: &str =
    "a.id, a.at, a.field, a.event, a.topic, a.severity, a.blocks_sending, a.title,
                       a.detail, a.dismissed_at, COALESCE(NULLIF(u.name, ''), u.email)";

fn from_row(r: &Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: r.get(0)?,
        at: from_ts(r.get(1)?),
        field: r.get(2)?,
        event: r.get(3)?,
        topic: r.get(4)?,
        severity: r.get(5)?,
        blocks_sending: r.get(6)?,
        title: r.get(7)?,
        detail: r.get(8)?,
        dismissed_at: r.get::<_, Option<i64>>(9)?.map(from_ts),
        dismissed_by: r.get(10)?,
    })
}

/// Records an alert.
pub fn insert(conn: &Connection, a: &NewAlert<'_>, now: OffsetDateTime) -> Result<i64> {
    let sql = "INSERT INTO account_alerts (at, received_at, field, event, topic, severity,
                                           blocks_sending, title, detail, value)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
    conn.prepare_cached(sql)?.execute(params![
        to_ts(a.at),
        to_ts(now),
        a.field,
        a.event,
        a.topic,
        a.severity,
        a.blocks_sending,
        a.title,
        a.detail,
        a.value
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The alerts in force: per topic the newest, when it is not `info` and not marked handled;
/// most severe first.
pub fn in_force(conn: &Connection) -> Result<Vec<AlertRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM account_alerts a LEFT JOIN users u ON u.id = a.dismissed_by
         WHERE a.id IN (SELECT (SELECT id FROM account_alerts n WHERE n.topic = t.topic
                                ORDER BY n.at DESC, n.id DESC LIMIT 1)
                        FROM (SELECT DISTINCT topic FROM account_alerts) t)
           AND a.severity <> 'info' AND a.dismissed_at IS NULL
         ORDER BY a.severity = 'critical' DESC, a.at DESC, a.id DESC"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The history, newest first, `limit` from `offset`.
pub fn history(conn: &Connection, limit: u32, offset: u32) -> Result<Vec<AlertRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM account_alerts a LEFT JOIN users u ON u.id = a.dismissed_by
         ORDER BY a.at DESC, a.id DESC LIMIT ?1 OFFSET ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![limit, offset], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Marks an alert handled; false when there is no such alert or it was already.
pub fn dismiss(conn: &Connection, id: i64, user: i64, now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE account_alerts SET dismissed_at = ?2, dismissed_by = ?3
               WHERE id = ?1 AND dismissed_at IS NULL";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id, to_ts(now), user])?
        == 1)
}

/// The severity of the newest alert on `topic`, if there is one.
pub fn latest_severity(conn: &Connection, topic: &str) -> Result<Option<String>> {
    let sql =
        "SELECT severity FROM account_alerts WHERE topic = ?1 ORDER BY at DESC, id DESC LIMIT 1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([topic], |r| r.get(0))
        .optional()?)
}
