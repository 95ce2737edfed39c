//! Starting (or reopening) a conversation from a contact: the one door for "message this
//! customer" from the contact page, the API and later the CLI. The business number's
//! conversation with the contact is created when missing and reopened when resolved, the first
//! message is queued through the same checks as any send (connection, access, the 24-hour window,
//! template approval and variables, consent), and all of it is one transaction.

use super::access::Who;
use super::outbound::{self, QueueRequest, Queued};
use super::send::SendKey;
use super::{Crm, Error, Result};
use crate::db;
use crate::model::report::Happening;
use crate::model::{ContactId, ConversationId, ConversationStatus, Outbound, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// A first message to a contact.
#[derive(Debug, Clone)]
pub struct Start {
    /// The contact.
    pub contact_id: ContactId,
    /// What to send: an approved template, or free text while the window is open.
    pub message: Outbound,
    /// Idempotency (a repeated key queues nothing new).
    pub key: SendKey,
    /// Who wrote it (for the timeline).
    pub author: Option<UserId>,
    /// Who sends.
    pub by: Who,
    /// The sender confirmed the contact may get this template although their consent is unknown.
    pub confirm_consent: bool,
    /// The local copy of a media header uploaded to WhatsApp, kept with the message (removed from
    /// disk if the send is refused).
    pub file: Option<super::outbound::LocalFile>,
}

/// A started conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    /// The conversation the message went into.
    pub conversation_id: ConversationId,
    /// The queued message.
    pub queued: Queued,
    /// True when the conversation was made for this message.
    pub created: bool,
}

/// Creates or reopens the conversation and queues the message, in the caller's transaction.
fn start(
    conn: &Connection,
    req: &Start,
    key: &str,
    phone_number_id: &str,
    now: OffsetDateTime,
) -> Result<Started> {
    if let Some(message_id) = db::outbox::find_by_key(conn, key)? {
        let conversation = db::messages::conversation_of(conn, message_id)?
            .ok_or(Error::NotFound("conversation"))?;
        return Ok(Started {
            conversation_id: ConversationId(conversation),
            queued: Queued {
                message_id,
                duplicate: true,
            },
            created: false,
        });
    }
    let contact = db::contacts::get(conn, req.contact_id)?.ok_or(Error::NotFound("contact"))?;
    if contact.phone.is_none() && contact.bsuid.is_none() {
        return Err(Error::field(
            "contact",
            "This contact has no WhatsApp number: add their phone number first.",
        ));
    }
    let existed = db::conversations::for_contact(conn, contact.id)?
        .iter()
        .any(|c| c.phone_number_id == phone_number_id);
    let id = db::conversations::find_or_create(conn, contact.id, phone_number_id, now, now)?;
    let row = db::conversations::get(conn, id)?.ok_or(Error::NotFound("conversation"))?;
    super::access::may_work(req.by, row.assignee_id.map(UserId))?;
    let actor = super::contacts::Actor {
        user: req.by.user,
        ip: String::new(),
    };
    let target = format!("conversation:{id}");
    // Recorded after the message (as the back-fill replays them): the reply opens the cycle.
    let mut recorded = Vec::new();
    if row.status == ConversationStatus::Resolved {
        db::inbox::set_status(conn, id, ConversationStatus::Open, now)?;
        super::audit(
            conn,
            &actor,
            "conversation.status",
            target.clone(),
            "open".into(),
            now,
        )?;
        recorded.push(Happening::Reopen(req.by.user.map(|u| u.0)));
    }
    if row.assignee_id.is_none()
        && let Some(user) = req.by.user
    {
        db::inbox::assign(conn, id, Some(user.0), now)?;
        super::audit(
            conn,
            &actor,
            "conversation.assign",
            target,
            format!("to user:{user}"),
            now,
        )?;
        recorded.push(Happening::Assign(Some(user.0)));
    }
    let queued = outbound::queue(
        conn,
        &QueueRequest {
            conversation_id: id,
            message: &req.message,
            reply_to: None,
            idempotency_key: key,
            author: req.author,
            by: Some(req.by),
            confirm_consent: req.confirm_consent,
            campaign: None,
        },
        now,
    )?;
    for h in recorded {
        super::reports::record::happened(conn, id, h, now)?;
    }
    if let Some(f) = &req.file
        && !queued.duplicate
    {
        outbound::attach_local_file(conn, queued.message_id, f, now)?;
    }
    Ok(Started {
        conversation_id: ConversationId(id),
        queued,
        created: !existed,
    })
}

impl Crm {
    /// Messages contact `req.contact_id` on the business number: creates or reopens the
    /// conversation (assigned to the person who starts it when nobody has it) and queues the
    /// message after every check `send` makes. A consent refusal is recorded in the contact's
    /// timeline.
    #[tracing::instrument(skip_all, fields(contact = %req.contact_id, kind = req.message.kind()), err(Display, level = "debug"))]
    pub async fn start_conversation(&self, req: Start) -> Result<Started> {
        let key = req.key.clone().derive()?;
        let now = self.clock.now();
        let file = self.whatsapp.clone();
        let (contact, user) = (req.contact_id, req.by.user);
        let stored = req.file.as_ref().map(|f| f.stored_name.clone());
        let result = self
            .db
            .write(move |c| {
                let pnid = super::connection::require(c, &file)?;
                start(c, &req, &key, &pnid, now)
            })
            .await;
        match result {
            Ok(started) => {
                self.wake_sender();
                self.changed(started.conversation_id);
                Ok(started)
            }
            Err(e) => {
                if let Some(name) = stored {
                    let _ = tokio::fs::remove_file(self.media_dir.join(name)).await;
                }
                if let Error::ConsentRefused(why) = &e {
                    let whose = super::consent::RefusedFor::Contact(contact);
                    self.note_refusal(whose, why.clone(), user).await;
                }
                Err(e)
            }
        }
    }
}
