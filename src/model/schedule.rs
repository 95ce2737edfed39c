//! Schedules written as cron expressions (`minute hour day-of-month month day-of-week`, as in
//! crontab, with names, ranges, steps and `@daily`), read in the business's time zone, and the
//! keep-N-daily-and-M-weekly rule for rotated files (backups).

use super::Zone;
use std::str::FromStr;
use time::{OffsetDateTime, PrimitiveDateTime};

/// A parsed cron expression.
#[derive(Debug, Clone)]
pub struct Schedule {
    cron: croner::Cron,
    text: String,
}

impl FromStr for Schedule {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let text = s.trim().to_string();
        let cron = text.parse::<croner::Cron>().map_err(|e| {
            format!("`{text}` is not a cron expression ({e}); for example `0 3 * * *` is every day at 03:00")
        })?;
        Ok(Self { cron, text })
    }
}

impl std::fmt::Display for Schedule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Schedule {
    /// The first time after `after` the schedule fires, reading it as wall time in `zone` (a
    /// time a DST jump skips fires just after the jump; one that repeats fires once).
    #[must_use]
    pub fn next_after(&self, after: OffsetDateTime, zone: &Zone) -> Option<OffsetDateTime> {
        let wall = zone.local(after);
        let mut start = PrimitiveDateTime::new(wall.date(), wall.time());
        // Walk forward over wall times that resolve to or before `after` (the repeated hour).
        for _ in 0..4 {
            let naive = chrono::DateTime::from_timestamp(start.assume_utc().unix_timestamp(), 0)?;
            let next = self.cron.find_next_occurrence(&naive, false).ok()?;
            let next = OffsetDateTime::from_unix_timestamp(next.timestamp()).ok()?;
            let next = PrimitiveDateTime::new(next.date(), next.time());
            let at = zone.at_wall(next)?;
            if at > after {
                return Some(at);
            }
            start = next;
        }
        None
    }
}

