//! Recording reporting events where things happen: every use case that opens, answers,
//! assigns or resolves a conversation calls [`happened`] inside its own transaction, and the
//! back-fill replays stored history through the same function.

use crate::db::{self, Result};
use crate::model::Zone;
use crate::model::hours::BusinessHours;
use crate::model::report::{Cycle, Happening};
use rusqlite::Connection;
use std::sync::RwLock;
use time::OffsetDateTime;

/// The zone business hours are read in until the owner saves their own (`app.timezone`).
static DEFAULT_ZONE: RwLock<Option<Zone>> = RwLock::new(None);

/// Sets the zone default business hours are read in (the app does at start).
pub fn set_default_zone(zone: &Zone) {
    if let Ok(mut z) = DEFAULT_ZONE.write() {
        *z = Some(zone.clone());
    }
}

/// The zone default business hours are read in.
#[must_use]
pub fn default_zone() -> Zone {
    DEFAULT_ZONE
        .read()
        .ok()
        .and_then(|z| z.clone())
        .unwrap_or_else(Zone::utc)
}

/// The business hours in force: the saved ones, else Monday to Friday 09:00 to 18:00 in the
/// business's zone.
pub fn hours(conn: &Connection) -> Result<BusinessHours> {
    Ok(db::reports::hours(conn)?.unwrap_or_else(|| BusinessHours::office(&default_zone())))
}

/// Records that `h` happened to `conversation` at `at` (the message's time, or now): updates
/// its cycle and stores the events that yields, each span measured in seconds and business
/// seconds.
pub fn happened(
    conn: &Connection,
    conversation: i64,
    h: Happening,
    at: OffsetDateTime,
) -> Result<()> {
    let mut hours_cache = None;
    let stored = db::reports::cycle(conn, conversation)?;
    let mut c = stored.unwrap_or_default();
    let before = c;
    let events = c.step(stored.is_some(), h, at.unix_timestamp());
    for e in &events {
        let seconds = match e.span {
            Some((s, end)) => {
                if hours_cache.is_none() {
                    hours_cache = Some(hours(conn)?);
                }
                let business = hours_cache
                    .as_ref()
                    .map_or(0, |b| b.seconds_between(ts(s), ts(end)));
                Some((end - s, business))
            }
            None => None,
        };
        db::reports::insert_event(conn, conversation, e, seconds)?;
    }
    if c != before || (stored.is_none() && !events.is_empty()) {
        db::reports::put_cycle(conn, conversation, &c)?;
    }
    Ok(())
}

fn ts(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whether a cycle exists (tests).
pub fn cycle(conn: &Connection, conversation: i64) -> Result<Option<Cycle>> {
    db::reports::cycle(conn, conversation)
}
