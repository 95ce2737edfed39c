//! Reports: response and resolution times, volumes, agents, the 24-hour window, cost and
//! sales for a date range in the business's zone, with the previous equal period for trend.
//! Admins see the team; agents see their own figures. Events are recorded by `record` as
//! things happen; the figures are read here from them and from the counters the schema keeps.

pub mod backfill;
mod build;
pub mod csat;
mod export;
mod figures;
pub mod hours;
mod money;
pub mod record;
pub mod stats;

pub use build::Clocks;
pub use export::ConversationRow;
pub use figures::{AdRow, AgentRow, Csat, Day, NowCounts, Report, Revenue, Summary, Window};

use super::access::{self, AdminAction, Need, Who};
use super::{Crm, Error, Result};
use crate::model::{FieldError, UserId, Zone};
use time::{Date, Duration, OffsetDateTime};

/// Longest range a report covers (two years).
pub const MAX_DAYS: i64 = 731;

/// Whose figures a report shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The whole team (admins).
    Team,
    /// One agent's own.
    Agent(UserId),
}

impl Scope {
    /// Whose figures `who` may see: admins the team's, agents their own; viewers none.
    ///
    /// # Errors
    /// Viewers, and keys without a user that are not admin keys.
    pub fn of(who: Who) -> std::result::Result<Self, access::Denied> {
        access::check_need(Need::Work, who)?;
        if access::require(who, AdminAction::Reports).is_ok() {
            return Ok(Self::Team);
        }
        who.user
            .map(Self::Agent)
            .ok_or(access::Denied("Reports need an admin key."))
    }

    /// The user whose events count, for an agent.
    #[must_use]
    pub fn user(self) -> Option<i64> {
        match self {
            Self::Team => None,
            Self::Agent(u) => Some(u.0),
        }
    }
}

/// A date range as typed: `from` and `until` (inclusive, `YYYY-MM-DD`) or the last `days`
/// days; blank: the last 30 days.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct RangeInput {
    /// First day.
    #[serde(default)]
    pub from: String,
    /// Last day.
    #[serde(default)]
    pub until: String,
    /// The last N days, today included (wins over from/until).
    #[serde(default)]
    pub days: Option<u32>,
}

/// A range of whole local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Range {
    /// First day.
    pub from: Date,
    /// Last day (inclusive).
    pub until: Date,
    /// When the first day starts.
    #[serde(skip)]
    pub start: OffsetDateTime,
    /// When the day after the last starts.
    #[serde(skip)]
    pub end: OffsetDateTime,
}

impl Range {
    /// Whole local days `from..=until` in `zone`.
    #[must_use]
    pub fn days(zone: &Zone, from: Date, until: Date) -> Self {
        Self {
            from,
            until,
            start: zone.day_start(from),
            end: zone.day_start(until.next_day().unwrap_or(until)),
        }
    }

    /// How many days.
    #[must_use]
    pub fn len(&self) -> i64 {
        (self.until - self.from).whole_days() + 1
    }

    /// Never empty (kept for clippy's sake).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The equal period just before.
    #[must_use]
    pub fn previous(&self, zone: &Zone) -> Self {
        let until = self.from.previous_day().unwrap_or(self.from);
        let from = until
            .checked_sub(Duration::days(self.len() - 1))
            .unwrap_or(until);
        Self::days(zone, from, until)
    }

    /// The first and last day as day numbers (days since 1970-01-01).
    #[must_use]
    pub fn day_numbers(&self) -> (i64, i64) {
        (
            record::day_number(self.from),
            record::day_number(self.until),
        )
    }

    /// The unix seconds `[start, end)`.
    #[must_use]
    pub fn secs(&self) -> (i64, i64) {
        (self.start.unix_timestamp(), self.end.unix_timestamp())
    }
}

