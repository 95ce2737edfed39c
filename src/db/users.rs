//! The `users` table: team members and their password hashes.

use super::error::unique_as_conflict;
use super::{Error, Result, from_ts, to_ts};
use crate::model::{Email, Preferences, Role, User, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// Columns read by `from_row`, in order.
const COLUMNS: &str = "id, email, name, role, disabled_at, created_at, last_login_at, timezone, notify_sound, notify_desktop,
                       email_on_assign, email_on_customer, email_on_alerts";

/// Fields of a user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login email (unique, case-insensitive).
    pub email: Email,
    /// Display name.
    pub name: String,
    /// Permissions.
    pub role: Role,
    /// bcrypt hash of the password.
    pub password_hash: String,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<User> {
    let email: String = r.get(1)?;
    let role: String = r.get(3)?;
    let bad = |i, what: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            i,
            rusqlite::types::Type::Text,
            what.to_string().into(),
        )
    };
    Ok(User {
        id: UserId(r.get(0)?),
        email: Email::parse(&email).map_err(|_| bad(1, "invalid email"))?,
        name: r.get(2)?,
        role: role.parse().map_err(|_| bad(3, "invalid role"))?,
        disabled_at: r.get::<_, Option<i64>>(4)?.map(from_ts),
        created_at: from_ts(r.get(5)?),
        last_login_at: r.get::<_, Option<i64>>(6)?.map(from_ts),
        prefs: Preferences {
            timezone: r.get(7)?,
            notify_sound: r.get(8)?,
            notify_desktop: r.get(9)?,
            email: crate::model::EmailNotifications {
                assigned: r.get(10)?,
                customer: r.get(11)?,
                alerts: r.get(12)?,
            },
        },
    })
}

/// Creates a user; `Error::Conflict` when the email is taken.
pub fn insert(conn: &Connection, new: &NewUser, now: OffsetDateTime) -> Result<User> {
    let sql = "INSERT INTO users (email, name, role, password_hash, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?5)";
    conn.prepare_cached(sql)?
        .execute(params![
            new.email.as_str(),
            new.name,
            new.role.as_str(),
            new.password_hash,
            to_ts(now)
        ])
        .map_err(|e| unique_as_conflict(e, "a user with this email"))?;
    get(conn, UserId(conn.last_insert_rowid()))?.ok_or(Error::Corrupt("users"))
}

/// Number of users, disabled ones included.
pub fn count(conn: &Connection) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM users";
    Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0))?)
}

/// One user by id.
pub fn get(conn: &Connection, id: UserId) -> Result<Option<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id.0], from_row)
        .optional()?)
}

/// One user by email, with the password hash, for login.
pub fn find_credentials(conn: &Connection, email: &Email) -> Result<Option<(User, String)>> {
    let sql = format!("SELECT {COLUMNS}, password_hash FROM users WHERE email = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([email.as_str()], |r| Ok((from_row(r)?, r.get(13)?)))
        .optional()?)
}

/// One user by email.
pub fn find_by_email(conn: &Connection, email: &Email) -> Result<Option<User>> {
    Ok(find_credentials(conn, email)?.map(|(u, _)| u))
}

/// The password hash of a user.
pub fn password_hash(conn: &Connection, id: UserId) -> Result<Option<String>> {
    let sql = "SELECT password_hash FROM users WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id.0], |r| r.get(0))
        .optional()?)
}

/// Every user, admins first, then by email.
pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let sql = format!("SELECT {COLUMNS} FROM users ORDER BY role = 'admin' DESC, email");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Replaces a password hash; false when no such user.
pub fn set_password(
    conn: &Connection,
    id: UserId,
    hash: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE users SET password_hash = ?2, updated_at = ?3 WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id.0, hash, to_ts(now)])?
        == 1)
}

/// Disables (`Some(time)`) or re-enables (`None`) a user; false when no such user.
pub fn set_disabled(
    conn: &Connection,
    id: UserId,
    disabled_at: Option<OffsetDateTime>,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE users SET disabled_at = ?2, updated_at = ?3 WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id.0, disabled_at.map(to_ts), to_ts(now)])?
        == 1)
}

/// Records a successful login.
pub fn touch_login(conn: &Connection, id: UserId, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE users SET last_login_at = ?2 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id.0, to_ts(now)])?;
    Ok(())
}

/// True when the user exists and is not disabled.
pub fn is_active(conn: &Connection, id: UserId) -> Result<bool> {
    Ok(get(conn, id)?.is_some_and(|u| u.disabled_at.is_none()))
}

/// Changes a user's role; false when no such user.
pub fn set_role(conn: &Connection, id: UserId, role: Role, now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE users SET role = ?2, updated_at = ?3 WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id.0, role.as_str(), to_ts(now)])?
        == 1)
}

/// Active admins (not disabled).
pub fn active_admins(conn: &Connection) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL";
    Ok(conn.prepare_cached(sql)?.query_row([], |r| r.get(0))?)
}

/// Hands every conversation assigned to `from` to `to` (or back to Unassigned); returns how
/// many.
pub fn reassign_conversations(
    conn: &Connection,
    from: UserId,
    to: Option<UserId>,
    now: OffsetDateTime,
) -> Result<usize> {
    let sql = "UPDATE conversations SET assignee_id = ?2, updated_at = ?3 WHERE assignee_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![from.0, to.map(|u| u.0), to_ts(now)])?)
}

/// Deletes a user (their sessions and links go with them; what they wrote stays, unattributed).
pub fn delete(conn: &Connection, id: UserId) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM users WHERE id = ?1")?
        .execute([id.0])?
        == 1)
}

/// Changes a user's sign-in email; `Error::Conflict` when another account has it.
pub fn set_email(conn: &Connection, id: UserId, email: &Email, now: OffsetDateTime) -> Result<()> {
    let sql = "UPDATE users SET email = ?2, updated_at = ?3 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id.0, email.as_str(), to_ts(now)])
        .map_err(|e| unique_as_conflict(e, "a user with this email"))?;
    Ok(())
}

/// Stores a person's preferences.
pub fn set_preferences(
    conn: &Connection,
    id: UserId,
    p: &Preferences,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql =
        "UPDATE users SET timezone = ?2, notify_sound = ?3, notify_desktop = ?4, updated_at = ?5,
                 email_on_assign = ?6, email_on_customer = ?7, email_on_alerts = ?8
               WHERE id = ?1";
    Ok(conn.prepare_cached(sql)?.execute(params![
        id.0,
        p.timezone,
        p.notify_sound,
        p.notify_desktop,
        to_ts(now),
        p.email.assigned,
        p.email.customer,
        p.email.alerts
    ])? == 1)
}
