//! The business's (or a person's) time zone: IANA names through jiff (the system's tz database,
//! with a bundled copy for machines without one), DST-correct. Stored times stay UTC instants;
//! this turns them into local wall time for display and CSV, and local days into instants for
//! date filters.

use std::fmt;
use time::{Date, OffsetDateTime, UtcOffset};

/// A time zone.
#[derive(Clone, PartialEq)]
pub struct Zone(jiff::tz::TimeZone);

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Zone({})", self.name())
    }
}

impl Default for Zone {
    fn default() -> Self {
        Self::utc()
    }
}

impl Zone {
    /// UTC.
    #[must_use]
    pub fn utc() -> Self {
        Self(jiff::tz::TimeZone::UTC)
    }

    /// An IANA zone by name (`America/Sao_Paulo`); the error says what is wrong.
    pub fn named(name: &str) -> Result<Self, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("Choose a time zone such as America/Sao_Paulo.".into());
        }
        jiff::tz::TimeZone::get(name)
            .map(Self)
            .map_err(|_| format!("`{name}` is not a time zone name; use one such as America/Sao_Paulo or Europe/Lisbon."))
    }

    /// This machine's zone (`TZ`, `/etc/localtime`), else UTC.
    #[must_use]
    pub fn system() -> Self {
        Self(jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC))
    }

    /// The IANA name (`UTC` for UTC or an unnamed zone).
    #[must_use]
    pub fn name(&self) -> String {
        self.0.iana_name().unwrap_or("UTC").to_string()
    }

    fn offset_at(&self, t: OffsetDateTime) -> UtcOffset {
        let secs = jiff::Timestamp::from_second(t.unix_timestamp())
            .map_or(0, |ts| self.0.to_offset(ts).seconds());
        UtcOffset::from_whole_seconds(secs).unwrap_or(UtcOffset::UTC)
    }

    /// The same instant as wall time in this zone (format it as usual).
    #[must_use]
    pub fn local(&self, t: OffsetDateTime) -> OffsetDateTime {
        t.to_offset(self.offset_at(t))
    }

    /// The instant local day `d` begins (midnight, or the first time that exists on a DST day).
    #[must_use]
    pub fn day_start(&self, d: Date) -> OffsetDateTime {
        let start = i8::try_from(u8::from(d.month()))
            .ok()
            .zip(i8::try_from(d.day()).ok())
            .and_then(|(m, day)| jiff::civil::Date::new(i16::try_from(d.year()).ok()?, m, day).ok())
            .and_then(|jd| jd.to_zoned_datetime(self.0.clone()).ok())
            .map(|z| z.timestamp().as_second());
        start
            .and_then(|s| OffsetDateTime::from_unix_timestamp(s).ok())
            .unwrap_or_else(|| d.midnight().assume_utc())
    }

    /// The instant the local day `days_back` days before `now`'s local day began: "within N
    /// days" counts today as day 1, so it starts at `day_start(today - (N - 1))`.
    #[must_use]
    pub fn days_back_start(&self, now: OffsetDateTime, days_back: u32) -> OffsetDateTime {
        let today = self.local(now).date();
        let day = today
            .checked_sub(time::Duration::days(i64::from(days_back)))
            .unwrap_or(today);
        self.day_start(day)
    }

    /// The instant wall time `t` (its offset ignored) happens in this zone: a time skipped by a
    /// DST jump resolves to the same distance after the jump, a repeated one to its first pass.
    #[must_use]
    pub fn at_wall(&self, t: time::PrimitiveDateTime) -> Option<OffsetDateTime> {
        let civil = jiff::civil::DateTime::new(
            i16::try_from(t.year()).ok()?,
            i8::try_from(u8::from(t.month())).ok()?,
            i8::try_from(t.day()).ok()?,
            i8::try_from(t.hour()).ok()?,
            i8::try_from(t.minute()).ok()?,
            i8::try_from(t.second()).ok()?,
            0,
        )
        .ok()?;
        let ts = civil
            .to_zoned_datetime(self.0.clone())
            .ok()?
            .timestamp()
            .as_second();
        OffsetDateTime::from_unix_timestamp(ts).ok()
    }

    /// Every zone name the database knows, sorted.
    #[must_use]
    pub fn names() -> Vec<String> {
        let mut all: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .filter(|n| n.contains('/') || n == "UTC")
            .collect();
        all.sort();
        all.dedup();
        all
    }
}

/// A date range typed as `YYYY-MM-DD` (either end optional, both inclusive) as instants in
/// `zone`: from the start of `from` to the start of the day after `until`. Every problem is
/// listed: a date that does not parse, and an end before the start.
pub fn date_range(
    zone: &Zone,
    from: &str,
    until: &str,
) -> Result<(Option<OffsetDateTime>, Option<OffsetDateTime>), Vec<super::FieldError>> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let mut errors = Vec::new();
    let mut day = |field: &'static str, s: &str| -> Option<Date> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        Date::parse(s, &fmt)
            .map_err(|_| {
                errors.push(super::FieldError::new(
                    field,
                    format!("`{s}` is not a date; use YYYY-MM-DD."),
                ));
            })
            .ok()
    };
    let (start, end) = (day("from", from), day("until", until));
    if let (Some(s), Some(e)) = (start, end)
        && e < s
    {
        errors.push(super::FieldError::new(
            "until",
            format!("The end date ({e}) is before the start date ({s})."),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok((
        start.map(|d| zone.day_start(d)),
        end.map(|d| zone.day_start(d.next_day().unwrap_or(d))),
    ))
}

/// The present moment and the zone its days are counted in (for "within N days" filters).
#[derive(Debug, Clone, PartialEq)]
pub struct Now {
    /// The instant.
    pub at: OffsetDateTime,
    /// The zone.
    pub zone: Zone,
}

impl Now {
    /// The instant the last `n` local days began, today counting as day 1 (`n` = 0 is the same
    /// as 1: today).
    #[must_use]
    pub fn days_start(&self, n: u32) -> OffsetDateTime {
        self.zone.days_back_start(self.at, n.saturating_sub(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn sao_paulo_is_three_hours_behind_and_days_start_at_local_midnight() {
        let sp = Zone::named("America/Sao_Paulo").expect("zone");
        let t = datetime!(2026-12-01 21:37 UTC);
        let local = sp.local(t);
        assert_eq!((local.hour(), local.minute()), (18, 37));
        assert_eq!(local, t, "the same instant");
        let start = sp.days_back_start(datetime!(2026-12-02 02:00 UTC), 0);
        assert_eq!(
            start,
            datetime!(2026-12-01 03:00 UTC),
            "still 1 Dec in São Paulo"
        );
        assert!(Zone::named("Mars/Olympus").is_err());
    }

    #[test]
    fn dst_days_are_23_and_25_hours_long() {
        let ny = Zone::named("America/New_York").expect("zone");
        let d = |y, m, day| Date::from_calendar_date(y, m, day).expect("date");
        let spring = ny.day_start(d(2026, time::Month::March, 9))
            - ny.day_start(d(2026, time::Month::March, 8));
        assert_eq!(spring, time::Duration::hours(23));
        let autumn = ny.day_start(d(2026, time::Month::November, 2))
            - ny.day_start(d(2026, time::Month::November, 1));
        assert_eq!(autumn, time::Duration::hours(25));
        let before = ny.local(datetime!(2026-03-08 06:59 UTC));
        let after = ny.local(datetime!(2026-03-08 07:00 UTC));
        assert_eq!(
            (before.hour(), after.hour()),
            (1, 3),
            "01:59 EST, then 03:00 EDT"
        );
    }
}
