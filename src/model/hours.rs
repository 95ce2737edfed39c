//! Business hours: the weekly opening hours, the business's time zone and its holidays, and
//! how many seconds of a span fall inside them ("business seconds").

use super::{FieldError, Zone};
use serde::{Deserialize, Serialize};
use time::{Date, Duration, OffsetDateTime, Time, Weekday};

/// Weekday names, Monday first (the order of [`BusinessHours::week`]).
pub const WEEKDAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// Most holidays kept.
pub const MAX_HOLIDAYS: usize = 200;

/// Longest span measured day by day; anything longer counts its first this many days only
/// (a conversation resolved after more than two years).
const MAX_DAYS: i64 = 800;

/// Opening hours of one day: minutes after midnight, `open < close <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opening {
    /// Opens at (minutes after midnight).
    pub open: u16,
    /// Closes at (minutes after midnight; 1440 is midnight at the end of the day).
    pub close: u16,
}

/// One holiday: a local date the business is closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// The date.
    pub date: Date,
    /// What it is ("Christmas").
    #[serde(default)]
    pub name: String,
}

/// When the business answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BusinessHours {
    /// IANA zone name the hours are read in.
    pub zone: String,
    /// Opening hours, Monday first; `None` is closed.
    pub week: [Option<Opening>; 7],
    /// Closed dates, sorted.
    #[serde(default)]
    pub holidays: Vec<Holiday>,
}

impl BusinessHours {
    /// Monday to Friday, 09:00 to 18:00, in `zone`, no holidays.
    #[must_use]
    pub fn office(zone: &Zone) -> Self {
        let day = Some(Opening {
            open: 9 * 60,
            close: 18 * 60,
        });
        Self {
            zone: zone.name(),
            week: [day, day, day, day, day, None, None],
            holidays: Vec::new(),
        }
    }

    /// The zone (UTC when the stored name is no longer known).
    #[must_use]
    pub fn zone(&self) -> Zone {
        Zone::named(&self.zone).unwrap_or_else(|_| Zone::utc())
    }

    fn is_holiday(&self, d: Date) -> bool {
        self.holidays.binary_search_by(|h| h.date.cmp(&d)).is_ok()
    }

    /// Seconds of `[start, end)` that fall inside the opening hours on days that are not
    /// holidays, in the business's zone (a daylight-saving day is as long as it really is).
    #[must_use]
    pub fn seconds_between(&self, start: OffsetDateTime, end: OffsetDateTime) -> i64 {
        if end <= start {
            return 0;
        }
        let zone = self.zone();
        let first = zone.local(start).date();
        let last = zone.local(end).date();
        let mut total = 0;
        let mut day = first;
        let mut n = 0;
        while day <= last && n < MAX_DAYS {
            if let Some(o) = self.week[day.weekday().number_days_from_monday() as usize]
                && !self.is_holiday(day)
            {
                let (s, e) = (wall(&zone, day, o.open), wall(&zone, day, o.close));
                let overlap = e.min(end) - s.max(start);
                total += overlap.whole_seconds().max(0);
            }
            let Some(next) = day.next_day() else { break };
            day = next;
            n += 1;
        }
        total
    }

    /// Whether `t` falls inside the opening hours.
    #[must_use]
    pub fn is_open(&self, t: OffsetDateTime) -> bool {
        self.seconds_between(t, t + Duration::SECOND) == 1
    }
}

/// The instant `minutes` after the start of local day `d` (1440: the next day's start).
fn wall(zone: &Zone, d: Date, minutes: u16) -> OffsetDateTime {
    if minutes >= 1440 {
        return zone.day_start(d.next_day().unwrap_or(d));
    }
    let t = Time::from_hms(
        u8::try_from(minutes / 60).unwrap_or(0),
        (minutes % 60) as u8,
        0,
    )
    .unwrap_or(Time::MIDNIGHT);
    zone.at_wall(d.with_time(t))
        .unwrap_or_else(|| zone.day_start(d))
}

/// Business hours as a person typed them: per day "09:00"/"18:00" (both blank: closed), the
/// zone name, and holidays one per line as `YYYY-MM-DD name`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HoursInput {
    /// Zone name.
    pub zone: String,
    /// (opens, closes) per day, Monday first.
    pub week: [(String, String); 7],
    /// Holidays, one per line.
    pub holidays: String,
}

fn minutes(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (m < 60 && (h < 24 || (h == 24 && m == 0))).then_some(h * 60 + m)
}

/// `minutes` after midnight as `HH:MM`.
#[must_use]
pub fn hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

impl HoursInput {
    /// The form filled from saved hours.
    #[must_use]
    pub fn from_hours(h: &BusinessHours) -> Self {
        let mut week: [(String, String); 7] = Default::default();
        for (slot, day) in week.iter_mut().zip(h.week) {
            if let Some(o) = day {
                *slot = (hhmm(o.open), hhmm(o.close));
            }
        }
        let holidays = h
            .holidays
            .iter()
            .map(|d| format!("{} {}", d.date, d.name).trim_end().to_string())
            .collect::<Vec<_>>()
            .join("\n");
        Self {
            zone: h.zone.clone(),
            week,
            holidays,
        }
    }

    /// The hours, or every problem at once.
    ///
    /// # Errors
    /// Each field that does not parse, with what to type instead.
    pub fn parse(&self) -> Result<BusinessHours, Vec<FieldError>> {
        let mut e = Vec::new();
        let zone = self.zone.trim();
        if Zone::named(zone).is_err() {
            e.push(FieldError::new(
                "zone",
                format!("`{zone}` is not a time zone; choose one such as America/Sao_Paulo."),
            ));
        }
        let mut week = [None; 7];
        for (i, (open, close)) in self.week.iter().enumerate() {
            let name = WEEKDAYS[i];
            if open.trim().is_empty() && close.trim().is_empty() {
                continue;
            }
            match (minutes(open), minutes(close)) {
                (Some(o), Some(c)) if o < c => {
                    week[i] = Some(Opening { open: o, close: c });
                }
                (Some(_), Some(_)) => e.push(FieldError::new(
                    "week",
                    format!("{name}: the closing time must be after the opening time."),
                )),
                _ => e.push(FieldError::new(
                    "week",
                    format!(
                        "{name}: type both times as HH:MM (e.g. 09:00 and 18:00, 24:00 for midnight), or leave both blank for closed."
                    ),
                )),
            }
        }
        let holidays = parse_holidays(&self.holidays, &mut e);
        if e.is_empty() {
            Ok(BusinessHours {
                zone: zone.to_string(),
                week,
                holidays,
            })
        } else {
            Err(e)
        }
    }
}

fn parse_holidays(text: &str, e: &mut Vec<FieldError>) -> Vec<Holiday> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let mut out: Vec<Holiday> = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let (date, name) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        match Date::parse(date, &fmt) {
            Ok(date) => out.push(Holiday {
                date,
                name: name.trim().chars().take(80).collect(),
            }),
            Err(_) => e.push(FieldError::new(
                "holidays",
                format!("`{line}`: start each line with a date as YYYY-MM-DD, then the name."),
            )),
        }
    }
    out.sort_by_key(|h| h.date);
    out.dedup_by_key(|h| h.date);
    if out.len() > MAX_HOLIDAYS {
        e.push(FieldError::new(
            "holidays",
            format!("Keep at most {MAX_HOLIDAYS} holidays; remove past ones."),
        ));
    }
    out
}

/// Monday-first index of a weekday.
#[must_use]
pub fn weekday_index(d: Weekday) -> usize {
    d.number_days_from_monday() as usize
}

#[cfg(test)]
mod tests;
