//! Times as people read them: every page and CSV export shows instants in the viewer's time zone
//! (their own, else the business's; `RequestCtx::zone`), never bare UTC.

use crate::model::Zone;
use time::OffsetDateTime;
use time::macros::format_description;

/// `2 Dec 2026`.
#[must_use]
pub fn date(z: &Zone, t: OffsetDateTime) -> String {
    let fmt = format_description!("[day padding:none] [month repr:short] [year]");
    z.local(t).format(&fmt).unwrap_or_default()
}

/// `2 Dec 2026 18:37`.
#[must_use]
pub fn stamp(z: &Zone, t: OffsetDateTime) -> String {
    let fmt = format_description!("[day padding:none] [month repr:short] [year] [hour]:[minute]");
    z.local(t).format(&fmt).unwrap_or_default()
}

/// `18:37`.
#[must_use]
pub fn clock(z: &Zone, t: OffsetDateTime) -> String {
    let fmt = format_description!("[hour]:[minute]");
    z.local(t).format(&fmt).unwrap_or_default()
}

/// `Wed, 2 Dec 2026` (day headings).
#[must_use]
pub fn day_label(z: &Zone, t: OffsetDateTime) -> String {
    let fmt =
        format_description!("[weekday repr:short], [day padding:none] [month repr:short] [year]");
    z.local(t).format(&fmt).unwrap_or_default()
}

/// `18:37` today, else `2 Dec` (lists).
#[must_use]
pub fn short(z: &Zone, t: OffsetDateTime, now: OffsetDateTime) -> String {
    if z.local(t).date() == z.local(now).date() {
        clock(z, t)
    } else {
        let fmt = format_description!("[day padding:none] [month repr:short]");
        z.local(t).format(&fmt).unwrap_or_default()
    }
}

/// RFC 3339 with the local offset (`2026-12-02T18:37:05-03:00`), for CSV files.
#[must_use]
pub fn csv(z: &Zone, t: OffsetDateTime) -> String {
    z.local(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_show_in_the_zone_never_bare_utc() {
        let sp = Zone::named("America/Sao_Paulo").expect("zone");
        let t = datetime!(2026-12-01 21:37 UTC);
        assert_eq!(stamp(&sp, t), "1 Dec 2026 18:37");
        assert_eq!(clock(&sp, t), "18:37");
        assert_eq!(csv(&sp, t), "2026-12-01T18:37:00-03:00");
        assert_eq!(
            day_label(&sp, datetime!(2026-12-02 02:00 UTC)),
            "Tue, 1 Dec 2026"
        );
        assert_eq!(
            short(&sp, t, datetime!(2026-12-02 02:59 UTC)),
            "18:37",
            "still the same local day"
        );
        assert_eq!(short(&sp, t, datetime!(2026-12-02 03:00 UTC)), "1 Dec");
    }
}
