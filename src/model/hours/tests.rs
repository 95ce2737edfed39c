use super::*;
use time::macros::{date, datetime};

fn sao_paulo() -> BusinessHours {
    BusinessHours::office(&Zone::named("America/Sao_Paulo").expect("zone"))
}

#[test]
fn a_span_inside_one_working_day_counts_whole() {
    let h = sao_paulo();
    // 10:00 to 11:30 São Paulo (UTC-3) on a Tuesday.
    let s = datetime!(2026-12-01 13:00 UTC);
    assert_eq!(h.seconds_between(s, s + Duration::minutes(90)), 5400);
    assert!(h.is_open(s));
    assert!(!h.is_open(datetime!(2026-12-01 22:00 UTC)), "19:00 local");
}

#[test]
fn a_weekend_counts_nothing() {
    let h = sao_paulo();
    // Friday 17:00 local to Monday 10:00 local: one hour on Friday, one on Monday.
    let s = datetime!(2026-12-04 20:00 UTC);
    let e = datetime!(2026-12-07 13:00 UTC);
    assert_eq!(h.seconds_between(s, e), 2 * 3600);
    // Saturday noon to Sunday noon: nothing.
    assert_eq!(
        h.seconds_between(
            datetime!(2026-12-05 15:00 UTC),
            datetime!(2026-12-06 15:00 UTC)
        ),
        0
    );
}

#[test]
fn a_holiday_counts_nothing() {
    let mut h = sao_paulo();
    h.holidays.push(Holiday {
        date: date!(2026 - 12 - 25),
        name: "Christmas".into(),
    });
    // Thursday 17:00 local to Monday 10:00 local with Friday the 25th closed.
    let s = datetime!(2026-12-24 20:00 UTC);
    let e = datetime!(2026-12-28 13:00 UTC);
    assert_eq!(h.seconds_between(s, e), 2 * 3600);
    h.holidays.clear();
    assert_eq!(
        h.seconds_between(s, e),
        11 * 3600,
        "the Friday counts once open"
    );
}

#[test]
fn a_daylight_saving_day_is_as_long_as_it_really_is() {
    let zone = Zone::named("America/New_York").expect("zone");
    let mut h = BusinessHours::office(&zone);
    let all_day = Some(Opening {
        open: 0,
        close: 1440,
    });
    h.week = [all_day; 7];
    // 2026-03-08: clocks jump from 02:00 to 03:00, the day has 23 hours.
    let s = zone.day_start(date!(2026 - 03 - 08));
    let e = zone.day_start(date!(2026 - 03 - 09));
    assert_eq!(h.seconds_between(s, e), 23 * 3600);
    // 2026-11-01: clocks fall back, the day has 25 hours.
    let s = zone.day_start(date!(2026 - 11 - 01));
    let e = zone.day_start(date!(2026 - 11 - 02));
    assert_eq!(h.seconds_between(s, e), 25 * 3600);
    // Office hours keep their wall times across the change: Friday 17:00 EST to Monday
    // 10:00 EDT is one hour each side.
    let office = BusinessHours::office(&zone);
    let s = datetime!(2026-03-06 22:00 UTC);
    let e = datetime!(2026-03-09 14:00 UTC);
    assert_eq!(office.seconds_between(s, e), 2 * 3600);
}

#[test]
fn an_empty_or_backwards_span_is_zero() {
    let h = sao_paulo();
    let t = datetime!(2026-12-01 13:00 UTC);
    assert_eq!(h.seconds_between(t, t), 0);
    assert_eq!(h.seconds_between(t, t - Duration::HOUR), 0);
}

#[test]
fn the_form_lists_every_problem_and_round_trips() {
    let mut input = HoursInput::from_hours(&sao_paulo());
    assert_eq!(input.week[0], ("09:00".into(), "18:00".into()));
    assert_eq!(input.week[6], (String::new(), String::new()));
    input.zone = "Mars/Olympus".into();
    input.week[1] = ("18:00".into(), "09:00".into());
    input.week[2] = ("9am".into(), String::new());
    input.holidays = "2026-12-25 Christmas\nnext friday".into();
    let errors = input.parse().expect_err("four problems");
    let fields: Vec<&str> = errors.iter().map(|e| e.field.as_ref()).collect();
    assert_eq!(fields, ["zone", "week", "week", "holidays"], "{errors:?}");

    let mut ok = HoursInput::from_hours(&sao_paulo());
    ok.week[5] = ("10:00".into(), "14:00".into());
    ok.holidays = "2027-01-01 New Year\n2026-12-25 Christmas\n2026-12-25 again".into();
    let h = ok.parse().expect("valid");
    assert_eq!(
        h.week[5],
        Some(Opening {
            open: 600,
            close: 840
        })
    );
    assert_eq!(h.holidays.len(), 2, "sorted and deduplicated");
    assert_eq!(h.holidays[0].name, "Christmas");
    assert_eq!(HoursInput::from_hours(&h).parse().expect("again"), h);
}
