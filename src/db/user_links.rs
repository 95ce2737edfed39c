//! The `user_links` table: one-time invitation and password-reset links. Only token hashes are
//! stored.

use super::{Result, from_ts, to_ts};
use crate::model::UserId;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// A stored link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserLink {
    /// Row id.
    pub id: i64,
    /// Whose.
    pub user_id: UserId,
    /// `invite` or `reset`.
    pub purpose: String,
    /// Valid until.
    pub expires_at: OffsetDateTime,
    /// When it was used, if it was.
    pub used_at: Option<OffsetDateTime>,
    /// The admin who issued it (their name or email).
    pub created_by: Option<String>,
}

/// Stores a new link and retires the user's earlier unused ones (one live link per user).
pub fn insert(
    conn: &Connection,
    token_hash: &[u8],
    user: UserId,
    purpose: &str,
    by: Option<UserId>,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached("UPDATE user_links SET expires_at = MIN(expires_at, ?2) WHERE user_id = ?1 AND used_at IS NULL")?
        .execute(params![user.0, to_ts(now)])?;
    conn.prepare_cached(
        "INSERT INTO user_links (token_hash, user_id, purpose, created_by, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        token_hash,
        user.0,
        purpose,
        by.map(|u| u.0),
        to_ts(now),
        to_ts(expires_at)
    ])?;
    Ok(())
}

/// The link with this token hash.
pub fn find(conn: &Connection, token_hash: &[u8]) -> Result<Option<UserLink>> {
    let sql = "SELECT l.id, l.user_id, l.purpose, l.expires_at, l.used_at,
                      COALESCE(NULLIF(u.name, ''), u.email)
               FROM user_links l LEFT JOIN users u ON u.id = l.created_by WHERE l.token_hash = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([token_hash], |r| {
            Ok(UserLink {
                id: r.get(0)?,
                user_id: UserId(r.get(1)?),
                purpose: r.get(2)?,
                expires_at: from_ts(r.get(3)?),
                used_at: r.get::<_, Option<i64>>(4)?.map(from_ts),
                created_by: r.get(5)?,
            })
        })
        .optional()?)
}

/// Marks a link used; false when it was used already (a concurrent use lost the race).
pub fn mark_used(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE user_links SET used_at = ?2 WHERE id = ?1 AND used_at IS NULL")?
        .execute(params![id, to_ts(now)])?
        == 1)
}

/// Withdraws a user's unused links (they read as expired); returns how many were live.
pub fn revoke(conn: &Connection, user: UserId, now: OffsetDateTime) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE user_links SET expires_at = ?2 WHERE user_id = ?1 AND used_at IS NULL AND expires_at > ?2",
        )?
        .execute(params![user.0, to_ts(now)])?)
}

/// Whether the user has a live (unused, unexpired) invitation.
pub fn pending_invite(conn: &Connection, user: UserId, now: OffsetDateTime) -> Result<bool> {
    let sql = "SELECT EXISTS (SELECT 1 FROM user_links WHERE user_id = ?1 AND purpose = 'invite'
               AND used_at IS NULL AND expires_at > ?2)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![user.0, to_ts(now)], |r| r.get(0))?)
}

/// Team members with a live (unused, unexpired) invitation.
pub fn pending_invites(conn: &Connection, now: OffsetDateTime) -> Result<Vec<UserId>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT user_id FROM user_links WHERE purpose = 'invite' AND used_at IS NULL AND expires_at > ?1",
    )?;
    let rows = stmt.query_map([to_ts(now)], |r| r.get(0).map(UserId))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
