//! The mail job: sends queued email through the SMTP adapter, retries what the server asks to
//! try later with growing pauses, and gives up (with the reason shown to admins) after
//! `smtp.max_attempts` or a permanent refusal. Bodies are erased once sent or given up.

use crate::config::{Secret, SmtpConfig};
use crate::db::{self, Db};
use crate::mail::{MailError, Mailer, Outgoing};
use time::{Duration, OffsetDateTime};

/// Messages taken per run.
const BATCH: u32 = 20;

/// What one run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Sent.
    pub sent: usize,
    /// To try again later.
    pub retried: usize,
    /// Given up.
    pub failed: usize,
}

/// Pause before attempt `n + 1` after `n` failed ones: 30 s, 1 min, 2 min … at most an hour.
fn backoff(attempts: i64) -> Duration {
    let exp = u32::try_from(attempts.clamp(0, 7)).unwrap_or(7);
    Duration::seconds((30_i64 << exp).min(3600))
}

/// Sends what is due at `now`. Without a usable mailer (email not set up, bad settings) the
/// due messages wait, with the reason recorded, and are retried later.
pub async fn run_once(
    db: &Db,
    cfg: &SmtpConfig,
    password: Option<&Secret>,
    business: &str,
    now: OffsetDateTime,
) -> db::Result<Outcome> {
    let due = db.read(move |c| db::mail::due(c, now, BATCH)).await?;
    let mut out = Outcome::default();
    if due.is_empty() {
        return Ok(out);
    }
    let mailer = Mailer::new(cfg, password, business);
    for m in due {
        let result = match &mailer {
            Ok(mailer) => {
                let outgoing = Outgoing {
                    to: m.to.clone(),
                    subject: m.subject.clone(),
                    text: m.text.clone(),
                    html: m.html.clone(),
                };
                mailer.send(&outgoing).await
            }
            Err(e) => Err(e.clone()),
        };
        let id = m.id;
        match result {
            Ok(()) => {
                db.write(move |c| db::mail::mark_sent(c, id, now)).await?;
                out.sent += 1;
            }
            Err(e) => {
                let attempts = m.attempts + 1;
                let give_up = !retryable(&e) || attempts >= i64::from(cfg.max_attempts);
                let next = (!give_up).then(|| now + backoff(m.attempts));
                let why = e.to_string();
                tracing::warn!(mail = id, kind = %m.kind, attempts, give_up, error = %why, "email not sent");
                db.write(move |c| db::mail::mark_attempt_failed(c, id, &why, next, now))
                    .await?;
                if give_up {
                    out.failed += 1;
                } else {
                    out.retried += 1;
                }
            }
        }
    }
    Ok(out)
}

/// Settings that cannot work now may be fixed by the admin: those wait too.
fn retryable(e: &MailError) -> bool {
    match e {
        MailError::Transient(_) | MailError::NotConfigured | MailError::Settings(_) => true,
        MailError::Permanent(_) | MailError::BadRecipient(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_to_an_hour() {
        assert_eq!(backoff(0), Duration::seconds(30));
        assert_eq!(backoff(1), Duration::minutes(1));
        assert_eq!(backoff(6), Duration::seconds(1920));
        assert_eq!(backoff(7), Duration::hours(1));
        assert_eq!(backoff(40), Duration::hours(1));
    }
}
