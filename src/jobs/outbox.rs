//! The sender: claims due outbox rows, paces them (global rate and per-recipient pair rate),
//! sends them through the Graph API and records Meta's answer. Retryable errors back off with
//! jitter, 131047 ends in "needs template", an invalid token pauses all sending, permanent
//! errors fail with Meta's reason. A send interrupted by a crash is never repeated
//! automatically: its outcome is settled by a status webhook or, after 10 minutes, reported.

use crate::clock::SharedClock;
use crate::config::Secret;
use crate::crm::connection;
use crate::crm::events::{Event, Events};
use crate::crypto;
use crate::db::{self, Db, outbox::OutboxRow};
use crate::model::{ConversationId, MetaError, OutboxState};
use crate::whatsapp::client::{GraphClient, GraphError};
use crate::whatsapp::limiter::Limiter;
use crate::whatsapp::outbound::{ErrorClass, classify};
use std::sync::{Arc, Mutex, PoisonError};
use time::{Duration, OffsetDateTime};
use tokio::task::JoinSet;

/// Rows claimed per run.
const BATCH: u32 = 256;
/// Sends in flight at once.
const CONCURRENCY: usize = 64;
/// How long an interrupted send may stay unsettled before it is reported as failed.
pub const UNKNOWN_AFTER: Duration = Duration::minutes(10);
/// Retry attempts before a retryable error becomes a failure.
pub const MAX_ATTEMPTS: i64 = 8;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Accepted by Meta.
    pub sent: usize,
    /// Will be retried.
    pub retried: usize,
    /// Ended failed (or needing a template).
    pub failed: usize,
    /// Put back for pacing or a pause.
    pub deferred: usize,
    /// Sending is paused (invalid token).
    pub paused: bool,
}

/// The sender.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The store.
    pub db: Db,
    /// Graph API client.
    pub client: GraphClient,
    /// Time source for stored times.
    pub clock: SharedClock,
    /// Pacing shared by all runs.
    pub limiter: Arc<Mutex<Limiter>>,
    /// The connection values `flowcrm.toml` gives; the business number in force is read per
    /// run (`crm::connection::ids`), so a number connected in the browser sends at once.
    pub whatsapp: Arc<crate::crm::connection::FileValues>,
    /// Every outcome (sent, retrying, failed) is published here for open pages.
    pub events: Events,
}

/// A short fingerprint of a token, to notice when an admin replaced a refused one.
fn fingerprint(token: &Secret) -> String {
    hex::encode(&crypto::hash_token(token.expose())[..8])
}

/// Backoff before the next attempt: 2 s doubling, at most 15 minutes, plus up to 50 % jitter.
fn backoff(attempts: i64) -> Duration {
    let base = (2i64 << attempts.clamp(0, 12)).min(900);
    let jitter = crypto::random_bytes::<2>()
        .map_or(0, |b| i64::from(u16::from_le_bytes(b)) % (base / 2 + 1));
    Duration::seconds(base + jitter)
}

/// Pair-rate backoff after 131056: 4^X seconds.
fn pair_backoff(attempts: i64) -> Duration {
    Duration::seconds(4i64.pow(u32::try_from(attempts.clamp(1, 5)).unwrap_or(1)))
}

fn error_of(e: &GraphError) -> MetaError {
    match e {
        GraphError::Api { error, .. } => error.clone(),
        other => MetaError {
            code: 0,
            title: "Network error".into(),
            message: other.to_string(),
            details: other.to_string(),
        },
    }
}

enum Result_ {
    Sent,
    Retried,
    Failed,
    Paused,
}

impl Sender {
    /// Marks sends interrupted by a crash as unsettled; call once at start-up, before sending.
    pub async fn recover(&self) -> db::Result<usize> {
        let now = self.clock.now();
        self.db
            .write(move |c| db::outbox::mark_interrupted(c, now))
            .await
    }

    /// Resumes a paused sender (after an admin fixed the token).
    pub async fn resume(&self) -> db::Result<bool> {
        self.db.write(db::outbox::resume).await
    }

