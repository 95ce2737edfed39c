//! Retention that really deletes: raw webhook payloads, messages (with statuses, edits, media
//! files and search-index rows), media files alone, what is left of messages their sender
//! deleted, and the audit log, each past its limit. Run by the hourly job and by
//! `flowcrm retention run [--dry-run]`; one use case for both. Messages and media go in small
//! batches, each its own write sized to take about 20 ms, with a pause as long after each, so
//! webhook ingest keeps its latency while a big run is going.

use super::{Crm, Result};
use crate::db;
use time::{Duration, OffsetDateTime};

/// A batch is sized to take about this long in the writer, so webhooks waiting behind it are
/// not delayed much more; the job then pauses as long as the batch took.
const BATCH_TARGET: std::time::Duration = std::time::Duration::from_millis(20);
/// Batch sizes (rows) the job moves between.
const BATCH_MIN: u32 = 20;
const BATCH_MAX: u32 = 2_000;

/// The next batch size after one of `size` rows took `took`: halved when it ran well over the
/// target, doubled when well under.
pub(crate) fn next_batch(size: u32, took: std::time::Duration) -> u32 {
    if took > BATCH_TARGET * 2 {
        (size / 2).max(BATCH_MIN)
    } else if took < BATCH_TARGET / 2 {
        (size * 2).min(BATCH_MAX)
    } else {
        size
    }
}

/// Gives the writer to waiting webhooks and pages: as long as the batch took (at least 2 ms).
pub(crate) async fn pause(took: std::time::Duration) {
    tokio::time::sleep(took.max(std::time::Duration::from_millis(2))).await;
}

/// The limits in force, in days; `None` keeps that kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Raw webhook bodies, events and dead letters (`whatsapp.raw_payload_days`); also how
    /// long a deleted message's kept content lives.
    pub raw_payload_days: u32,
    /// Messages (`retention.messages_days`).
    pub messages_days: Option<u32>,
    /// Media files (`retention.media_days`).
    pub media_days: Option<u32>,
    /// The audit log (`retention.audit_days`).
    pub audit_days: u32,
    /// Closed data requests (`retention.requests_days`).
    pub requests_days: Option<u32>,
}

impl Policy {
    /// The policy of a configuration.
    #[must_use]
    pub fn of(config: &crate::config::Config) -> Self {
        Self {
            raw_payload_days: config.whatsapp.raw_payload_days,
            messages_days: config.retention.messages_days,
            media_days: config.retention.media_days,
            audit_days: config.retention.audit_days,
            requests_days: config.retention.requests_days,
        }
    }
}

/// What a run removed (or, dry, would remove), per kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    /// Raw webhook bodies, events and dead letters.
    pub raw_payloads: u64,
    /// Messages.
    pub messages: u64,
    /// Media files (of kept messages, and of removed ones).
    pub media_files: u64,
    /// Kept versions (earlier text) of messages their sender deleted.
    pub deleted_versions: u64,
    /// Audit entries.
    pub audit_entries: u64,
    /// Closed data requests.
    pub requests: u64,
    /// AI summaries made before the message limit (they describe messages older still).
    pub ai_summaries: u64,
}

impl Report {
    /// True when nothing was (or would be) removed.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

fn cutoff(now: OffsetDateTime, days: u32) -> OffsetDateTime {
    now - Duration::days(days.into())
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn count_i(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

impl Crm {
    /// Applies `policy` now; with `dry_run`, only counts what would go.
    pub async fn run_retention(&self, policy: Policy, dry_run: bool) -> Result<Report> {
        let now = self.clock.now();
        let raw = cutoff(now, policy.raw_payload_days);
        let audit = cutoff(now, policy.audit_days);
        let messages = policy.messages_days.map(|d| cutoff(now, d));
        let media = policy.media_days.map(|d| cutoff(now, d));
        let requests = policy.requests_days.map(|d| cutoff(now, d));
        let purge_requests = move |c: &rusqlite::Connection, delete: bool| -> db::Result<u64> {
            Ok(match requests {
                Some(t) => count(db::data_requests::purge_closed(c, t, delete)?),
                None => 0,
            })
        };
        if dry_run {
            return Ok(self
                .db
                .read(move |c| -> db::Result<Report> {
                    Ok(Report {
                        raw_payloads: count_i(db::retention::count_raw(c, raw)?),
                        messages: match messages {
                            Some(t) => count_i(db::retention::count_messages(c, t)?),
                            None => 0,
                        },
                        media_files: match media {
                            Some(t) => count_i(db::retention::count_media(c, t)?),
                            None => 0,
                        },
                        deleted_versions: count_i(db::retention::count_deleted_versions(c, raw)?),
                        audit_entries: count_i(db::retention::count_audit(c, audit)?),
                        requests: purge_requests(c, false)?,
                        ai_summaries: match messages {
                            Some(t) => db::ai::summaries_before(c, t, false)?,
                            None => 0,
                        },
                    })
                })
                .await?);
        }
        let mut report = Report {
            raw_payloads: count(
                self.db
                    .write(move |c| db::webhook_log::purge_before(c, raw))
                    .await?,
            ),
            ..Report::default()
        };
        if let Some(before) = messages {
            report.ai_summaries = self
                .db
                .write(move |c| db::ai::summaries_before(c, before, true))
                .await?;
            let mut size = 200;
            loop {
                let started = std::time::Instant::now();
                let removed = self
                    .db
                    .write(move |c| db::retention::delete_messages(c, before, size))
                    .await?;
                let took = started.elapsed();
                report.messages += count(removed.messages);
                report.media_files += count(self.remove_media_files(&removed.files).await);
                if removed.messages < size as usize {
                    break;
                }
                size = next_batch(size, took);
                pause(took).await;
            }
        }
        if let Some(before) = media {
            let mut size = 200;
            loop {
                let started = std::time::Instant::now();
                let names = self
                    .db
                    .write(move |c| db::retention::remove_media(c, before, size, now))
                    .await?;
                let took = started.elapsed();
                let n = names.len();
                report.media_files += count(self.remove_media_files(&names).await);
                if n < size as usize {
                    break;
                }
                size = next_batch(size, took);
                pause(took).await;
            }
        }
        let (versions, files) = self.purge_deleted_messages(policy.raw_payload_days).await?;
        report.deleted_versions = count(versions);
        report.media_files += count(files);
        report.audit_entries = count(self.purge_audit(policy.audit_days).await?);
        report.requests = self.db.write(move |c| purge_requests(c, true)).await?;
        Ok(report)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration as Std;

    #[test]
    fn batches_shrink_when_slow_and_grow_when_fast_within_bounds() {
        assert_eq!(next_batch(200, Std::from_millis(80)), 100);
        assert_eq!(next_batch(200, Std::from_millis(20)), 200);
        assert_eq!(next_batch(200, Std::from_millis(2)), 400);
        assert_eq!(next_batch(BATCH_MIN, Std::from_secs(1)), BATCH_MIN);
        assert_eq!(next_batch(BATCH_MAX, Std::from_micros(1)), BATCH_MAX);
    }
}
