//! The erasure record (one row of `erasures` per erased contact): no personal data, only keyed
//! hashes, the receipt's code and counts, who and why. It is also the erasure journal that a
//! restored backup re-applies and the Sheets sync reads.

use super::erase::Counts;
use crate::db::{Result, from_ts, to_ts};
use crate::model::UserId;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// The record an erasure leaves: no personal data, only keyed hashes to recognise the
/// contact again (a restored backup, a spreadsheet row) and the receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erasure {
    /// Row id.
    pub id: i64,
    /// The receipt's code.
    pub code: String,
    /// When.
    pub at: OffsetDateTime,
    /// Who erased (none for the CLI or an API key).
    pub by: Option<UserId>,
    /// Their name, when a user.
    pub by_name: String,
    /// Why (as typed).
    pub reason: String,
    /// Keyed hashes (hex) of the phone numbers and user ids.
    pub hashes: Vec<String>,
    /// What was removed.
    pub counts: Counts,
}

/// Stores an erasure record.
pub fn insert_erasure(
    conn: &Connection,
    code: &str,
    at: OffsetDateTime,
    by: Option<UserId>,
    reason: &str,
    hashes: &[String],
    counts: &Counts,
) -> Result<i64> {
    let sql = "INSERT INTO erasures (code, at, by_user, reason, hashes, counts)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    conn.prepare_cached(sql)?.execute(params![
        code,
        to_ts(at),
        by.map(|u| u.0),
        reason,
        hashes.join(" "),
        serde_json::to_string(counts).unwrap_or_default(),
    ])?;
    Ok(conn.last_insert_rowid())
}

const COLUMNS: &str = "e.id, e.code, e.at, e.by_user, COALESCE(NULLIF(u.name, ''), u.email, ''),
                       e.reason, e.hashes, e.counts";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Erasure> {
    let hashes: String = r.get(6)?;
    let counts: String = r.get(7)?;
    Ok(Erasure {
        id: r.get(0)?,
        code: r.get(1)?,
        at: from_ts(r.get(2)?),
        by: r.get::<_, Option<i64>>(3)?.map(UserId),
        by_name: r.get(4)?,
        reason: r.get(5)?,
        hashes: hashes.split_whitespace().map(str::to_string).collect(),
        counts: serde_json::from_str(&counts).unwrap_or_default(),
    })
}

/// The erasure with receipt code `code`.
pub fn erasure_by_code(conn: &Connection, code: &str) -> Result<Option<Erasure>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM erasures e LEFT JOIN users u ON u.id = e.by_user WHERE e.code = ?1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([code], from_row)
        .optional()?)
}

/// The erasure journal, oldest first (a restored backup re-applies it; the Sheets sync
/// removes the rows it names).
pub fn journal(conn: &Connection, after_id: i64, limit: u32) -> Result<Vec<Erasure>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM erasures e LEFT JOIN users u ON u.id = e.by_user
         WHERE e.id > ?1 ORDER BY e.id LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![after_id, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether any erasure recorded this keyed hash.
pub fn is_erased(conn: &Connection, hash: &str) -> Result<bool> {
    let sql = "SELECT EXISTS (SELECT 1 FROM erasures WHERE instr(' ' || hashes || ' ', ' ' || ?1 || ' ') > 0)";
    Ok(conn.prepare_cached(sql)?.query_row([hash], |r| r.get(0))?)
}

/// The receipt codes of every recorded erasure.
pub fn codes(conn: &Connection) -> Result<std::collections::HashSet<String>> {
    let mut stmt = conn.prepare_cached("SELECT code FROM erasures")?;
    let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records an erasure carried over from another copy of this database (a restored backup
/// re-applying the journal), under its original code and time. Its author is kept only when
/// that user exists here.
pub fn insert_carried(conn: &Connection, e: &Erasure) -> Result<()> {
    let by = match e.by {
        Some(u) => crate::db::users::get(conn, u)?.map(|_| u),
        None => None,
    };
    insert_erasure(conn, &e.code, e.at, by, &e.reason, &e.hashes, &e.counts).map(|_| ())
}

/// The erasure journal and the sealed erasure key of the database file at `path` (another copy
/// of this install's database: the one a restore replaces, or a replica), read-only. A database
/// from before erasures were recorded has an empty journal. `key_name` names the sealed key.
pub fn read_file(
    path: &std::path::Path,
    key_name: &str,
) -> Result<(Vec<Erasure>, Option<Vec<u8>>)> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let has: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'erasures'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if has.is_none() {
        return Ok((Vec::new(), None));
    }
    let mut all = Vec::new();
    loop {
        let batch = journal(&conn, all.last().map_or(0, |e: &Erasure| e.id), 1000)?;
        if batch.is_empty() {
            break;
        }
        all.extend(batch);
    }
    let key = crate::db::secrets::get(&conn, key_name)?;
    Ok((all, key))
}
