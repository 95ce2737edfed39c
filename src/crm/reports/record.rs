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
/// seconds, on its local day in the business's zone.
pub fn happened(
    conn: &Connection,
    conversation: i64,
    h: Happening,
    at: OffsetDateTime,
) -> Result<()> {
    happened_in(conn, conversation, h, at, &mut None)
}

/// As [`happened`], with the business hours read once for many calls (the back-fill).
pub fn happened_in(
    conn: &Connection,
    conversation: i64,
    h: Happening,
    at: OffsetDateTime,
    hours_cache: &mut Option<(BusinessHours, Zone)>,
) -> Result<()> {
    let stored = db::reports::cycle(conn, conversation)?;
    let mut c = stored.unwrap_or_default();
    let before = c;
    let events = c.step(stored.is_some(), h, at.unix_timestamp());
    if !events.is_empty() && hours_cache.is_none() {
        let h = hours(conn)?;
        let zone = h.zone();
        *hours_cache = Some((h, zone));
    }
    for e in &events {
        let Some((hours, zone)) = hours_cache.as_ref() else {
            break;
        };
        let seconds = e
            .span
            .map(|(s, end)| (end - s, hours.seconds_between(ts(s), ts(end))));
        db::reports::insert_event(conn, conversation, e, seconds, local_day(zone, e.at))?;
    }
    if c != before || (stored.is_none() && !events.is_empty()) {
        db::reports::put_cycle(conn, conversation, &c)?;
    }
    Ok(())
}

/// The local date of `at` in `zone`, as days since 1970-01-01.
#[must_use]
pub fn local_day(zone: &Zone, at: i64) -> i64 {
    day_number(zone.local(ts(at)).date())
}

/// A date as days since 1970-01-01.
#[must_use]
pub fn day_number(d: time::Date) -> i64 {
    (d - time::Date::from_ordinal_date(1970, 1).unwrap_or(d)).whole_days()
}

fn ts(s: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(s).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// Whether a cycle exists (tests).
pub fn cycle(conn: &Connection, conversation: i64) -> Result<Option<Cycle>> {
    db::reports::cycle(conn, conversation)
}
