//! Assembling a report from the events, the counters and the orders of a range.

use super::stats::Timing;
use super::{Range, Scope};
use crate::crm::campaigns::cost::rate_for;
use crate::db::{self, Result, reports::queries as q};
use crate::model::Zone;
use crate::model::campaign::market_of;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::BTreeMap;
use time::{Date, OffsetDateTime};

/// Volumes and timings of one period (the range, or the one before it for trend).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// New conversations.
    pub opened: i64,
    /// Resolved conversations opened again.
    pub reopened: i64,
    /// Resolutions.
    pub resolved: i64,
    /// Messages received (team only).
    pub messages_in: i64,
    /// Messages sent (team only).
    pub messages_out: i64,
    /// From the customer's first unanswered message to the first human reply of a cycle.
    pub first_response: Timing,
    /// From (re)opening to resolving.
    pub resolution: Timing,
    /// Every answered wait.
    pub reply_time: Timing,
    /// From (re)opening to the cycle's first assignment.
    pub assignment_wait: Timing,
}

/// Replies and the customer-service window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Window {
    /// Replies by people.
    pub replies: i64,
    /// Of them sent inside the customer's 24-hour window.
    pub inside: i64,
    /// Conversations whose window closed before anyone answered (team only).
    pub expired: i64,
}

/// One agent's row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgentRow {
    /// User id.
    pub user_id: i64,
    /// Name or email.
    pub name: String,
    /// First responses they gave.
    pub first_response: Timing,
    /// Resolutions they made.
    pub resolution: Timing,
    /// Replies they sent.
    pub replies: i64,
    /// Of them inside the window.
    pub inside_window: i64,
    /// Conversations first assigned to them.
    pub assigned: i64,
    /// Satisfaction survey after their resolutions.
    pub csat: Csat,
}

/// Satisfaction survey answers: score is positive / answered, response rate answered / asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Csat {
    /// Questions sent.
    pub asked: i64,
    /// Answered.
    pub answered: i64,
    /// Answered 4 or 5.
    pub positive: i64,
}

/// One day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    /// The local date.
    pub date: Date,
    /// Conversations opened or reopened.
    pub opened: i64,
    /// Resolutions.
    pub resolved: i64,
    /// Messages in.
    pub messages_in: i64,
    /// Messages out.
    pub messages_out: i64,
    /// Template messages Meta charged.
    pub charged: i64,
    /// What they cost at the owner's rates (millionths).
    pub cost_micro: i64,
}

/// Orders and revenue in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Revenue {
    /// ISO 4217 code.
    pub currency: String,
    /// Orders (cancelled left out).
    pub orders: i64,
    /// Their total (minor units).
    pub total_minor: i64,
    /// (orders, total) per day of the range.
    pub per_day: Vec<(i64, i64)>,
}

/// One click-to-WhatsApp ad or post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdRow {
    /// Meta's id of the ad or post.
    pub source_id: String,
    /// Its latest headline.
    pub headline: String,
    /// Conversations that came from it.
    pub conversations: i64,
    /// Orders credited to it: (currency, orders, total minor).
    pub orders: Vec<(String, i64, i64)>,
}

/// Conversations now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NowCounts {
    /// Open or pending.
    pub open: i64,
    /// Of them unassigned.
    pub unassigned: i64,
    /// Of them waiting for an answer.
    pub unattended: i64,
}

/// A whole report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    /// The range.
    pub range: super::Range,
    /// The period before it.
    pub previous_range: super::Range,
    /// Team figures (else one agent's own).
    pub team: bool,
    /// The range's figures.
    pub summary: Summary,
    /// The previous period's.
    pub previous: Summary,
    /// Replies and the window.
    pub window: Window,
    /// Now.
    pub now: NowCounts,
    /// Per agent (one row for an agent's own report).
    pub agents: Vec<AgentRow>,
    /// Per day.
    pub days: Vec<Day>,
    /// Inbound messages by weekday (Monday first) and hour, in the business zone.
    pub heatmap: [[i64; 24]; 7],
    /// Currency of the cost.
    pub cost_currency: String,
    /// The rate table is still the example.
    pub cost_example: bool,
    /// Total cost (millionths).
    pub cost_micro: i64,
    /// Charged messages with no rate in the table.
    pub unpriced: i64,
    /// Orders and revenue per currency.
    pub revenue: Vec<Revenue>,
    /// Click-to-WhatsApp ads.
    pub ads: Vec<AdRow>,
    /// Satisfaction survey.
    pub csat: Csat,
}