    /// Sends what is due. Without a token or phone number id nothing is sent.
    pub async fn run_once(&self, token: Option<&Secret>) -> db::Result<Outcome> {
        let mut out = Outcome::default();
        let file = self.whatsapp.clone();
        let ids = self.db.read(move |c| connection::ids(c, &file)).await?;
        let (Some(token), Some(pnid)) = (token, ids.phone_number_id) else {
            return Ok(out);
        };
        let fp = fingerprint(token);
        if let Some((_, paused_fp)) = self.db.read(db::outbox::pause_state).await? {
            if paused_fp == fp {
                out.paused = true;
                return Ok(out);
            }
            tracing::info!("access token changed; resuming sending");
            self.resume().await?;
        }
        let now = self.clock.now();
        self.fail_stale_unknown(now).await?;
        let claimed = self
            .db
            .write(move |c| db::outbox::claim_due(c, now, BATCH))
            .await?;
        // One task per recipient, sending its messages in order: WhatsApp does not keep the
        // order of concurrent sends, and a customer must read replies in the order written.
        let mut groups: Vec<(String, Vec<OutboxRow>)> = Vec::new();
        for row in claimed {
            match groups.iter_mut().find(|(r, _)| *r == row.recipient) {
                Some((_, rows)) => rows.push(row),
                None => groups.push((row.recipient.clone(), vec![row])),
            }
        }
        let permits = Arc::new(tokio::sync::Semaphore::new(CONCURRENCY));
        let mut set = JoinSet::new();
        for (_, rows) in groups {
            let (this, token, pnid, permits) = (
                self.clone(),
                token.clone(),
                pnid.clone(),
                Arc::clone(&permits),
            );
            set.spawn(async move {
                let _permit = permits.acquire_owned().await;
                this.send_group(&token, &pnid, rows, now).await
            });
        }
        while let Some(r) = set.join_next().await {
            match r {
                Ok(Ok(o)) => {
                    out.sent += o.sent;
                    out.retried += o.retried;
                    out.failed += o.failed;
                    out.deferred += o.deferred;
                    out.paused |= o.paused;
                }
                Ok(Err(e)) => tracing::error!(error = %e, "recording a send failed"),
                Err(e) => tracing::error!(error = %e, "send task failed"),
            }
        }
        Ok(out)
    }

    /// Sends one recipient's messages in order; stops at the first that cannot go now.
    async fn send_group(
        &self,
        token: &Secret,
        pnid: &str,
        rows: Vec<OutboxRow>,
        now: OffsetDateTime,
    ) -> db::Result<Outcome> {
        let mut out = Outcome::default();
        let fp = fingerprint(token);
        let mut hold: Option<OffsetDateTime> = None;
        for row in rows {
            if let Some(until) = hold {
                self.release(&row, until).await?;
                out.deferred += 1;
                continue;
            }
            let reserved = self
                .limiter
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .reserve(&row.recipient, tokio::time::Instant::now());
            match reserved {
                Ok(at) => tokio::time::sleep_until(at).await,
                Err(ready) => {
                    let wait = ready.saturating_duration_since(tokio::time::Instant::now());
                    let until = now + wait;
                    self.release(&row, until).await?;
                    out.deferred += 1;
                    hold = Some(until);
                    continue;
                }
            }
            match self.send_one(token, pnid, row, &fp).await? {
                Result_::Sent => out.sent += 1,
                Result_::Failed => out.failed += 1,
                // Later messages to this customer go back to the queue; they are not claimed
                // before this one is sent (see `claim_due`).
                Result_::Retried => {
                    out.retried += 1;
                    hold = Some(now);
                }
                Result_::Paused => {
                    out.paused = true;
                    out.deferred += 1;
                    hold = Some(now);
                }
            }
        }
        Ok(out)
    }

    /// Records an outcome of message `message_id` with `f`, then tells open pages.
    async fn settle<F>(&self, message_id: i64, f: F) -> db::Result<()>
    where
        F: FnOnce(&rusqlite::Connection) -> db::Result<()> + Send + 'static,
    {
        let conversation = self
            .db
            .write(move |c| {
                f(c)?;
                db::messages::conversation_of(c, message_id)
            })
            .await?;
        if let Some(id) = conversation {
            self.events.publish(Event::Conversation(ConversationId(id)));
        }
        Ok(())
    }

    async fn release(&self, row: &OutboxRow, at: OffsetDateTime) -> db::Result<()> {
        let id = row.id;
        self.db.write(move |c| db::outbox::release(c, id, at)).await
    }

