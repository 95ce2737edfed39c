//! Retention: raw webhook payloads, non-message events and dead letters older than
//! `whatsapp.raw_payload_days` are deleted, and API idempotency records after 24 hours.

use crate::db::{self, Db};
use time::{Duration, OffsetDateTime};

/// How long an API `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

/// Deletes raw webhook data older than `days` (0 keeps none past this run) and expired API
/// idempotency records; returns the webhook rows removed.
pub async fn run_once(db: &Db, now: OffsetDateTime, days: u32) -> db::Result<usize> {
    let before = now - Duration::days(days.into());
    db.write(move |c| {
        db::api_keys::purge_idempotency(c, now - IDEMPOTENCY_TTL)?;
        db::webhook_log::purge_before(c, before)
    })
    .await
}
