//! Erase one contact (admins, with a typed confirmation and a reason): every table that holds
//! them, their media files, the WAL (checkpointed to zero bytes afterwards), leaving only the
//! erasure record: keyed hashes, date, who, why, and what was removed. The record is both the
//! receipt and the erasure journal (`db::subject::erase::journal`) that restores and the Sheets
//! sync will read.

use crate::config::ErasedOrders;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::contacts::Actor;
use crate::crm::{Crm, Error, Result};
use crate::crypto;
use crate::db::{self, subject::erase::Counts};
use crate::model::ContactId;
use time::OffsetDateTime;

/// What must be typed to confirm an erasure.
pub const ERASE_WORD: &str = "ERASE";
const MAX_REASON: usize = 500;
/// Most messages one erasure batch removes: a secure-delete in the search index costs up to a
/// millisecond a message on a large index, so this keeps a batch near 100 ms at worst.
const MESSAGES_BATCH_MAX: u32 = 100;

/// An erasure as asked for.
#[derive(Debug, Clone, Default)]
pub struct Erase {
    /// Must be [`ERASE_WORD`] (any case).
    pub confirm: String,
    /// Why (a request received by email, Meta's callback …); kept in the record.
    pub reason: String,
    /// The code of an open data request this erasure answers; it is closed with the receipt.
    pub request: Option<String>,
}

/// The erasure receipt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// Its code.
    pub code: String,
    /// When.
    pub at: OffsetDateTime,
    /// Who erased (their name), empty for the CLI or an API key.
    pub by: String,
    /// Why.
    pub reason: String,
    /// What was removed.
    pub counts: Counts,
    /// Whether orders were kept (without personal data) or deleted.
    pub orders: ErasedOrders,
}

impl Receipt {
    /// What was removed, each count with its name, in the order the receipt shows them (the
    /// page and the CLI).
    #[must_use]
    pub fn rows(&self) -> Vec<(&'static str, usize)> {
        let c = &self.counts;
        vec![
            ("Conversations", c.conversations),
            ("Messages", c.messages),
            ("Media files", c.media),
            ("Delivery statuses", c.statuses),
            ("Outgoing messages in the send queue", c.outbox),
            ("Notes", c.notes),
            ("Tag links", c.tag_links),
            ("Custom field values", c.field_values),
            ("Consent ledger entries", c.consent_entries),
            ("History events", c.events),
            ("Raw webhook payloads and events", c.raw_payloads),
            ("Audit details naming them", c.audit_details),
            ("Emails naming them", c.mails),
            ("Stored API answers", c.api_answers),
            ("Data requests (subject replaced)", c.requests),
            ("Orders kept without personal data", c.orders_kept),
            ("Orders deleted", c.orders_deleted),
            ("AI summaries", c.ai_summaries),
        ]
    }
}

/// The keyed hash an erasure record keeps of a phone number (`phone`, E.164) or WhatsApp user
/// id (`bsuid`): HMAC-SHA256 under the vault's erasure key, hex.
#[must_use]
pub fn erasure_hash(key: &[u8; 32], kind: &str, value: &str) -> String {
    hex::encode(crypto::hmac_sha256(
        key,
        format!("{kind}:{value}").as_bytes(),
    ))
}

fn check(input: &Erase) -> Result<String> {
    let mut errors = Vec::new();
    if !input.confirm.trim().eq_ignore_ascii_case(ERASE_WORD) {
        errors.push(crate::model::FieldError::new(
            "confirm",
            format!("Type {ERASE_WORD} to confirm: erasing cannot be undone."),
        ));
    }
    let reason = input.reason.trim().to_string();
    if reason.is_empty() || reason.chars().count() > MAX_REASON {
        errors.push(crate::model::FieldError::new(
            "reason",
            format!(
                "Say why (a request by email, Meta's callback …), at most {MAX_REASON} characters."
            ),
        ));
    }
    if errors.is_empty() {
        Ok(reason)
    } else {
        Err(Error::Invalid(errors))
    }
}