fn day_index(zone: &Zone, range: &Range, at: i64) -> Option<usize> {
    let t = OffsetDateTime::from_unix_timestamp(at).ok()?;
    let d = zone.local(t).date();
    usize::try_from((d - range.from).whole_days()).ok()
}

fn timing(rows: &[q::Measured]) -> Timing {
    Timing::of(rows.iter().map(|&(_, s, b)| (s, b)))
}

/// The volumes and timings of `range`.
pub(super) fn summary(conn: &Connection, scope: Scope, range: &Range) -> Result<Summary> {
    let (from, to) = range.secs();
    let user = scope.user();
    let count =
        |kind| q::times(conn, kind, from, to, user).map(|v| i64::try_from(v.len()).unwrap_or(0));
    let measured = |kind| q::measured(conn, kind, from, to, user);
    let (mut messages_in, mut messages_out) = (0, 0);
    if scope == Scope::Team {
        for (_, i, o) in q::counts(conn, from, to)? {
            messages_in += i;
            messages_out += o;
        }
    }
    Ok(Summary {
        opened: if user.is_some() { 0 } else { count("opened")? },
        reopened: if user.is_some() {
            0
        } else {
            count("reopened")?
        },
        resolved: count("resolved")?,
        messages_in,
        messages_out,
        first_response: timing(&measured("first_response")?),
        resolution: timing(&measured("resolved")?),
        reply_time: timing(&measured("reply")?),
        assignment_wait: timing(&measured("assigned")?),
    })
}

/// One person's events while a report is built.
#[derive(Default)]
struct Tally {
    first_responses: Vec<q::Measured>,
    resolutions: Vec<q::Measured>,
    replies: i64,
    inside: i64,
    assigned: i64,
}

fn agents(conn: &Connection, scope: Scope, range: &Range) -> Result<Vec<AgentRow>> {
    let (from, to) = range.secs();
    let user = scope.user();
    let mut by: BTreeMap<i64, Tally> = BTreeMap::new();
    let mut csat: BTreeMap<i64, Csat> = BTreeMap::new();
    for (u, asked, answered, positive) in db::reports::csat_counts(conn, from, to, user)? {
        if let Some(u) = u {
            by.entry(u).or_default();
            csat.insert(
                u,
                Csat {
                    asked,
                    answered,
                    positive,
                },
            );
        }
    }
    for row in q::measured(conn, "first_response", from, to, user)? {
        if let Some(u) = row.0 {
            by.entry(u).or_default().first_responses.push(row);
        }
    }
    for row in q::measured(conn, "resolved", from, to, user)? {
        if let Some(u) = row.0 {
            by.entry(u).or_default().resolutions.push(row);
        }
    }
    for (u, n, inside) in q::replies(conn, from, to, user)? {
        if let Some(u) = u {
            let e = by.entry(u).or_default();
            e.replies = n;
            e.inside = inside;
        }
    }
    for (u, _, _) in q::measured(conn, "assigned", from, to, user)? {
        if let Some(u) = u {
            by.entry(u).or_default().assigned += 1;
        }
    }
    let users = db::users::list(conn)?;
    for u in users.iter().filter(|u| u.disabled_at.is_none()) {
        if user.is_none_or(|me| me == u.id.0) {
            by.entry(u.id.0).or_default();
        }
    }
    let name = |id: i64| {
        users.iter().find(|u| u.id.0 == id).map_or_else(
            || format!("user {id}"),
            |u| {
                if u.name.is_empty() {
                    u.email.to_string()
                } else {
                    u.name.clone()
                }
            },
        )
    };
    let mut rows: Vec<AgentRow> = by
        .into_iter()
        .map(|(id, t)| AgentRow {
            user_id: id,
            name: name(id),
            first_response: timing(&t.first_responses),
            resolution: timing(&t.resolutions),
            replies: t.replies,
            inside_window: t.inside,
            assigned: t.assigned,
            csat: csat.get(&id).copied().unwrap_or_default(),
        })
        .collect();
    rows.sort_by(|a, b| b.replies.cmp(&a.replies).then_with(|| a.name.cmp(&b.name)));
    Ok(rows)
}