impl RangeInput {
    /// The range in `zone` as of `now`, or every problem at once.
    ///
    /// # Errors
    /// Dates that do not parse, an end before the start, a range over [`MAX_DAYS`].
    pub fn parse(&self, zone: &Zone, now: OffsetDateTime) -> Result<Range> {
        let today = zone.local(now).date();
        let back = |n: i64| today.checked_sub(Duration::days(n - 1)).unwrap_or(today);
        if let Some(days) = self.days {
            let n = i64::from(days);
            if !(1..=MAX_DAYS).contains(&n) {
                return Err(Error::field(
                    "days",
                    format!("Choose from 1 to {MAX_DAYS} days."),
                ));
            }
            return Ok(Range::days(zone, back(n), today));
        }
        let (start, end) =
            crate::model::date_range(zone, &self.from, &self.until).map_err(Error::Invalid)?;
        let day = |t: OffsetDateTime| zone.local(t).date();
        let until = end.map_or(today, |e| day(e).previous_day().unwrap_or(today));
        let from = start.map_or_else(
            || until.checked_sub(Duration::days(29)).unwrap_or(until),
            day,
        );
        if from > until {
            return Err(Error::Invalid(vec![FieldError::new(
                "from",
                format!("The start date ({from}) is after today ({until})."),
            )]));
        }
        let range = Range::days(zone, from, until);
        if range.len() > MAX_DAYS {
            return Err(Error::Invalid(vec![FieldError::new(
                "until",
                format!("A report covers at most {MAX_DAYS} days; shorten the range."),
            )]));
        }
        Ok(range)
    }
}

impl Crm {
    /// The report for `range` (admins: the team; agents: their own figures), with days counted
    /// in the business zone `zone`.
    /// Durations are measured in `clocks` (the page asks for the one it shows).
    /// Days are the business's (the zone of its business hours).
    pub async fn report(&self, who: Who, input: RangeInput, clocks: Clocks) -> Result<Report> {
        let scope = Scope::of(who)?;
        let now = self.clock.now();
        let (zone, range) = self
            .db
            .read(move |c| {
                let zone = record::hours(c)?.zone();
                let range = input.parse(&zone, now)?;
                Ok::<_, Error>((zone, range))
            })
            .await?;
        // Four reads at once on the pool's connections: this period's durations, its counts,
        // the period before (for the trend) and the money; on two cores the page waits for
        // about half the sum.
        let (z1, z2) = (zone.clone(), zone.clone());
        let (measured, mut report, previous, money) = tokio::try_join!(
            self.db
                .read(move |c| Ok::<_, Error>(build::measured(c, scope, &range, clocks)?)),
            self.db.read(move |c| {
                Ok::<_, Error>(build::report(c, scope, &range, &z1, now, clocks)?)
            }),
            self.db
                .read(move |c| Ok::<_, Error>(build::previous(c, scope, &range, &z2, clocks)?)),
            self.db
                .read(move |c| Ok::<_, Error>(build::money(c, scope, &range, &zone)?)),
        )?;
        (report.summary, report.agents) = measured;
        report.previous = previous;
        build::add_money(&mut report, money);
        Ok(report)
    }

    /// Rebuilds every conversation's reporting events from the stored history (the CLI);
    /// `progress(done, total)` each time another tenth of the conversations is done.
    pub async fn rebuild_reports(
        &self,
        progress: &mut (dyn FnMut(usize, usize) + Send),
    ) -> Result<backfill::Backfilled> {
        let now = self.clock.now();
        Ok(backfill::run(&self.db, now, progress).await?)
    }

    /// One row per conversation active in the range (admins).
    pub async fn report_conversations(
        &self,
        who: Who,
        input: RangeInput,
    ) -> Result<(Range, Vec<ConversationRow>)> {
        access::require(who, AdminAction::Reports)?;
        let now = self.clock.now();
        self.db
            .read(move |c| {
                let zone = record::hours(c)?.zone();
                let range = input.parse(&zone, now)?;
                Ok::<_, Error>((range, export::conversations(c, &range)?))
            })
            .await
    }
}
