//! Google Sheets sync state: per synced row its key and keyed hashes of what FlowCRM last wrote
//! (`sheets_rows`), one row per run (`sheets_runs`), and the lease and backoff
//! (`sheets_state`). `source` reads the contacts and orders a run puts in the sheet.

mod source;

use super::{Result, from_ts, to_ts};
use crate::model::ContactId;
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::HashMap;
use time::OffsetDateTime;

pub use source::*;

/// Keyed hashes of a row's cells, one 8-character slot per configured column in order
/// (`--------` for none), in one string: 100,000 rows of state stay a few megabytes. A hash
/// covers the column's source too, so after the columns change a slot simply stops matching.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hashes(String);

/// The width of one slot.
pub const HASH_LEN: usize = 8;
const NONE: &str = "--------";

impl Hashes {
    /// The hash of column `i`, when stored.
    #[must_use]
    pub fn get(&self, i: usize) -> Option<&str> {
        self.0
            .get(i * HASH_LEN..(i + 1) * HASH_LEN)
            .filter(|h| *h != NONE)
    }

    /// Appends the next column's hash (`h` must be [`HASH_LEN`] characters).
    pub fn push(&mut self, h: Option<&str>) {
        self.0
            .push_str(h.filter(|h| h.len() == HASH_LEN).unwrap_or(NONE));
    }

    /// Drops the empty slots at the end (a row with no sheet-owned column stores nothing).
    pub fn trim(&mut self) {
        while self.0.ends_with(NONE) {
            self.0.truncate(self.0.len() - HASH_LEN);
        }
    }

    /// A copy with column `i` set to `h` (or cleared).
    #[must_use]
    pub fn with(&self, i: usize, h: Option<&str>) -> Self {
        let mut out = Self::default();
        let n = (self.0.len() / HASH_LEN).max(i + 1);
        for c in 0..n {
            out.push(if c == i { h } else { self.get(c) });
        }
        out
    }

    /// As stored.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What FlowCRM knows of one row it put in a tab.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowState {
    /// Whose data the row holds.
    pub contact_id: Option<ContactId>,
    /// Per column, the keyed hash of the value last written.
    pub cells: Hashes,
    /// Per sheet-owned column, the keyed hash of the value both sides last had.
    pub agreed: Hashes,
    /// The erasure receipt's code, when the contact was erased since.
    pub erasure: Option<String>,
}

/// Every row FlowCRM put in `tab`, by key.
pub fn rows(conn: &Connection, tab: &str) -> Result<HashMap<String, RowState>> {
    let sql = "SELECT key, contact_id, cells, agreed, erasure FROM sheets_rows WHERE tab = ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([tab], |r: &Row<'_>| {
        Ok((
            r.get::<_, String>(0)?,
            RowState {
                contact_id: r.get::<_, Option<i64>>(1)?.map(ContactId),
                cells: Hashes(r.get(2)?),
                agreed: Hashes(r.get(3)?),
                erasure: r.get(4)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores (or replaces) the state of a row.
pub fn put_row(
    conn: &Connection,
    tab: &str,
    key: &str,
    s: &RowState,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO sheets_rows (tab, key, contact_id, cells, agreed, erasure, synced_at)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
        ON CONFLICT (tab, key) DO UPDATE SET contact_id = ?3, cells = ?4, agreed = ?5,
            erasure = ?6, synced_at = ?7";
    conn.prepare_cached(sql)?.execute(params![
        tab,
        key,
        s.contact_id.map(|c| c.0),
        s.cells.as_str(),
        s.agreed.as_str(),
        s.erasure,
        to_ts(now)
    ])?;
    Ok(())
}

/// Forgets a row (it was deleted from the sheet).
pub fn delete_row(conn: &Connection, tab: &str, key: &str) -> Result<()> {
    let sql = "DELETE FROM sheets_rows WHERE tab = ?1 AND key = ?2";
    conn.prepare_cached(sql)?.execute(params![tab, key])?;
    Ok(())
}

/// Notes that the contact behind some rows was erased (receipt `code`): the hashes go now, the
/// rows are removed from the sheet at the next run, which logs the code.
pub fn mark_erased(conn: &Connection, contact: ContactId, code: &str) -> Result<usize> {
    let sql = "UPDATE sheets_rows SET cells = '', agreed = '', erasure = ?2, contact_id = NULL
        WHERE contact_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![contact.0, code])?)
}

/// The lease, backoff and column layout.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// When the run holding the lease started.
    pub running_since: Option<OffsetDateTime>,
    /// Failed runs in a row (429 or 5xx) since the last success.
    pub failures: u32,
    /// Not before this (backoff).
    pub next_attempt_at: Option<OffsetDateTime>,
    /// Where the key and owned columns were last seen (the engine's text).
    pub layout: String,
}

/// The state row.
pub fn state(conn: &Connection) -> Result<SyncState> {
    let sql =
        "SELECT running_since, failures, next_attempt_at, layout FROM sheets_state WHERE id = 1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([], |r| {
            Ok(SyncState {
                running_since: r.get::<_, Option<i64>>(0)?.map(from_ts),
                failures: r.get(1)?,
                next_attempt_at: r.get::<_, Option<i64>>(2)?.map(from_ts),
                layout: r.get(3)?,
            })
        })
        .optional()?
        .unwrap_or_default())
}