    async fn fail_stale_unknown(&self, now: OffsetDateTime) -> db::Result<()> {
        let before = now - UNKNOWN_AFTER;
        let changed = self
            .db
            .write(move |c| -> db::Result<_> {
                let mut changed = Vec::new();
                for (id, message_id) in db::outbox::stale_unknown(c, before)? {
                    let e = MetaError {
                        code: 0,
                        title: "Outcome unknown".into(),
                        message: String::new(),
                        details: "FlowCRM stopped while sending this message and WhatsApp never confirmed it. \
                                  It was not sent again, to avoid a duplicate. Retry if the customer did not get it."
                            .into(),
                    };
                    db::outbox::mark_failed(c, id, OutboxState::Failed, &e, now)?;
                    db::messages::set_failed(c, message_id, &e)?;
                    changed.extend(db::messages::conversation_of(c, message_id)?);
                }
                Ok(changed)
            })
            .await?;
        for id in changed {
            self.events.publish(Event::Conversation(ConversationId(id)));
        }
        Ok(())
    }

    /// The stored request, which is the exact Graph body. One that does not parse as a JSON
    /// object is never sent (it would go out as `null`): the message fails with the reason, for
    /// a person to see, and `None` is returned.
    async fn stored_body(
        &self,
        row: &OutboxRow,
        now: OffsetDateTime,
    ) -> db::Result<Option<serde_json::Value>> {
        let (id, message_id) = (row.id, row.message_id);
        let why = match serde_json::from_str(&row.request) {
            Ok(b @ serde_json::Value::Object(_)) => return Ok(Some(b)),
            Ok(_) => "it is not a JSON object".to_string(),
            Err(e) => format!("it is not valid JSON ({e})"),
        };
        tracing::error!(outbox = id, %why, "stored request is corrupt; not sent");
        let e = MetaError {
            code: 0,
            title: "Stored message damaged".into(),
            message: String::new(),
            details: format!(
                "FlowCRM could not read the stored request of this message: {why}. It was not sent."
            ),
        };
        self.settle(message_id, move |c| {
            db::outbox::mark_failed(c, id, OutboxState::Failed, &e, now)?;
            db::messages::set_failed(c, message_id, &e)
        })
        .await?;
        Ok(None)
    }

    async fn send_one(
        &self,
        token: &Secret,
        pnid: &str,
        row: OutboxRow,
        fp: &str,
    ) -> db::Result<Result_> {
        let now = self.clock.now();
        let (id, message_id, attempts) = (row.id, row.message_id, row.attempts);
        let Some(body) = self.stored_body(&row, now).await? else {
            return Ok(Result_::Failed);
        };
        let answer = self.client.send_message(token, pnid, &body).await;
        let now = self.clock.now();
        let err = match answer {
            Ok(wamid) => {
                self.settle(message_id, move |c| {
                    db::outbox::mark_sent(c, id, now)?;
                    if let Some(w) = wamid {
                        db::messages::set_wamid(c, message_id, &w)?;
                    }
                    Ok(())
                })
                .await?;
                return Ok(Result_::Sent);
            }
            Err(e) => e,
        };
        let api = error_of(&err);
        match classify(&err) {
            ErrorClass::Retry | ErrorClass::PairRate if attempts < MAX_ATTEMPTS => {
                let wait = if classify(&err) == ErrorClass::PairRate {
                    let wait = pair_backoff(attempts);
                    let until = tokio::time::Instant::now()
                        + std::time::Duration::from_secs(wait.whole_seconds().unsigned_abs());
                    self.limiter
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .back_off(&row.recipient, until);
                    wait
                } else {
                    backoff(attempts)
                };
                tracing::warn!(outbox = id, code = api.code, "send failed; will retry");
                self.settle(message_id, move |c| {
                    db::outbox::mark_retry(c, id, &api, now + wait)
                })
                .await?;
                Ok(Result_::Retried)
            }
            ErrorClass::TokenInvalid => {
                tracing::error!(
                    code = api.code,
                    "WhatsApp access token refused; sending paused until it is replaced"
                );
                let reason = format!(
                    "Meta refused the access token ({}): {}",
                    api.code, api.message
                );
                let fp = fp.to_string();
                self.db
                    .write(move |c| {
                        db::outbox::pause(c, &reason, &fp, now)?;
                        db::outbox::release(c, id, now)
                    })
                    .await?;
                Ok(Result_::Paused)
            }
            class => {
                let state = if class == ErrorClass::WindowClosed {
                    OutboxState::NeedsTemplate
                } else {
                    OutboxState::Failed
                };
                tracing::warn!(
                    outbox = id,
                    code = api.code,
                    state = state.as_str(),
                    "send failed for good"
                );
                self.settle(message_id, move |c| {
                    db::outbox::mark_failed(c, id, state, &api, now)?;
                    db::messages::set_failed(c, message_id, &api)
                })
                .await?;
                Ok(Result_::Failed)
            }
        }
    }
}