/// Which of `times` (one per rotated file) to delete so that what stays is the newest of each
/// of the last `daily` local days that have one and the newest of each of the last `weekly`
/// ISO weeks that have one. The newest file always stays. Returns indexes into `times`.
#[must_use]
pub fn prune(times: &[OffsetDateTime], zone: &Zone, daily: u32, weekly: u32) -> Vec<usize> {
    let mut order: Vec<usize> = (0..times.len()).collect();
    order.sort_by(|a, b| times[*b].cmp(&times[*a]));
    let mut keep = vec![false; times.len()];
    let (mut days, mut weeks) = (Vec::new(), Vec::new());
    for (rank, &i) in order.iter().enumerate() {
        let local = zone.local(times[i]);
        let day = local.date();
        let (year, week, _) = day.to_iso_week_date();
        if rank == 0 {
            keep[i] = true;
        }
        if !days.contains(&day) && days.len() < daily as usize {
            days.push(day);
            keep[i] = true;
        }
        if !weeks.contains(&(year, week)) && weeks.len() < weekly as usize {
            weeks.push((year, week));
            keep[i] = true;
        }
    }
    order.into_iter().filter(|&i| !keep[i]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn lisbon() -> Zone {
        Zone::named("Europe/Lisbon").expect("zone")
    }

    #[test]
    fn daily_at_three_is_three_in_the_business_zone_across_dst() {
        let s: Schedule = "0 3 * * *".parse().expect("parse");
        let sp = Zone::named("America/Sao_Paulo").expect("zone");
        // 02:00 UTC is 23:00 the day before in São Paulo: next is 03:00 local = 06:00 UTC.
        assert_eq!(
            s.next_after(datetime!(2026-12-02 02:00 UTC), &sp),
            Some(datetime!(2026-12-02 06:00 UTC))
        );
        // Lisbon: 03:00 is 03:00 UTC in winter, 02:00 UTC in summer.
        let z = lisbon();
        assert_eq!(
            s.next_after(datetime!(2026-01-10 12:00 UTC), &z),
            Some(datetime!(2026-01-11 03:00 UTC))
        );
        assert_eq!(
            s.next_after(datetime!(2026-07-10 12:00 UTC), &z),
            Some(datetime!(2026-07-11 02:00 UTC))
        );
        // Exactly at a firing time, the next is the following day (no double run).
        assert_eq!(
            s.next_after(datetime!(2026-07-11 02:00 UTC), &z),
            Some(datetime!(2026-07-12 02:00 UTC))
        );
    }

    #[test]
    fn skipped_and_repeated_wall_times_fire_once() {
        let z = lisbon();
        // 2026-03-29: 01:00 jumps to 02:00 in Lisbon, so 01:30 does not exist.
        let s: Schedule = "30 1 * * *".parse().expect("parse");
        let at = s
            .next_after(datetime!(2026-03-28 12:00 UTC), &z)
            .expect("next");
        assert_eq!(at, datetime!(2026-03-29 01:30 UTC), "just after the jump");
        // 2026-10-25: 02:00 falls back to 01:00, so 01:30 happens twice; it fires on the first.
        let first = s
            .next_after(datetime!(2026-10-24 12:00 UTC), &z)
            .expect("next");
        assert_eq!(first, datetime!(2026-10-25 00:30 UTC));
        let again = s.next_after(first, &z).expect("next");
        assert_eq!(
            again,
            datetime!(2026-10-26 01:30 UTC),
            "not again an hour later"
        );
    }

    #[test]
    fn expressions_with_names_steps_and_shortcuts_parse_and_nonsense_is_explained() {
        for ok in [
            "*/15 * * * *",
            "0 3 * * MON-FRI",
            "@daily",
            "0 0 1 * *",
            "5 4 * * sun",
        ] {
            assert!(ok.parse::<Schedule>().is_ok(), "{ok}");
        }
        let every_15: Schedule = "*/15 * * * *".parse().expect("parse");
        assert_eq!(
            every_15.next_after(datetime!(2026-12-02 10:07 UTC), &Zone::utc()),
            Some(datetime!(2026-12-02 10:15 UTC))
        );
        for bad in ["", "every day", "61 * * * *", "0 25 * * *"] {
            let err = bad.parse::<Schedule>().expect_err(bad);
            assert!(err.contains("0 3 * * *"), "{err}");
        }
    }

    #[test]
    fn pruning_keeps_the_newest_of_recent_days_and_weeks() {
        let z = Zone::utc();
        // Two backups a day for 30 days, newest first at 2026-12-31.
        let times: Vec<OffsetDateTime> = (0..60)
            .map(|i| datetime!(2026-12-31 15:00 UTC) - time::Duration::hours(12 * i))
            .collect();
        let gone = prune(&times, &z, 7, 4);
        let kept: Vec<OffsetDateTime> = (0..times.len())
            .filter(|i| !gone.contains(i))
            .map(|i| times[i])
            .collect();
        // 7 daily (Dec 25..31, each day's 15:00); the 4 weekly are the newest of the weeks of
        // Dec 28 and Dec 21 (already kept) and of Dec 14 and Dec 7 (Sundays 20 and 13).
        assert_eq!(kept.len(), 7 + 2, "{kept:?}");
        assert!(kept.contains(&datetime!(2026-12-31 15:00 UTC)));
        assert!(
            !kept.contains(&datetime!(2026-12-31 03:00 UTC)),
            "older one that day"
        );
        assert!(kept.contains(&datetime!(2026-12-25 15:00 UTC)));
        assert!(
            kept.contains(&datetime!(2026-12-20 15:00 UTC)),
            "Sunday: newest of its week"
        );
        assert!(kept.contains(&datetime!(2026-12-13 15:00 UTC)));
        assert!(
            !kept.contains(&datetime!(2026-12-06 15:00 UTC)),
            "older than 4 weeks"
        );
        assert_eq!(
            prune(&times[..1], &z, 0, 0),
            Vec::<usize>::new(),
            "newest stays"
        );
        assert_eq!(prune(&[], &z, 7, 4), Vec::<usize>::new());
    }
}