/// Takes the lease unless a run holds it (one that started before `stale_before` is taken
/// over: its process died). True when taken.
pub fn take_lease(
    conn: &Connection,
    now: OffsetDateTime,
    stale_before: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE sheets_state SET running_since = ?1
        WHERE id = 1 AND (running_since IS NULL OR running_since < ?2)";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![to_ts(now), to_ts(stale_before)])?
        == 1)
}

/// Gives the lease back.
pub fn release_lease(conn: &Connection) -> Result<()> {
    conn.prepare_cached("UPDATE sheets_state SET running_since = NULL WHERE id = 1")?
        .execute([])?;
    Ok(())
}

/// Records a backoff (or clears it: `failures` 0 and no time).
pub fn set_backoff(conn: &Connection, failures: u32, next: Option<OffsetDateTime>) -> Result<()> {
    let sql = "UPDATE sheets_state SET failures = ?1, next_attempt_at = ?2 WHERE id = 1";
    conn.prepare_cached(sql)?
        .execute(params![failures, next.map(to_ts)])?;
    Ok(())
}

/// Remembers the column layout.
pub fn set_layout(conn: &Connection, layout: &str) -> Result<()> {
    conn.prepare_cached("UPDATE sheets_state SET layout = ?1 WHERE id = 1")?
        .execute([layout])?;
    Ok(())
}

/// One sync run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Run {
    /// Row id.
    pub id: i64,
    /// Started.
    pub started_at: Option<OffsetDateTime>,
    /// Finished.
    pub finished_at: Option<OffsetDateTime>,
    /// schedule | button | cli.
    pub trigger: String,
    /// Only planned, nothing written.
    pub dry_run: bool,
    /// None while running.
    pub ok: Option<bool>,
    /// Rows appended.
    pub added: u32,
    /// Rows whose cells changed.
    pub updated: u32,
    /// Rows deleted.
    pub deleted: u32,
    /// Values read back into FlowCRM.
    pub read_back: u32,
    /// Values from the sheet skipped as invalid.
    pub skipped: u32,
    /// Requests sent to the Sheets API.
    pub requests: u32,
    /// `quota`, `server`, `not_shared`, `not_found`, `auth`, `network`, `invalid`, `flowcrm`.
    pub error_kind: Option<String>,
    /// The failure in plain words, with Google's message.
    pub error: Option<String>,
    /// Notable events, one per line (ids and codes only).
    pub log: String,
}

/// Records the start of a run.
pub fn start_run(
    conn: &Connection,
    trigger: &str,
    dry_run: bool,
    now: OffsetDateTime,
) -> Result<i64> {
    let sql = "INSERT INTO sheets_runs (started_at, trigger, dry_run) VALUES (?1, ?2, ?3)";
    conn.prepare_cached(sql)?
        .execute(params![to_ts(now), trigger, dry_run])?;
    Ok(conn.last_insert_rowid())
}

/// Records how a run ended.
pub fn finish_run(conn: &Connection, r: &Run, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE sheets_runs SET finished_at = ?2, ok = ?3, added = ?4, updated = ?5,
        deleted = ?6, read_back = ?7, skipped = ?8, requests = ?9, error_kind = ?10, error = ?11,
        log = ?12 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![
        r.id,
        to_ts(now),
        r.ok,
        r.added,
        r.updated,
        r.deleted,
        r.read_back,
        r.skipped,
        r.requests,
        r.error_kind,
        r.error,
        r.log
    ])?;
    Ok(())
}

const RUN_COLUMNS: &str = "id, started_at, finished_at, trigger, dry_run, ok, added, updated,
    deleted, read_back, skipped, requests, error_kind, error, log";

fn run_from_row(r: &Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        started_at: Some(from_ts(r.get(1)?)),
        finished_at: r.get::<_, Option<i64>>(2)?.map(from_ts),
        trigger: r.get(3)?,
        dry_run: r.get(4)?,
        ok: r.get(5)?,
        added: r.get(6)?,
        updated: r.get(7)?,
        deleted: r.get(8)?,
        read_back: r.get(9)?,
        skipped: r.get(10)?,
        requests: r.get(11)?,
        error_kind: r.get(12)?,
        error: r.get(13)?,
        log: r.get(14)?,
    })
}

/// The newest runs, newest first.
pub fn recent_runs(conn: &Connection, limit: u32) -> Result<Vec<Run>> {
    let sql = format!("SELECT {RUN_COLUMNS} FROM sheets_runs ORDER BY id DESC LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], run_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest successful run that wrote (not a dry run).
pub fn last_ok(conn: &Connection) -> Result<Option<Run>> {
    let sql = format!(
        "SELECT {RUN_COLUMNS} FROM sheets_runs WHERE ok = 1 AND dry_run = 0 ORDER BY id DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([], run_from_row)
        .optional()?)
}
