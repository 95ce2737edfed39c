//! Assembling a report from the events and the counters of a range (cost, sales and ads are
//! in `money`).

use super::figures::{AgentRow, Csat, Day, NowCounts, Report, Summary, Window};
use super::stats::{Stats, Timing};
use super::{Range, Scope};
use crate::db::{self, Result, reports::queries as q};
use crate::model::Zone;
use rusqlite::Connection;
use std::collections::BTreeMap;
use time::OffsetDateTime;

pub(super) fn day_index(zone: &Zone, range: &Range, at: i64) -> Option<usize> {
    let t = OffsetDateTime::from_unix_timestamp(at).ok()?;
    let d = zone.local(t).date();
    usize::try_from((d - range.from).whole_days()).ok()
}

/// Which clocks durations are measured in (the page shows one; the API and CSV both).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clocks {
    /// Wall-clock seconds.
    pub all: bool,
    /// Business seconds.
    pub business: bool,
    /// Also every reply's time (one value per answered message: the costliest figure).
    pub replies: bool,
}

impl Clocks {
    /// Everything, in both clocks (the API and the CSV).
    pub const BOTH: Self = Self {
        all: true,
        business: true,
        replies: true,
    };
}

/// The timing of `kind` in `span` for the team (or `user`), and per person when `per_user`.
fn timings(
    conn: &Connection,
    kind: &str,
    span: (i64, i64),
    user: Option<i64>,
    clocks: Clocks,
    per_user: bool,
) -> Result<(Timing, BTreeMap<i64, Timing>)> {
    let mut team = Timing::default();
    let mut people: BTreeMap<i64, Timing> = BTreeMap::new();
    for (business, wanted) in [(false, clocks.all), (true, clocks.business)] {
        if !wanted {
            continue;
        }
        let rows = q::values(conn, kind, span, user, business)?;
        let mut by: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        if per_user {
            for &(u, v) in &rows {
                if let Some(u) = u {
                    by.entry(u).or_default().push(v);
                }
            }
        }
        let mut values: Vec<i64> = rows.into_iter().map(|r| r.1).collect();
        *team.pick_mut(business) = Stats::of(&mut values);
        for (u, mut v) in by {
            *people.entry(u).or_default().pick_mut(business) = Stats::of(&mut v);
        }
    }
    Ok((team, people))
}

fn count(conn: &Connection, kind: &str, range: &Range, user: Option<i64>) -> Result<i64> {
    Ok(q::days(conn, kind, range.day_numbers(), user)?
        .iter()
        .map(|r| r.2)
        .sum())
}

/// What `summary` measured per person: first responses and resolutions.
type PerPerson = (BTreeMap<i64, Timing>, BTreeMap<i64, Timing>);

/// The volumes and timings of `range` (`full`: also the reply and assignment times, and the
/// figures per person).
fn summary(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    clocks: Clocks,
    full: bool,
) -> Result<(Summary, PerPerson)> {
    let span = range.secs();
    let user = scope.user();
    let (mut messages_in, mut messages_out) = (0, 0);
    if scope == Scope::Team {
        for (_, i, o) in q::counts(conn, span.0, span.1)? {
            messages_in += i;
            messages_out += o;
        }
    }
    let (first_response, fr_people) = timings(conn, "first_response", span, user, clocks, full)?;
    let (resolution, res_people) = timings(conn, "resolved", span, user, clocks, full)?;
    let reply_time = if full && clocks.replies {
        timings(conn, "reply", span, user, clocks, false)?.0
    } else {
        Timing::default()
    };
    let assignment_wait = if full {
        timings(conn, "assigned", span, user, clocks, false)?.0
    } else {
        Timing::default()
    };
    let team = user.is_none();
    Ok((
        Summary {
            opened: if team {
                count(conn, "opened", range, None)?
            } else {
                0
            },
            reopened: if team {
                count(conn, "reopened", range, None)?
            } else {
                0
            },
            resolved: count(conn, "resolved", range, user)?,
            messages_in,
            messages_out,
            first_response,
            resolution,
            reply_time,
            assignment_wait,
        },
        (fr_people, res_people),
    ))
}