impl Crm {
    /// Erases contact `id` (see the module). The receipt's code is also in the audit log.
    #[tracing::instrument(skip_all, fields(contact = %id), err(Display, level = "debug"))]
    pub async fn erase_contact(
        &self,
        id: ContactId,
        input: Erase,
        who: Who,
        actor: Actor,
    ) -> Result<Receipt> {
        access::require(who, AdminAction::EraseContacts)?;
        let reason = check(&input)?;
        let key = self
            .erasure_key
            .clone()
            .ok_or_else(|| Error::Conflict("The erasure key is not loaded.".into()))?;
        let (now, orders) = (self.clock.now(), self.erased_orders);
        let code = crate::crm::data_requests::new_code()?;
        let request = input.request.filter(|r| !r.trim().is_empty());
        if let Some(r) = &request {
            self.check_open_request(r).await?;
        }
        let started = std::time::Instant::now();
        let first = self.erase_messages(id).await?;
        let messages_took = started.elapsed();
        let receipt_code = code.clone();
        let (counts, files, by) = self
            .db
            .write(move |c| -> Result<_> {
                let (counts, files, ident) = remove_in(c, id, keep_orders(orders), &code, &first)?;
                let hashes = hashes_of(&key, &ident);
                db::subject::erase::insert_erasure(
                    c, &code, now, actor.user, &reason, &hashes, &counts,
                )?;
                crate::crm::audit(
                    c,
                    &actor,
                    "contact.erase",
                    format!("contact:{id}"),
                    format!("receipt {code}"),
                    now,
                )?;
                if let Some(r) = &request {
                    close_request(c, r, &code, &actor, now)?;
                }
                let by = match actor.user {
                    Some(u) => db::users::get(c, u)?
                        .map(|u| u.display_name().to_string())
                        .unwrap_or_default(),
                    None => String::new(),
                };
                Ok((counts, files, by))
            })
            .await?;
        let rest_took = started.elapsed().saturating_sub(messages_took);
        self.remove_media_files(&files).await;
        self.empty_wal().await;
        tracing::info!(
            receipt = %receipt_code,
            messages = counts.messages,
            messages_ms = messages_took.as_millis(),
            rest_ms = rest_took.as_millis(),
            total_ms = started.elapsed().as_millis(),
            "contact erased"
        );
        Ok(Receipt {
            code: receipt_code,
            at: now,
            by,
            reason: input.reason.trim().to_string(),
            counts,
            orders,
        })
    }

    /// Removes the contact's messages in short write transactions (each about 20 ms), so webhooks keep being acknowledged while a long history goes; the
    /// search index's secure-delete is most of the cost. Files go after each commit. An
    /// erasure interrupted here leaves the contact with fewer messages; running it again
    /// finishes it.
    pub(crate) async fn erase_messages(&self, id: ContactId) -> Result<db::subject::erase::Batch> {
        use crate::crm::retention::{next_batch, pause};
        let mut total = db::subject::erase::Batch::default();
        let mut size = 20;
        loop {
            // Sized by the whole round trip, the wait behind queued webhooks included: the
            // busier the writer, the smaller the batches (measured: sizing by the work alone
            // let batches grow until one stalled webhooks for over a second).
            let started = std::time::Instant::now();
            let b = self
                .db
                .write(move |c| db::subject::erase::erase_messages(c, id, size))
                .await?;
            let took = started.elapsed();
            self.remove_media_files(&b.files).await;
            total.messages += b.messages;
            total.media += b.media;
            total.outbox += b.outbox;
            total.statuses += b.statuses;
            if b.messages < size as usize {
                return Ok(total);
            }
            size = next_batch(size, took).min(MESSAGES_BATCH_MAX);
            // The writer takes queued webhook jobs between batches (first come, first
            // served), so a short breath is enough.
            pause(std::time::Duration::ZERO).await;
        }
    }

