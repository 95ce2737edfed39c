//! Recording consent: the one place a contact's opt-in state changes by hand, from the page,
//! the API or an import, with the same limits everywhere. Every change is a ledger row with its
//! source; the webhook's keyword handling comes later through here too.

use super::{Error, Result};
use crate::db;
use crate::model::{ContactId, OptIn, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Longest consent source kept (longer ones are cut).
pub const MAX_SOURCE: usize = 200;

/// A consent change to record.
#[derive(Debug, Clone)]
pub struct Consent {
    /// The new state.
    pub state: OptIn,
    /// Where it came from, as given (trimmed and cut to [`MAX_SOURCE`]).
    pub source: String,
    /// Used when `source` is blank: "recorded by Ana", "API key 3", "import people.csv".
    pub fallback: String,
    /// The team member who recorded it.
    pub by: Option<UserId>,
}

impl Consent {
    fn source(&self) -> String {
        let s: String = self.source.trim().chars().take(MAX_SOURCE).collect();
        if s.is_empty() {
            self.fallback.chars().take(MAX_SOURCE).collect()
        } else {
            s
        }
    }
}

/// Records `consent` for contact `id` in the current transaction; `true` when the state
/// changed. Not found when there is no such contact.
pub fn record(
    conn: &Connection,
    id: ContactId,
    consent: &Consent,
    now: OffsetDateTime,
) -> Result<bool> {
    if db::contacts::get(conn, id)?.is_none() {
        return Err(Error::NotFound("contact"));
    }
    let by = consent.by.map(|u| u.0);
    Ok(db::consent::set_opt_in(
        conn,
        id,
        consent.state,
        &consent.source(),
        by,
        now,
    )?)
}

impl super::Crm {
    /// Records a consent change for contact `id`.
    #[tracing::instrument(skip_all, fields(contact = %id, state = consent.state.as_str()), err(Display, level = "debug"))]
    pub async fn record_consent(&self, id: ContactId, consent: Consent) -> Result<bool> {
        let now = self.clock.now();
        self.db.write(move |c| record(c, id, &consent, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_sources_fall_back_and_long_ones_are_cut() {
        let mut c = Consent {
            state: OptIn::In,
            source: "   ".into(),
            fallback: "API key 3".into(),
            by: None,
        };
        assert_eq!(c.source(), "API key 3");
        c.source = format!("  {}  ", "x".repeat(500));
        assert_eq!(c.source().chars().count(), MAX_SOURCE);
    }
}