/// The row of person `id`, made when missing.
fn row<'a>(
    rows: &'a mut BTreeMap<i64, AgentRow>,
    users: &[crate::model::User],
    id: i64,
) -> &'a mut AgentRow {
    rows.entry(id).or_insert_with(|| AgentRow {
        user_id: id,
        name: users.iter().find(|u| u.id.0 == id).map_or_else(
            || format!("user {id}"),
            |u| {
                if u.name.is_empty() {
                    u.email.to_string()
                } else {
                    u.name.clone()
                }
            },
        ),
        first_response: Timing::default(),
        resolution: Timing::default(),
        replies: 0,
        inside_window: 0,
        assigned: 0,
        csat: Csat::default(),
    })
}

fn agents(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    (fr, res): PerPerson,
) -> Result<Vec<AgentRow>> {
    let span = range.secs();
    let user = scope.user();
    let mut rows: BTreeMap<i64, AgentRow> = BTreeMap::new();
    let users = db::users::list(conn)?;
    for (u, t) in fr {
        row(&mut rows, &users, u).first_response = t;
    }
    for (u, t) in res {
        row(&mut rows, &users, u).resolution = t;
    }
    for (_, u, n, inside) in q::days(conn, "reply", range.day_numbers(), user)? {
        if u != 0 {
            let r = row(&mut rows, &users, u);
            r.replies += n;
            r.inside_window += inside;
        }
    }
    for (_, u, n, _) in q::days(conn, "assigned", range.day_numbers(), user)? {
        if u != 0 {
            row(&mut rows, &users, u).assigned += n;
        }
    }
    for (u, asked, answered, positive) in db::reports::csat_counts(conn, span.0, span.1, user)? {
        if let Some(u) = u {
            row(&mut rows, &users, u).csat = Csat {
                asked,
                answered,
                positive,
            };
        }
    }
    for u in users.iter().filter(|u| u.disabled_at.is_none()) {
        if user.is_none_or(|me| me == u.id.0) {
            row(&mut rows, &users, u.id.0);
        }
    }
    let mut rows: Vec<AgentRow> = rows.into_values().collect();
    rows.sort_by(|a, b| b.replies.cmp(&a.replies).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}

fn empty_days(range: &Range) -> Vec<Day> {
    let n = usize::try_from(range.len()).unwrap_or(0);
    (0..n)
        .map(|i| Day {
            date: range.from + time::Duration::days(i64::try_from(i).unwrap_or(0)),
            opened: 0,
            resolved: 0,
            messages_in: 0,
            messages_out: 0,
            charged: 0,
            cost_micro: 0,
        })
        .collect()
}

/// Opened and resolved per day, messages per day and the heatmap.
fn per_day(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    zone: &Zone,
    days: &mut [Day],
    heatmap: &mut [[i64; 24]; 7],
) -> Result<()> {
    let span = range.secs();
    let (first, _) = range.day_numbers();
    let slot = |day: i64| usize::try_from(day - first).ok();
    if scope == Scope::Team {
        for kind in ["opened", "reopened"] {
            for (day, _, n, _) in q::days(conn, kind, range.day_numbers(), None)? {
                if let Some(d) = slot(day).and_then(|i| days.get_mut(i)) {
                    d.opened += n;
                }
            }
        }
        for (bucket, i, o) in q::counts(conn, span.0, span.1)? {
            if let Some(d) = day_index(zone, range, bucket).and_then(|x| days.get_mut(x)) {
                d.messages_in += i;
                d.messages_out += o;
            }
            if let Ok(t) = OffsetDateTime::from_unix_timestamp(bucket) {
                let local = zone.local(t);
                let wd = crate::model::hours::weekday_index(local.weekday());
                heatmap[wd][usize::from(local.hour())] += i;
            }
        }
    }
    for (day, _, n, _) in q::days(conn, "resolved", range.day_numbers(), scope.user())? {
        if let Some(d) = slot(day).and_then(|i| days.get_mut(i)) {
            d.resolved += n;
        }
    }
    Ok(())
}

/// A report of `range` with nothing measured yet.
pub(super) fn empty(range: &Range, zone: &Zone, scope: Scope, clocks: Clocks) -> Report {
    Report {
        range: *range,
        previous_range: range.previous(zone),
        team: scope == Scope::Team,
        summary: Summary::default(),
        previous: Summary::default(),
        window: Window::default(),
        now: NowCounts::default(),
        agents: Vec::new(),
        days: empty_days(range),
        heatmap: [[0i64; 24]; 7],
        cost_currency: String::new(),
        cost_example: false,
        cost_micro: 0,
        unpriced: 0,
        revenue: Vec::new(),
        ads: Vec::new(),
        csat: Csat::default(),
        reply_times: clocks.replies,
    }
}

/// The measured durations of `range` (with its volumes) and the per-person table: the
/// costliest part of a report, read by the use case next to the rest.
pub(super) fn measured(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    clocks: Clocks,
) -> Result<(Summary, Vec<AgentRow>)> {
    let (summary, people) = summary(conn, scope, range, clocks, true)?;
    Ok((summary, agents(conn, scope, range, people)?))
}

/// The report of `range` for `scope`, durations in `clocks`: all but the measured durations
/// ([`measured`]), the previous period ([`previous`]) and the money ([`money`]), which the
/// use case reads at the same time on other connections and adds.
pub(super) fn report(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    zone: &Zone,
    now: OffsetDateTime,
    clocks: Clocks,
) -> Result<Report> {
    let (from, to) = range.secs();
    let user = scope.user();
    let mut report = empty(range, zone, scope, clocks);
    per_day(
        conn,
        scope,
        range,
        zone,
        &mut report.days,
        &mut report.heatmap,
    )?;
    for (_, _, n, inside) in q::days(conn, "reply", range.day_numbers(), user)? {
        report.window.replies += n;
        report.window.inside += inside;
    }
    let (open, unassigned, unattended) = q::now_counts(conn, user)?;
    report.now = NowCounts {
        open,
        unassigned,
        unattended,
    };
    for (_, asked, answered, positive) in db::reports::csat_counts(conn, from, to, user)? {
        report.csat.asked += asked;
        report.csat.answered += answered;
        report.csat.positive += positive;
    }
    if report.team {
        report.window.expired = q::expired(conn, from, to, now.unix_timestamp())?;
    }
    Ok(report)
}

/// The money of `range` (the team's only) in a report of its own, for [`add_money`].
pub(super) fn money(conn: &Connection, scope: Scope, range: &Range, zone: &Zone) -> Result<Report> {
    let mut r = empty(range, zone, scope, Clocks::BOTH);
    if scope == Scope::Team {
        super::money::money(conn, &mut r, zone)?;
    }
    Ok(r)
}

/// Adds what [`money`] read to `report`.
pub(super) fn add_money(report: &mut Report, m: Report) {
    report.cost_currency = m.cost_currency;
    report.cost_example = m.cost_example;
    report.cost_micro = m.cost_micro;
    report.unpriced = m.unpriced;
    report.revenue = m.revenue;
    report.ads = m.ads;
    for (d, from) in report.days.iter_mut().zip(m.days) {
        d.charged = from.charged;
        d.cost_micro = from.cost_micro;
    }
}

/// The period before `range`: volumes, first response and resolution (for the trend).
pub(super) fn previous(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    zone: &Zone,
    clocks: Clocks,
) -> Result<Summary> {
    Ok(summary(conn, scope, &range.previous(zone), clocks, false)?.0)
}
