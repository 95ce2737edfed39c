//! Consent to receive messages: the state on `contacts.opt_in` and the `consent_events`
//! ledger with the source of every change.

use super::{Result, from_ts, to_ts};
use crate::model::{ContactId, OptIn};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// Records a consent change: the contact's state and a ledger row with its source.
pub fn set_opt_in(
    conn: &Connection,
    id: ContactId,
    state: OptIn,
    source: &str,
    user: Option<i64>,
    now: OffsetDateTime,
) -> Result<bool> {
    let changed = conn
        .prepare_cached(
            "UPDATE contacts SET opt_in = ?2, updated_at = ?3 WHERE id = ?1 AND opt_in <> ?2",
        )?
        .execute(params![id.0, state.as_str(), to_ts(now)])?
        == 1;
    if changed && state != OptIn::Unknown {
        conn.prepare_cached(
            "INSERT INTO consent_events (contact_id, at, state, source, user_id) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id.0, to_ts(now), state.as_str(), source, user])?;
    }
    Ok(changed)
}

/// A consent change.
#[derive(Debug, Clone)]
pub struct ConsentEvent {
    /// When.
    pub at: OffsetDateTime,
    /// New state.
    pub state: OptIn,
    /// Where it came from (form, import file, keyword, API).
    pub source: String,
    /// Who recorded it, when a person did.
    pub user: Option<String>,
}

/// A contact's consent ledger, newest first.
pub fn consent_events(conn: &Connection, id: ContactId) -> Result<Vec<ConsentEvent>> {
    let sql = "SELECT e.at, e.state, e.source, u.name FROM consent_events e
               LEFT JOIN users u ON u.id = e.user_id WHERE e.contact_id = ?1 ORDER BY e.at DESC, e.id DESC";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id.0], |r| {
        Ok(ConsentEvent {
            at: from_ts(r.get(0)?),
            state: r.get::<_, String>(1)?.parse().unwrap_or_default(),
            source: r.get(2)?,
            user: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Takes the other contact's consent state when this one has none recorded (merge).
pub fn adopt_opt_in(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    conn.prepare_cached(
        "UPDATE contacts SET opt_in = (SELECT opt_in FROM contacts WHERE id = ?1)
         WHERE id = ?2 AND opt_in = 'unknown'",
    )?
    .execute(params![from.0, to.0])?;
    Ok(())
}