/// The report of `range` for `scope`.
pub(super) fn report(
    conn: &Connection,
    scope: Scope,
    range: &Range,
    zone: &Zone,
    now: OffsetDateTime,
) -> Result<Report> {
    let previous_range = range.previous(zone);
    let (from, to) = range.secs();
    let user = scope.user();
    let team = scope == Scope::Team;
    let n = usize::try_from(range.len()).unwrap_or(0);
    let mut days: Vec<Day> = (0..n)
        .map(|i| Day {
            date: range.from + time::Duration::days(i64::try_from(i).unwrap_or(0)),
            opened: 0,
            resolved: 0,
            messages_in: 0,
            messages_out: 0,
            charged: 0,
            cost_micro: 0,
        })
        .collect();
    let mut heatmap = [[0i64; 24]; 7];
    if team {
        for kind in ["opened", "reopened"] {
            for at in q::times(conn, kind, from, to, None)? {
                if let Some(d) = day_index(zone, range, at).and_then(|i| days.get_mut(i)) {
                    d.opened += 1;
                }
            }
        }
        for (bucket, i, o) in q::counts(conn, from, to)? {
            let Ok(t) = OffsetDateTime::from_unix_timestamp(bucket) else {
                continue;
            };
            let local = zone.local(t);
            if let Some(d) = day_index(zone, range, bucket).and_then(|x| days.get_mut(x)) {
                d.messages_in += i;
                d.messages_out += o;
            }
            let wd = crate::model::hours::weekday_index(local.weekday());
            heatmap[wd][usize::from(local.hour())] += i;
        }
    }
    for at in q::times(conn, "resolved", from, to, user)? {
        if let Some(d) = day_index(zone, range, at).and_then(|i| days.get_mut(i)) {
            d.resolved += 1;
        }
    }
    let mut window = Window::default();
    for (_, n, inside) in q::replies(conn, from, to, user)? {
        window.replies += n;
        window.inside += inside;
    }
    let (open, unassigned, unattended) = q::now_counts(conn, user)?;
    let mut report = Report {
        range: *range,
        previous_range,
        team,
        summary: summary(conn, scope, range)?,
        previous: summary(conn, scope, &previous_range)?,
        window,
        now: NowCounts {
            open,
            unassigned,
            unattended,
        },
        agents: agents(conn, scope, range)?,
        days,
        heatmap,
        cost_currency: String::new(),
        cost_example: false,
        cost_micro: 0,
        unpriced: 0,
        revenue: Vec::new(),
        ads: Vec::new(),
        csat: Csat::default(),
    };
    for (_, asked, answered, positive) in db::reports::csat_counts(conn, from, to, user)? {
        report.csat.asked += asked;
        report.csat.answered += answered;
        report.csat.positive += positive;
    }
    if team {
        report.window.expired = q::expired(conn, from, to, now.unix_timestamp())?;
        money(conn, &mut report, zone)?;
    }
    Ok(report)
}

/// Cost per day, revenue per currency and day, and the ads.
fn money(conn: &Connection, r: &mut Report, zone: &Zone) -> Result<()> {
    let range = r.range;
    let (from, to) = range.secs();
    let rates = db::campaigns::rates::list(conn)?;
    let (currency, example) = db::campaigns::rates::currency(conn)?;
    r.cost_currency = currency;
    r.cost_example = example;
    for (at, phone, category) in q::charged(conn, from, to)? {
        let rate = rate_for(&rates, market_of(phone.as_deref()), &category);
        if rate.is_none() {
            r.unpriced += 1;
        }
        r.cost_micro += rate.unwrap_or(0);
        if let Some(d) = day_index(zone, &range, at).and_then(|i| r.days.get_mut(i)) {
            d.charged += 1;
            d.cost_micro += rate.unwrap_or(0);
        }
    }
    let mut revenue: BTreeMap<String, Revenue> = BTreeMap::new();
    for (at, currency, total) in q::orders(conn, from, to)? {
        let e = revenue.entry(currency.clone()).or_insert_with(|| Revenue {
            currency,
            orders: 0,
            total_minor: 0,
            per_day: vec![(0, 0); r.days.len()],
        });
        e.orders += 1;
        e.total_minor += total;
        if let Some(d) = day_index(zone, &range, at).and_then(|i| e.per_day.get_mut(i)) {
            d.0 += 1;
            d.1 += total;
        }
    }
    r.revenue = revenue.into_values().collect();
    let mut ads: Vec<AdRow> = q::ads(conn, from, to)?
        .into_iter()
        .map(|(source_id, headline, conversations)| AdRow {
            source_id,
            headline,
            conversations,
            orders: Vec::new(),
        })
        .collect();
    for (ad, currency, n, total) in q::ad_orders(conn, from, to)? {
        if let Some(row) = ads.iter_mut().find(|a| a.source_id == ad) {
            row.orders.push((currency, n, total));
        } else {
            ads.push(AdRow {
                source_id: ad,
                headline: String::new(),
                conversations: 0,
                orders: vec![(currency, n, total)],
            });
        }
    }
    r.ads = ads;
    Ok(())
}
