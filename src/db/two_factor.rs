//! The `two_factor` and `recovery_codes` tables, and the team's two-factor rule (in `settings`).

use super::{Result, from_ts, to_ts};
use crate::model::UserId;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// Setting: when the team started requiring two-factor (Unix seconds); absent = not required.
const REQUIRED_SINCE: &str = "two_factor.required_since";
/// Setting: days a member has to set it up after that (or after joining, if later).
const GRACE_DAYS: &str = "two_factor.grace_days";

/// A user's stored two-factor secret.
#[derive(Debug, Clone)]
pub struct Stored {
    /// The secret, sealed with the master key.
    pub sealed: Vec<u8>,
    /// When a valid code turned it on; `None` while being set up.
    pub enabled_at: Option<OffsetDateTime>,
    /// Last accepted time step.
    pub last_step: u64,
}

/// The team's rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Policy {
    /// Since when everyone must use two-factor; `None` = optional.
    pub required_since: Option<OffsetDateTime>,
    /// Days to set it up, counted from `required_since` or from joining, whichever is later.
    pub grace_days: u32,
}

/// Stores a new secret being set up (replacing any earlier one not yet confirmed); false when
/// two-factor is already on for this user.
pub fn start(conn: &Connection, user: UserId, sealed: &[u8], now: OffsetDateTime) -> Result<bool> {
    let sql = "INSERT INTO two_factor (user_id, secret, created_at) VALUES (?1, ?2, ?3)
               ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret,
                   created_at = excluded.created_at, last_step = 0
               WHERE two_factor.enabled_at IS NULL";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![user.0, sealed, to_ts(now)])?
        == 1)
}

/// The user's secret, set up or on.
pub fn get(conn: &Connection, user: UserId) -> Result<Option<Stored>> {
    let sql = "SELECT secret, enabled_at, last_step FROM two_factor WHERE user_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([user.0], |r| {
            Ok(Stored {
                sealed: r.get(0)?,
                enabled_at: r.get::<_, Option<i64>>(1)?.map(from_ts),
                last_step: u64::try_from(r.get::<_, i64>(2)?).unwrap_or(0),
            })
        })
        .optional()?)
}

/// Records `step` as used when it is later than the last one; false for a replay.
pub fn use_step(conn: &Connection, user: UserId, step: u64) -> Result<bool> {
    let step = i64::try_from(step).unwrap_or(i64::MAX);
    let sql = "UPDATE two_factor SET last_step = ?2 WHERE user_id = ?1 AND last_step < ?2";
    Ok(conn.prepare_cached(sql)?.execute(params![user.0, step])? == 1)
}

/// Turns two-factor on (after a valid code) and clears an admin's "set it up again".
pub fn enable(conn: &Connection, user: UserId, now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE two_factor SET enabled_at = ?2 WHERE user_id = ?1 AND enabled_at IS NULL";
    let changed = conn
        .prepare_cached(sql)?
        .execute(params![user.0, to_ts(now)])?;
    conn.prepare_cached("UPDATE users SET two_factor_reset_at = NULL WHERE id = ?1")?
        .execute([user.0])?;
    Ok(changed == 1)
}

/// Removes the secret and the recovery codes; false when there was none.
pub fn remove(conn: &Connection, user: UserId) -> Result<bool> {
    conn.prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")?
        .execute([user.0])?;
    Ok(conn
        .prepare_cached("DELETE FROM two_factor WHERE user_id = ?1")?
        .execute([user.0])?
        == 1)
}

/// Marks (or clears) "an admin reset this person's two-factor".
pub fn set_reset(conn: &Connection, user: UserId, at: Option<OffsetDateTime>) -> Result<()> {
    conn.prepare_cached("UPDATE users SET two_factor_reset_at = ?2 WHERE id = ?1")?
        .execute(params![user.0, at.map(to_ts)])?;
    Ok(())
}

/// Replaces the user's recovery codes with these hashes.
pub fn replace_codes(conn: &Connection, user: UserId, hashes: &[Vec<u8>]) -> Result<()> {
    conn.prepare_cached("DELETE FROM recovery_codes WHERE user_id = ?1")?
        .execute([user.0])?;
    let mut insert =
        conn.prepare_cached("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?1, ?2)")?;
    for h in hashes {
        insert.execute(params![user.0, h])?;
    }
    Ok(())
}

/// Uses an unused recovery code with this hash; false when there is none.
pub fn use_code(conn: &Connection, user: UserId, hash: &[u8], now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE recovery_codes SET used_at = ?3
               WHERE user_id = ?1 AND code_hash = ?2 AND used_at IS NULL";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![user.0, hash, to_ts(now)])?
        == 1)
}

/// Recovery codes not used yet.
pub fn codes_left(conn: &Connection, user: UserId) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ?1 AND used_at IS NULL";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([user.0], |r| r.get(0))?)
}

/// When an admin reset this person's two-factor (they must set it up again).
pub fn reset_at(conn: &Connection, user: UserId) -> Result<Option<OffsetDateTime>> {
    let sql = "SELECT two_factor_reset_at FROM users WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([user.0], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .flatten()
        .map(from_ts))
}

/// The team's rule.
pub fn policy(conn: &Connection) -> Result<Policy> {
    let since = super::settings::get(conn, REQUIRED_SINCE)?
        .and_then(|s| s.value.parse::<i64>().ok())
        .map(from_ts);
    let grace = super::settings::get(conn, GRACE_DAYS)?
        .and_then(|s| s.value.parse().ok())
        .unwrap_or(0);
    Ok(Policy {
        required_since: since,
        grace_days: grace,
    })
}

/// Stores the team's rule.
pub fn set_policy(conn: &Connection, p: Policy, by: UserId, now: OffsetDateTime) -> Result<()> {
    match p.required_since {
        Some(t) => {
            super::settings::put(conn, REQUIRED_SINCE, &to_ts(t).to_string(), Some(by.0), now)?;
        }
        None => {
            super::settings::delete(conn, REQUIRED_SINCE)?;
        }
    }
    super::settings::put(conn, GRACE_DAYS, &p.grace_days.to_string(), Some(by.0), now)
}

/// Users with two-factor on and since when, for the team page.
pub fn enabled_users(conn: &Connection) -> Result<Vec<(UserId, OffsetDateTime)>> {
    let sql = "SELECT user_id, enabled_at FROM two_factor WHERE enabled_at IS NOT NULL";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| Ok((UserId(r.get(0)?), from_ts(r.get(1)?))))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
