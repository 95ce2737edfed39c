//! Working a conversation as a team: assignment rules by role, status, internal notes.

use super::contacts::Actor;
use crate::db::{self, Result};
use crate::model::{Role, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Conversation statuses.
pub const STATUSES: &[&str] = &["open", "pending", "resolved"];
/// Longest note.
pub const MAX_NOTE: usize = 4000;

/// Why a change was refused. Nothing was changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkError {
    /// No such conversation (or user).
    #[error("not found")]
    NotFound,
    /// The role does not allow it.
    #[error("{0}")]
    Forbidden(&'static str),
    /// Bad input.
    #[error("{0}")]
    Invalid(String),
}

/// Who is acting, with their role.
#[derive(Debug, Clone)]
pub struct Worker {
    /// The user.
    pub id: UserId,
    /// Their role.
    pub role: Role,
    /// For the audit log.
    pub ip: String,
}

fn audit(
    conn: &Connection,
    w: &Worker,
    action: &str,
    id: i64,
    detail: String,
    now: OffsetDateTime,
) -> Result<()> {
    let actor = Actor {
        user: Some(w.id),
        ip: w.ip.clone(),
    };
    db::audit::record(
        conn,
        &db::audit::Entry {
            at: now,
            actor: actor.user,
            action: action.into(),
            target: format!("conversation:{id}"),
            ip: actor.ip,
            detail,
        },
    )
}

/// Assigns a conversation to `to` (or releases it with `None`). Admins may assign anyone to
/// anything; agents may take an unassigned conversation and release their own.
pub fn assign(
    conn: &Connection,
    id: i64,
    to: Option<UserId>,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<std::result::Result<(), WorkError>> {
    let Some(current) = db::conversations::get_assignee(conn, id)? else {
        return Ok(Err(WorkError::NotFound));
    };
    if w.role != Role::Admin {
        let allowed = match to {
            Some(u) => u == w.id && current.is_none(),
            None => current == Some(w.id.0),
        };
        if !allowed {
            return Ok(Err(WorkError::Forbidden(
                "Agents can take an unassigned conversation or release their own; ask an admin to reassign it.",
            )));
        }
    }
    if let Some(u) = to
        && !db::users::is_active(conn, u)?
    {
        return Ok(Err(WorkError::Invalid(
            "Choose an active team member.".into(),
        )));
    }
    db::inbox::assign(conn, id, to.map(|u| u.0), now)?;
    let detail = to.map_or_else(|| "released".to_string(), |u| format!("to user:{u}"));
    audit(conn, w, "conversation.assign", id, detail, now)?;
    Ok(Ok(()))
}

/// Sets the status (open, pending, resolved).
pub fn set_status(
    conn: &Connection,
    id: i64,
    status: &str,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<std::result::Result<(), WorkError>> {
    if !STATUSES.contains(&status) {
        return Ok(Err(WorkError::Invalid(
            "Use open, pending or resolved.".into(),
        )));
    }
    if !db::inbox::set_status(conn, id, status, now)? {
        return Ok(Err(WorkError::NotFound));
    }
    audit(conn, w, "conversation.status", id, status.to_string(), now)?;
    Ok(Ok(()))
}

/// Adds an internal note (never sent to the customer).
pub fn add_note(
    conn: &Connection,
    id: i64,
    body: &str,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<std::result::Result<i64, WorkError>> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE {
        return Ok(Err(WorkError::Invalid(format!(
            "Write a note of 1 to {MAX_NOTE} characters."
        ))));
    }
    if db::conversations::get(conn, id)?.is_none() {
        return Ok(Err(WorkError::NotFound));
    }
    Ok(Ok(db::inbox::add_note(conn, id, Some(w.id.0), body, now)?))
}