    /// Refuses a data request code that is unknown or closed, before anything is erased.
    async fn check_open_request(&self, code: &str) -> Result<()> {
        let code = code.trim().to_ascii_uppercase();
        let r = self
            .db
            .read(move |c| db::data_requests::by_code(c, &code))
            .await?;
        match r {
            None => Err(Error::field("request", "No data request has this code.")),
            Some(r) if r.status != "open" => Err(Error::field(
                "request",
                "This data request is already closed.",
            )),
            Some(_) => Ok(()),
        }
    }

    /// The receipt of erasure `code` (admins).
    pub async fn erasure_receipt(&self, code: &str, who: Who) -> Result<Receipt> {
        access::require(who, AdminAction::EraseContacts)?;
        let code = code.trim().to_ascii_uppercase();
        let e = self
            .db
            .read(move |c| db::subject::erase::erasure_by_code(c, &code))
            .await?
            .ok_or(Error::NotFound("erasure"))?;
        Ok(Receipt {
            code: e.code,
            at: e.at,
            by: e.by_name,
            reason: e.reason,
            orders: if e.counts.orders_deleted > 0 {
                ErasedOrders::Delete
            } else {
                ErasedOrders::Keep
            },
            counts: e.counts,
        })
    }

    /// Checkpoints the WAL to zero bytes so no image of an erased page stays in it; a reader
    /// holding an old snapshot makes it wait a little and try again.
    async fn empty_wal(&self) {
        for _ in 0..40 {
            match self.db.checkpoint().await {
                Ok(c) if !c.busy => return,
                Ok(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
                Err(e) => {
                    tracing::warn!(error = %e, "WAL checkpoint after an erasure failed");
                    return;
                }
            }
        }
        tracing::warn!("the WAL stayed busy after an erasure; the next checkpoint empties it");
    }
}

fn keep_orders(orders: ErasedOrders) -> bool {
    orders == ErasedOrders::Keep
}

/// Removes contact `id` (whose messages `first` already removed) inside the caller's
/// transaction: every other table, leaving orders without personal data when `keep`. Returns
/// what was removed, the media files to delete after the commit, and who they were.
pub(crate) fn remove_in(
    c: &rusqlite::Connection,
    id: ContactId,
    keep: bool,
    code: &str,
    first: &db::subject::erase::Batch,
) -> Result<(Counts, Vec<String>, db::subject::identity::Identity)> {
    let ident = db::subject::erase::identity(c, id)?.ok_or(Error::NotFound("contact"))?;
    let replacement = format!("erased contact (receipt {code})");
    let (mut counts, files) = db::subject::erase::erase(c, id, &ident, keep, &replacement)?;
    // Their rows leave the spreadsheet at the next sync, which logs this code.
    db::sheets::mark_erased(c, id, code)?;
    counts.messages += first.messages;
    counts.media += first.media;
    counts.outbox += first.outbox;
    counts.statuses += first.statuses;
    Ok((counts, files, ident))
}

/// The keyed hashes an erasure record keeps of `ident`.
fn hashes_of(key: &[u8; 32], ident: &db::subject::identity::Identity) -> Vec<String> {
    ident
        .phones
        .iter()
        .map(|p| erasure_hash(key, "phone", p))
        .chain(ident.bsuids.iter().map(|b| erasure_hash(key, "bsuid", b)))
        .collect()
}

/// Closes the open data request `code` with the receipt.
fn close_request(
    c: &rusqlite::Connection,
    code: &str,
    receipt: &str,
    actor: &Actor,
    now: OffsetDateTime,
) -> Result<()> {
    let code = code.trim().to_ascii_uppercase();
    let r = db::data_requests::by_code(c, &code)?
        .ok_or_else(|| Error::field("request", "No data request has this code."))?;
    let action = format!("Erased; receipt {receipt}");
    if !crate::crm::data_requests::close_in(c, &r, "done", &action, actor, now)? {
        return Err(Error::field(
            "request",
            "This data request is already closed.",
        ));
    }
    Ok(())
}
