//! Sending a message: the one door every path goes through (page reply, attachment, template,
//! interactive, reaction, API send, retry). It derives the outbox key, queues inside one write
//! (rolled back whole on any refusal), wakes the sender and publishes the live event. What the
//! sender later learns from Meta it publishes itself (`jobs::outbox`).

use super::access::Who;
use super::conversations::Worker;
use super::outbound::{self, LocalFile, QueueRequest, Queued};
use super::{Crm, Error, Result};
use crate::model::{ConversationId, MessageId, Outbound, UserId};
use sha2::{Digest, Sha256};

/// Where a send's idempotency key comes from; the outbox never queues one key twice.
#[derive(Debug, Clone)]
pub enum SendKey {
    /// The page's form key (made when the form was drawn, so a double submit sends once);
    /// a missing or short one is replaced by a random key.
    Form(String),
    /// An API caller's `Idempotency-Key` (optional), scoped to the calling key.
    Api {
        /// The API key's id.
        key_id: i64,
        /// The header's value.
        key: Option<String>,
    },
}

impl SendKey {
    /// The outbox key.
    pub(super) fn derive(self) -> Result<String> {
        let random = || {
            crate::crypto::random_token()
                .map_err(|e| Error::Db(crate::db::Error::Task(e.to_string())))
        };
        match self {
            SendKey::Form(k) if k.len() >= 16 => Ok(k),
            SendKey::Form(_) | SendKey::Api { key: None, .. } => random(),
            SendKey::Api {
                key_id,
                key: Some(k),
            } => Ok(format!(
                "api:{key_id}:{}",
                hex::encode(Sha256::digest(k.as_bytes()))
            )),
        }
    }
}

/// A message to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// What to send.
    pub message: Outbound,
    /// Customer message (wamid) to quote.
    pub reply_to: Option<String>,
    /// Idempotency.
    pub key: SendKey,
    /// Who wrote it (for the timeline).
    pub author: Option<UserId>,
    /// Who sends, checked against the assignee; `None` for FlowCRM itself.
    pub by: Option<Who>,
    /// The local copy of an uploaded file, recorded with the message; removed from disk if the
    /// send is refused.
    pub file: Option<LocalFile>,
    /// The sender confirmed that the contact may get this template although their consent is
    /// unknown (or they opted out of marketing only); see `consent::template_allowed`.
    pub confirm_consent: bool,
}

impl Crm {
    /// Queues `req` after every check (access, Meta's limits, the 24-hour window, template
    /// approval and variables), then wakes the sender and tells open pages.
    #[tracing::instrument(skip_all, fields(conversation = %req.conversation_id, kind = req.message.kind()), err(Display, level = "debug"))]
    pub async fn send(&self, req: Outgoing) -> Result<Queued> {
        let key = req.key.derive()?;
        let now = self.clock.now();
        let id = req.conversation_id;
        let stored = req.file.as_ref().map(|f| f.stored_name.clone());
        let file_values = self.whatsapp.clone();
        let user = req.by.and_then(|w| w.user);
        let result = self
            .db
            .write(move |c| {
                super::connection::require(c, &file_values)?;
                let q = QueueRequest {
                    conversation_id: req.conversation_id.0,
                    message: &req.message,
                    reply_to: req.reply_to.as_deref().filter(|r| !r.is_empty()),
                    idempotency_key: &key,
                    author: req.author,
                    by: req.by,
                    confirm_consent: req.confirm_consent,
                    campaign: None,
                };
                let queued = outbound::queue(c, &q, now)?;
                if let Some(f) = &req.file
                    && !queued.duplicate
                {
                    outbound::attach_local_file(c, queued.message_id, f, now)?;
                }
                Ok(queued)
            })
            .await;
        match result {
            Ok(q) => {
                self.wake_sender();
                self.changed(id);
                Ok(q)
            }
            Err(e) => {
                if let Some(name) = stored {
                    let _ = tokio::fs::remove_file(self.media_dir.join(name)).await;
                }
                if let Error::ConsentRefused(why) = &e {
                    let whose = super::consent::RefusedFor::Conversation(id);
                    self.note_refusal(whose, why.clone(), user).await;
                }
                Err(e)
            }
        }
    }

    /// Checks, before any work such as uploading a file to Meta, that `who` may send a
    /// free-form message into conversation `id` now (the same rule `send` applies).
    pub async fn check_free_form(&self, id: ConversationId, who: Who) -> Result<()> {
        let now = self.clock.now();
        let conv = self
            .db
            .read(move |c| crate::db::conversations::get(c, id.0))
            .await?
            .ok_or(Error::NotFound("conversation"))?;
        outbound::sendable(&conv, Some(who), true, now)
    }

    /// Puts a failed message back in the outbox (if `w` may work its conversation). Returns the
    /// conversation and whether anything was requeued (only failed messages are).
    #[tracing::instrument(skip_all, fields(message = %message_id), err(Display, level = "debug"))]
    pub async fn retry(&self, message_id: MessageId, w: Worker) -> Result<(ConversationId, bool)> {
        let now = self.clock.now();
        let (conversation, done) = self
            .db
            .write(move |c| super::conversations::retry(c, message_id.0, &w, now))
            .await?;
        let conversation = ConversationId(conversation);
        if done {
            self.wake_sender();
            self.changed(conversation);
        }
        Ok((conversation, done))
    }
}
