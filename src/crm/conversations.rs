//! Working a conversation as a team: assignment, status, tags, internal notes. Who may do each
//! is decided by `access`: agents answer, resolve, tag and annotate only conversations that are
//! unassigned or theirs, and take one over from a colleague first (audited).

use super::access::{self, Who};
use super::contacts::Actor;
use super::reports::record;
use super::{Error, Result};
use crate::db;
use crate::model::report::Happening;
use crate::model::{ConversationId, ConversationStatus, Role, TagId, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Longest note.
pub const MAX_NOTE: usize = 4000;

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
fn check(conn: &Connection, id: i64, w: &Worker) -> Result<()> {
    Ok(access::check_work(conn, w.who(), id)?)
}

fn audit(
    conn: &Connection,
    w: &Worker,
    action: &str,
    id: i64,
    detail: String,
    now: OffsetDateTime,
) -> db::Result<()> {
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
) -> Result<()> {
    let Some(current) = db::conversations::get_assignee(conn, id)? else {
        return Err(Error::NotFound("conversation"));
    };
    if w.role != Role::Admin {
        let allowed = match to {
            Some(u) => u == w.id,
            None => current == Some(w.id.0),
        };
        if !allowed {
            return Err(Error::Denied(
                "Agents can take a conversation or release their own; ask an admin to assign it to someone else.",
            ));
        }
    }
    if let Some(u) = to
        && !db::users::is_active(conn, u)?
    {
        return Err(Error::field("assignee", "Choose an active team member."));
    }
    db::inbox::assign(conn, id, to.map(|u| u.0), now)?;
    record::happened(conn, id, Happening::Assign(to.map(|u| u.0)), now)?;
    let taken_over = to == Some(w.id) && current.is_some_and(|c| c != w.id.0);
    let (action, detail) = match (to, current) {
        (Some(_), Some(from)) if taken_over => {
            ("conversation.take_over", format!("from user:{from}"))
        }
        (Some(u), _) => ("conversation.assign", format!("to user:{u}")),
        (None, _) => ("conversation.assign", "released".to_string()),
    };
    audit(conn, w, action, id, detail, now)?;
    Ok(())
}

/// Sets the status (open, pending, resolved).
pub fn set_status(
    conn: &Connection,
    id: i64,
    status: &str,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<()> {
    let status: ConversationStatus = status.parse().map_err(|e| Error::field("status", e))?;
    check(conn, id, w)?;
    if !db::inbox::set_status(conn, id, status, now)? {
        return Err(Error::NotFound("conversation"));
    }
    let h = if status == ConversationStatus::Resolved {
        Happening::Resolve(Some(w.id.0))
    } else {
        Happening::Reopen(Some(w.id.0))
    };
    record::happened(conn, id, h, now)?;
    if status == ConversationStatus::Resolved {
        super::reports::csat::after_resolve(conn, id, Some(w.id.0), now)?;
    }
    audit(conn, w, "conversation.status", id, status.to_string(), now)?;
    Ok(())
}

/// Adds an internal note (never sent to the customer).
pub fn add_note(
    conn: &Connection,
    id: i64,
    body: &str,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<i64> {
    let body = body.trim();
    if body.is_empty() || body.chars().count() > MAX_NOTE {
        return Err(Error::field(
            "body",
            format!("Write a note of 1 to {MAX_NOTE} characters."),
        ));
    }
    check(conn, id, w)?;
    Ok(db::inbox::add_note(conn, id, Some(w.id.0), body, now)?)
}

/// Marks a conversation's customer messages seen (agents and admins, `access::may_mark_read`).
/// `None` when there is no such conversation, else whether anything was unread (then the read
/// receipt is due).
pub fn mark_seen(conn: &Connection, id: i64, who: Who) -> db::Result<Option<bool>> {
    if access::may_mark_read(who).is_err() || db::conversations::get(conn, id)?.is_none() {
        return Ok(None);
    }
    db::inbox::mark_seen(conn, id).map(Some)
}

/// Adds (or with `add == false` removes) a tag on a conversation.
pub fn set_tag(conn: &Connection, id: i64, tag: i64, add: bool, w: &Worker) -> Result<()> {
    check(conn, id, w)?;
    if add {
        db::tags::tag_conversation(conn, tag, id)?;
    } else {
        db::tags::untag_conversation(conn, tag, id)?;
    }
    Ok(())
}

/// Puts a failed message back in the outbox, if `w` may work its conversation; `Ok(false)`
/// when the message is not a failed one.
pub fn retry(
    conn: &Connection,
    message_id: i64,
    w: &Worker,
    now: OffsetDateTime,
) -> Result<(i64, bool)> {
    let Some(m) = db::messages::get(conn, message_id)? else {
        return Err(Error::NotFound("message"));
    };
    check(conn, m.conversation_id, w)?;
    Ok((
        m.conversation_id,
        super::outbound::retry(conn, message_id, now)?,
    ))
}

impl super::Crm {
    /// Assigns (or releases, with `None`) conversation `id`; see [`assign`].
    #[tracing::instrument(skip_all, fields(conversation = %id), err(Display, level = "debug"))]
    pub async fn assign(&self, id: ConversationId, to: Option<UserId>, w: Worker) -> Result<()> {
        let now = self.clock.now();
        let ConversationId(raw) = id;
        let site = self.site.clone();
        self.db
            .write(move |c| -> Result<()> {
                assign(c, raw, to, &w, now)?;
                super::notify::assigned(c, &site, raw, to, Some(w.id), now)?;
                Ok(())
            })
            .await?;
        self.wake_mailer();
        self.changed(id);
        Ok(())
    }

    /// Sets the status of conversation `id`; see [`set_status`].
    #[tracing::instrument(skip_all, fields(conversation = %id, status = %status), err(Display, level = "debug"))]
    pub async fn set_status(&self, id: ConversationId, status: String, w: Worker) -> Result<()> {
        let now = self.clock.now();
        let ConversationId(raw) = id;
        self.db
            .write(move |c| set_status(c, raw, &status, &w, now))
            .await?;
        // Resolving may have queued the satisfaction survey.
        self.wake_sender();
        self.changed(id);
        Ok(())
    }

    /// Adds an internal note to conversation `id`; see [`add_note`].
    #[tracing::instrument(skip_all, fields(conversation = %id), err(Display, level = "debug"))]
    pub async fn add_note(&self, id: ConversationId, body: String, w: Worker) -> Result<i64> {
        let now = self.clock.now();
        let ConversationId(raw) = id;
        let note = self
            .db
            .write(move |c| add_note(c, raw, &body, &w, now))
            .await?;
        self.changed(id);
        Ok(note)
    }

    /// Tags (or untags) conversation `id`; see [`set_tag`].
    #[tracing::instrument(skip_all, fields(conversation = %id, tag = %tag), err(Display, level = "debug"))]
    pub async fn set_tag(
        &self,
        id: ConversationId,
        tag: TagId,
        add: bool,
        w: Worker,
    ) -> Result<()> {
        let (ConversationId(raw), TagId(tag)) = (id, tag);
        self.db
            .write(move |c| set_tag(c, raw, tag, add, &w))
            .await?;
        self.changed(id);
        Ok(())
    }

    /// Marks conversation `id` seen by `who`; when something was unread, tells open pages and
    /// (with a `meta` link) sends WhatsApp's read receipt for the newest customer message, in
    /// the background. Not found when there is no such conversation.
    #[tracing::instrument(skip_all, fields(conversation = %id), err(Display, level = "debug"))]
    pub async fn mark_seen(
        &self,
        id: ConversationId,
        who: Who,
        meta: Option<super::MetaLink>,
    ) -> Result<bool> {
        let ConversationId(raw) = id;
        let changed = self
            .db
            .write(move |c| mark_seen(c, raw, who))
            .await?
            .ok_or(super::Error::NotFound("conversation"))?;
        if changed {
            self.changed(id);
            if let Some(link) = meta {
                self.send_read_receipt(id, link);
            }
        }
        Ok(changed)
    }

    fn send_read_receipt(&self, id: ConversationId, link: super::MetaLink) {
        let ConversationId(id) = id;
        let db = self.db.clone();
        tokio::spawn(async move {
            let Ok(Some(wamid)) = db.read(move |c| db::inbox::last_inbound_wamid(c, id)).await
            else {
                return;
            };
            let body = crate::whatsapp::outbound::mark_read_body(&wamid);
            let sent = link
                .client
                .send_message(&link.token, &link.phone_number_id, &body)
                .await;
            if let Err(e) = sent {
                tracing::warn!(error = %e, "marking messages read at WhatsApp failed");
            }
        });
    }
}
