//! Receiving a signed webhook POST: parse it (the WhatsApp adapter), store its events in short
//! writer jobs, keep what cannot be read as a dead letter, then wake the media downloader and
//! tell open pages. The page door only checks the signature and answers Meta.

use super::inbound::{self, Outcome};
use crate::db;
use crate::whatsapp::webhook;
use bytes::Bytes;
use time::OffsetDateTime;

/// Events committed per writer job. A large POST is stored in several short jobs, so ordinary
/// webhooks queued behind it keep their acknowledgement latency; it is answered only after the
/// last one committed. A crash part way loses nothing: Meta retries the whole POST, messages and
/// statuses already stored are recognised (by wamid, by their key) and stored once; only the
/// raw body and non-message events of that POST may then be kept twice.
const EVENTS_PER_JOB: usize = 25;

impl super::Crm {
    /// Stores a signed webhook body; `keep_raw` keeps the raw body too. An `Err` means the store
    /// itself failed (Meta must retry); a body that does not parse is kept as a dead letter and
    /// is not an error.
    #[tracing::instrument(skip_all, fields(bytes = body.len()), err(Display, level = "debug"))]
    pub async fn receive_webhook(&self, body: Bytes, keep_raw: bool) -> Result<Outcome, db::Error> {
        let now = self.clock.now();
        let events = match webhook::parse(&body) {
            Ok(events) => events,
            Err(e) => {
                tracing::warn!(error = %e, "signed webhook body could not be parsed; kept as a dead letter");
                let why = e.to_string();
                self.db
                    .write(move |c| db::webhook_log::insert_dead_letter(c, &why, &body, now))
                    .await?;
                return Ok(Outcome::default());
            }
        };
        let outcome = self.store(events, keep_raw.then_some(body), now).await?;
        if outcome.media > 0 {
            self.media_wakeup.notify_one();
        }
        if outcome.replies > 0 {
            self.wake_sender();
        }
        for c in &outcome.conversations {
            self.changed(crate::model::ConversationId(*c));
        }
        // Notifications (alerts, customers writing to someone away) are the mail loop's work:
        // a poke here costs the acknowledgement nothing.
        if self.site.mail && (outcome.messages > 0 || outcome.alerts > 0) {
            self.mail_wakeup.notify_one();
        }
        tracing::debug!(?outcome, "webhook stored");
        Ok(outcome)
    }

    async fn store(
        &self,
        events: Vec<webhook::Event>,
        mut raw: Option<Bytes>,
        now: OffsetDateTime,
    ) -> Result<Outcome, db::Error> {
        let mut total = Outcome::default();
        let mut rest = events.into_iter().peekable();
        loop {
            let chunk: Vec<_> = rest.by_ref().take(EVENTS_PER_JOB).collect();
            let raw = raw.take();
            let keywords = self.keywords.clone();
            total += self
                .db
                .write(move |c| inbound::record(c, &chunk, raw.as_deref(), now, &keywords))
                .await?;
            if rest.peek().is_none() {
                return Ok(total);
            }
        }
    }
}
