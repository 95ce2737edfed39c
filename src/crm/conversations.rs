//! Working a conversation as a team: assignment, status, tags, internal notes. Who may do each
//! is decided by `access`: agents answer, resolve, tag and annotate only conversations that are
//! unassigned or theirs, and take one over from a colleague first (audited).

use super::access::{self, AccessError, Who};
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

impl Worker {
    fn who(&self) -> Who {
        Who::user(self.id, self.role)
    }
}

/// Whether `w` may work conversation `id`.
fn check(conn: &Connection, id: i64, w: &Worker) -> Result<std::result::Result<(), WorkError>> {
    match access::check_work(conn, w.who(), id) {
        Ok(()) => Ok(Ok(())),
        Err(AccessError::NotFound) => Ok(Err(WorkError::NotFound)),
        Err(AccessError::Denied(d)) => Ok(Err(WorkError::Forbidden(d.0))),
        Err(AccessError::Db(e)) => Err(e),
    }
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
/// anything; agents may take a conversation (taking over a colleague's is audited as such) and
/// release their own.
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
            Some(u) => u == w.id,
            None => current == Some(w.id.0),
        };
        if !allowed {
            return Ok(Err(WorkError::Forbidden(
                "Agents can take a conversation or release their own; ask an admin to assign it to someone else.",
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
    let taken_over = to == Some(w.id) && current.is_some_and(|c| c != w.id.0);
    let (action, detail) = match (to, current) {
        (Some(_), Some(from)) if taken_over => {
            ("conversation.take_over", format!("from user:{from}"))
        }
        (Some(u), _) => ("conversation.assign", format!("to user:{u}")),
        (None, _) => ("conversation.assign", "released".to_string()),
    };
    audit(conn, w, action, id, detail, now)?;
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
    if let Err(e) = check(conn, id, w)? {
        return Ok(Err(e));
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
    if let Err(e) = check(conn, id, w)? {
        return Ok(Err(e));
    }
    Ok(Ok(db::inbox::add_note(conn, id, Some(w.id.0), body, now)?))
}

/// Marks a conversation's customer messages seen (part of reading it, see `access::may_read`).
/// `None` when there is no such conversation, else whether anything was unread (then the read
/// receipt is due).
pub fn mark_seen(conn: &Connection, id: i64, who: Who) -> Result<Option<bool>> {
    if access::may_read(who).is_err() || db::conversations::get(conn, id)?.is_none() {
        return Ok(None);
    }
    db::inbox::mark_seen(conn, id).map(Some)
}

/// Adds (or with `add == false` removes) a tag on a conversation.
pub fn set_tag(
    conn: &Connection,
    id: i64,
    tag: i64,
    add: bool,
    w: &Worker,
) -> Result<std::result::Result<(), WorkError>> {
    if let Err(e) = check(conn, id, w)? {
        return Ok(Err(e));
    }
    if add {
        db::tags::tag_conversation(conn, tag, id)?;
    } else {
        db::tags::untag_conversation(conn, tag, id)?;
    }
    Ok(Ok(()))
}

/// Puts a failed message back in the outbox, if `w` may work its conversation; `Ok(false)`
/// when the message is not a failed one.
pub fn retry(
    conn: &Connection,
    message_id: i64,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<std::result::Result<(i64, bool), WorkError>> {
    let Some(m) = db::messages::get(conn, message_id)? else {
        return Ok(Err(WorkError::NotFound));
    };
    if let Err(e) = check(conn, m.conversation_id, w)? {
        return Ok(Err(e));
    }
    Ok(Ok((
        m.conversation_id,
        super::outbound::retry(conn, message_id, now)?,
    )))
}
