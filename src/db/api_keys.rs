//! The `api_keys` and `api_idempotency` tables.

use super::{Result, from_ts, to_ts};
use crate::model::Role;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// An API key as listed (never its secret).
#[derive(Debug, Clone)]
pub struct ApiKey {
    /// Row id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// Public prefix (`fck_xxxxxxxx`), shown to tell keys apart.
    pub prefix: String,
    /// What it may do.
    pub role: Role,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Last request made with it.
    pub last_used_at: Option<OffsetDateTime>,
    /// Revoked, when it was.
    pub revoked_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, name, prefix, role, created_at, last_used_at, revoked_at";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ApiKey> {
    Ok(ApiKey {
        id: r.get(0)?,
        name: r.get(1)?,
        prefix: r.get(2)?,
        role: r.get::<_, String>(3)?.parse().unwrap_or(Role::Agent),
        created_at: from_ts(r.get(4)?),
        last_used_at: r.get::<_, Option<i64>>(5)?.map(from_ts),
        revoked_at: r.get::<_, Option<i64>>(6)?.map(from_ts),
    })
}

/// Stores a new key by prefix and hash.
pub fn insert(
    conn: &Connection,
    name: &str,
    prefix: &str,
    hash: &[u8],
    role: Role,
    created_by: Option<i64>,
    now: OffsetDateTime,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO api_keys (name, prefix, hash, role, created_by, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![name, prefix, hash, role.as_str(), created_by, to_ts(now)])?;
    Ok(conn.last_insert_rowid())
}

/// Every key, newest first.
pub fn list(conn: &Connection) -> Result<Vec<ApiKey>> {
    let sql = format!("SELECT {COLUMNS} FROM api_keys ORDER BY created_at DESC, id DESC");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The key with this prefix and its stored hash.
pub fn by_prefix(conn: &Connection, prefix: &str) -> Result<Option<(ApiKey, Vec<u8>)>> {
    let sql = format!("SELECT {COLUMNS}, hash FROM api_keys WHERE prefix = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([prefix], |r| Ok((from_row(r)?, r.get(7)?)))
        .optional()?)
}

/// Revokes a key; false when unknown or already revoked.
pub fn revoke(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE api_keys SET revoked_at = ?2 WHERE id = ?1 AND revoked_at IS NULL")?
        .execute(params![id, to_ts(now)])?
        == 1)
}

/// Records a use (at most once a minute per key, to spare the writer).
pub fn touch(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<()> {
    conn.prepare_cached(
        "UPDATE api_keys SET last_used_at = ?2 WHERE id = ?1 AND (last_used_at IS NULL OR last_used_at < ?2 - 60)",
    )?
    .execute(params![id, to_ts(now)])?;
    Ok(())
}

/// A stored response to an idempotent request.
#[derive(Debug, Clone)]
pub struct Replay {
    /// Hash of the request that produced it.
    pub request_hash: Vec<u8>,
    /// HTTP status.
    pub status: u16,
    /// JSON body.
    pub body: String,
}

/// The stored response for this key's idempotency key, if any.
pub fn idempotent(conn: &Connection, key_id: i64, idem: &str) -> Result<Option<Replay>> {
    let sql = "SELECT request_hash, status, body FROM api_idempotency WHERE key_id = ?1 AND idem_key = ?2";
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![key_id, idem], |r| {
            Ok(Replay {
                request_hash: r.get(0)?,
                status: r.get(1)?,
                body: r.get(2)?,
            })
        })
        .optional()?)
}

/// Keeps the response to an idempotent request.
pub fn remember(
    conn: &Connection,
    key_id: i64,
    idem: &str,
    replay: &Replay,
    now: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO api_idempotency (key_id, idem_key, request_hash, status, body, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        key_id,
        idem,
        replay.request_hash,
        replay.status,
        replay.body,
        to_ts(now)
    ])?;
    Ok(())
}

/// Forgets idempotency records older than `before`.
pub fn purge_idempotency(conn: &Connection, before: OffsetDateTime) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM api_idempotency WHERE created_at < ?1")?
        .execute([to_ts(before)])?)
}
