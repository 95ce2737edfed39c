//! The `sessions` table: server-side login sessions, keyed by the hash of the cookie token.

use super::{Result, from_ts, to_ts};
use crate::model::{User, UserId};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// A session to store.
#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie token.
    pub token_hash: &'a [u8],
    /// Owner.
    pub user_id: UserId,
    /// Token every state-changing form of this session must carry.
    pub csrf_token: &'a str,
    /// Login time.
    pub now: OffsetDateTime,
    /// Absolute end of the session.
    pub expires_at: OffsetDateTime,
    /// Client address at login.
    pub ip: &'a str,
    /// Browser at login (truncated).
    pub user_agent: &'a str,
    /// The password was right and the second factor is still owed.
    pub pending_second_factor: bool,
}

/// A live session with its user.
#[derive(Debug, Clone)]
pub struct ActiveSession {
    /// Row id.
    pub id: i64,
    /// The logged-in user.
    pub user: User,
    /// CSRF token of this session.
    pub csrf_token: String,
    /// Last request seen.
    pub last_seen_at: OffsetDateTime,
    /// Where the person stands with two-factor.
    pub two_factor: SecondFactor,
}

/// A session's two-factor standing.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SecondFactor {
    /// The password was right and the code is still owed: this session opens nothing else.
    pub pending: bool,
    /// The person has two-factor on.
    pub on: bool,
    /// An admin reset their two-factor: they must set it up again before anything else.
    pub reset: bool,
    /// When the team's rule requires them to have it on by (set by `auth`, not the store).
    pub enrol_by: Option<OffsetDateTime>,
}

/// Stores a session and returns its id.
pub fn insert(conn: &Connection, s: &NewSession<'_>) -> Result<i64> {
    let sql = "INSERT INTO sessions
                 (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent,
                  pending_second_factor)
               VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6, ?7, ?8)";
    conn.prepare_cached(sql)?.execute(params![
        s.token_hash,
        s.user_id.0,
        s.csrf_token,
        to_ts(s.now),
        to_ts(s.expires_at),
        s.ip,
        s.user_agent,
        s.pending_second_factor
    ])?;
    Ok(conn.last_insert_rowid())
}

/// The session for a token hash if it has not expired, is not idle past `idle_after`, and its
/// user is enabled.
pub fn find_active(
    conn: &Connection,
    token_hash: &[u8],
    now: OffsetDateTime,
    idle_after: time::Duration,
) -> Result<Option<ActiveSession>> {
    let sql = "SELECT s.id, s.csrf_token, s.last_seen_at, u.id, s.pending_second_factor,
                      u.two_factor_reset_at IS NOT NULL,
                      EXISTS (SELECT 1 FROM two_factor t WHERE t.user_id = u.id AND t.enabled_at IS NOT NULL)
               FROM sessions s JOIN users u ON u.id = s.user_id
               WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND s.last_seen_at > ?3
                 AND u.disabled_at IS NULL";
    let idle_cutoff = to_ts(now - idle_after);
    let row = conn
        .prepare_cached(sql)?
        .query_row(params![token_hash, to_ts(now), idle_cutoff], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, i64>(3)?,
                SecondFactor {
                    pending: r.get(4)?,
                    reset: r.get(5)?,
                    on: r.get(6)?,
                    enrol_by: None,
                },
            ))
        })
        .optional()?;
    let Some((id, csrf_token, last_seen, user_id, two_factor)) = row else {
        return Ok(None);
    };
    let Some(user) = super::users::get(conn, UserId(user_id))? else {
        return Ok(None);
    };
    Ok(Some(ActiveSession {
        id,
        user,
        csrf_token,
        last_seen_at: from_ts(last_seen),
        two_factor,
    }))
}

/// Marks a session as used now.
pub fn touch(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?.execute(params![id, to_ts(now)])?;
    Ok(())
}

/// Ends one session.
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    let sql = "DELETE FROM sessions WHERE id = ?1";
    Ok(conn.prepare_cached(sql)?.execute([id])? == 1)
}

/// Ends every session of a user; returns how many.
pub fn delete_for_user(conn: &Connection, user_id: UserId) -> Result<usize> {
    let sql = "DELETE FROM sessions WHERE user_id = ?1";
    Ok(conn.prepare_cached(sql)?.execute([user_id.0])?)
}

/// Removes expired and idle sessions; returns how many.
pub fn delete_expired(
    conn: &Connection,
    now: OffsetDateTime,
    idle_after: time::Duration,
) -> Result<usize> {
    let sql = "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at <= ?2";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![to_ts(now), to_ts(now - idle_after)])?)
}

/// Ends every session of a user except `keep`; returns how many.
pub fn delete_for_user_except(conn: &Connection, user_id: UserId, keep: i64) -> Result<usize> {
    let sql = "DELETE FROM sessions WHERE user_id = ?1 AND id <> ?2";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![user_id.0, keep])?)
}

/// A session as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// Row id.
    pub id: i64,
    /// Client address at sign-in.
    pub ip: String,
    /// Browser at sign-in (truncated).
    pub user_agent: String,
    /// Sign-in time.
    pub created_at: OffsetDateTime,
    /// Last request.
    pub last_seen_at: OffsetDateTime,
}

/// A user's live sessions (not expired, not idle past `idle_after`), most recently used first.
pub fn for_user(
    conn: &Connection,
    user_id: UserId,
    now: OffsetDateTime,
    idle_after: time::Duration,
) -> Result<Vec<SessionRow>> {
    let sql = "SELECT id, ip, user_agent, created_at, last_seen_at FROM sessions
               WHERE user_id = ?1 AND expires_at > ?2 AND last_seen_at > ?3
                 AND pending_second_factor = 0
               ORDER BY last_seen_at DESC, id DESC";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        params![user_id.0, to_ts(now), to_ts(now - idle_after)],
        |r| {
            Ok(SessionRow {
                id: r.get(0)?,
                ip: r.get(1)?,
                user_agent: r.get(2)?,
                created_at: from_ts(r.get(3)?),
                last_seen_at: from_ts(r.get(4)?),
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ends session `id` when it belongs to `user_id`.
pub fn delete_own(conn: &Connection, id: i64, user_id: UserId) -> Result<bool> {
    let sql = "DELETE FROM sessions WHERE id = ?1 AND user_id = ?2";
    Ok(conn.prepare_cached(sql)?.execute(params![id, user_id.0])? == 1)
}
