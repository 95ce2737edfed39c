//! Retention: raw webhook payloads, non-message events and dead letters older than
//! `whatsapp.raw_payload_days` are deleted.

use crate::db::{self, Db};
use time::{Duration, OffsetDateTime};

/// Deletes raw webhook data older than `days` (0 keeps none past this run); returns rows removed.
pub async fn run_once(db: &Db, now: OffsetDateTime, days: u32) -> db::Result<usize> {
    let before = now - Duration::days(days.into());
    db.write(move |c| db::webhook_log::purge_before(c, before))
        .await
}
