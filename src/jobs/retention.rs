//! Housekeeping beside retention (which is `crm::retention`): API idempotency records are
//! forgotten after 24 hours.

use crate::db::{self, Db};
use time::{Duration, OffsetDateTime};

/// How long an API `Idempotency-Key` is remembered.
pub const IDEMPOTENCY_TTL: Duration = Duration::hours(24);

/// Deletes expired API idempotency records; returns how many.
pub async fn run_once(db: &Db, now: OffsetDateTime) -> db::Result<usize> {
    db.write(move |c| db::api_keys::purge_idempotency(c, now - IDEMPOTENCY_TTL))
        .await
}
