//! A report as the page shows it: cards with the trend against the previous period, charts,
//! and the tables behind them (per day, or per week for ranges over 92 days).

use super::cards::{Card, plain_card, share, timings, volume, window_and_csat};
use super::svg::{self, Series};
use crate::crm::campaigns::cost::format_micro;
use crate::crm::reports::stats::{Timing, human};
use crate::crm::reports::{Day, Report};
use crate::model::hours::WEEKDAYS;
use crate::model::money;

/// Ranges longer than this are charted per week.
const DAILY_UP_TO: usize = 92;

/// One agent's row as shown.
pub struct AgentView {
    /// Name.
    pub name: String,
    /// First responses: count, median, p90.
    pub fr: (i64, String, String),
    /// Resolutions: count, median, p90.
    pub res: (i64, String, String),
    /// Replies, share inside the window.
    pub replies: (i64, String),
    /// Conversations first assigned to them.
    pub assigned: i64,
    /// Satisfaction: score, "answered of asked".
    pub csat: (String, String),
}

/// A row of the per-period table.
pub struct PeriodRow {
    /// The day, or the week's first day.
    pub label: String,
    /// Opened, resolved, in, out, charged.
    pub n: [i64; 5],
    /// Cost.
    pub cost: String,
}

impl PeriodRow {
    /// Whether Meta charged anything in this period.
    #[must_use]
    pub fn charged(&self) -> bool {
        self.n[4] > 0
    }
}

/// Revenue in one currency as shown.
pub struct RevenueView {
    /// Code.
    pub currency: String,
    /// Orders.
    pub orders: i64,
    /// Total.
    pub total: String,
    /// The chart.
    pub chart: String,
    /// (period, orders, total).
    pub rows: Vec<(String, i64, String)>,
}

/// An ad as shown.
pub struct AdView {
    /// Meta's id.
    pub source_id: String,
    /// Headline.
    pub headline: String,
    /// Conversations.
    pub conversations: i64,
    /// Orders and revenue ("3 orders, R$ 120,00").
    pub orders: String,
}

/// The whole page's data.
pub struct View {
    /// Team figures (else own).
    pub team: bool,
    /// Times in business hours.
    pub business: bool,
    /// Range.
    pub from: String,
    /// Range end.
    pub until: String,
    /// Days in range.
    pub days: i64,
    /// The previous period as text.
    pub previous: String,
    /// The range as a query string (links keep it).
    pub query: String,
    /// Now.
    pub now: Vec<Card>,
    /// Volumes.
    pub volume: Vec<Card>,
    /// Timings.
    pub timings: Vec<Card>,
    /// Window.
    pub window: Vec<Card>,
    /// Agents.
    pub agents: Vec<AgentView>,
    /// "per day" or "per week" (ranges over 92 days).
    pub per: &'static str,
    /// The period column's heading.
    pub period_head: &'static str,
    /// Opened vs resolved (lines).
    pub flow_chart: String,
    /// Messages in/out (bars).
    pub messages_chart: String,
    /// Per period numbers.
    pub periods: Vec<PeriodRow>,
    /// Heatmap.
    pub heat_chart: String,
    /// Heatmap rows: weekday, 24 counts.
    pub heat_rows: Vec<(&'static str, Vec<i64>)>,
    /// Inbound messages in the heatmap.
    pub heat_total: i64,
    /// Cost chart.
    pub cost_chart: String,
    /// Cost total.
    pub cost_total: String,
    /// Charged messages.
    pub charged: i64,
    /// The rate table is the example.
    pub cost_example: bool,
    /// Charged messages with no rate.
    pub unpriced: i64,
    /// Revenue per currency.
    pub revenue: Vec<RevenueView>,
    /// Ads.
    pub ads: Vec<AdView>,
    /// Satisfaction survey cards (empty when nothing was asked).
    pub csat: Vec<Card>,
}

fn stats_cells(t: &Timing, business: bool) -> (i64, String, String) {
    let s = t.pick(business);
    (
        s.n,
        s.median.map_or_else(|| "—".into(), human),
        s.p90.map_or_else(|| "—".into(), human),
    )
}

/// Days grouped into periods (a week each when the range is long).
fn periods(days: &[Day], weekly: bool) -> Vec<(String, Vec<&Day>)> {
    let size = if weekly { 7 } else { 1 };
    days.chunks(size)
        .map(|c| (c[0].date.to_string(), c.iter().collect()))
        .collect()
}

/// The range cut into periods (days, or weeks for long ranges).
struct Periods<'a> {
    labels: Vec<String>,
    groups: Vec<(String, Vec<&'a Day>)>,
    weekly: bool,
}

impl<'a> Periods<'a> {
    fn of(days: &'a [Day]) -> Self {
        let weekly = days.len() > DAILY_UP_TO;
        let groups = periods(days, weekly);
        Self {
            labels: groups.iter().map(|g| g.0.clone()).collect(),
            groups,
            weekly,
        }
    }

    fn sum(&self, f: fn(&Day) -> i64) -> Vec<i64> {
        self.groups
            .iter()
            .map(|g| g.1.iter().map(|d| f(d)).sum())
            .collect()
    }

    fn per(&self) -> &'static str {
        if self.weekly { "per week" } else { "per day" }
    }

    fn rows(&self) -> Vec<PeriodRow> {
        self.groups
            .iter()
            .map(|(label, ds)| {
                let t = |f: fn(&Day) -> i64| ds.iter().map(|d| f(d)).sum::<i64>();
                PeriodRow {
                    label: label.clone(),
                    n: [
                        t(|d| d.opened),
                        t(|d| d.resolved),
                        t(|d| d.messages_in),
                        t(|d| d.messages_out),
                        t(|d| d.charged),
                    ],
                    cost: format_micro(t(|d| d.cost_micro), 2),
                }
            })
            .collect()
    }
}

fn series<'a>(name: &'a str, class: &'a str, values: Vec<i64>) -> Series<'a> {
    Series {
        name,
        class,
        values,
    }
}

/// Opened vs resolved (lines), messages in and out (bars), cost (bars).
fn charts(r: &Report, p: &Periods<'_>) -> (String, String, String) {
    let per = p.per();
    let count = |v: i64| v.to_string();
    let currency = r.cost_currency.clone();
    let money = move |m: i64| format!("{} {}", format_micro(m, 2), currency);
    (
        svg::lines(
            &format!("Conversations opened and resolved {per}"),
            &p.labels,
            &[
                series("opened", "s1", p.sum(|d| d.opened)),
                series("resolved", "s2", p.sum(|d| d.resolved)),
            ],
            &count,
        ),
        svg::bars(
            &format!("Messages in and out {per}"),
            &p.labels,
            &[
                series("in", "s1", p.sum(|d| d.messages_in)),
                series("out", "s2", p.sum(|d| d.messages_out)),
            ],
            &count,
        ),
        svg::bars(
            &format!("Template cost {per}"),
            &p.labels,
            &[series("cost", "s3", p.sum(|d| d.cost_micro))],
            &money,
        ),
    )
}

fn revenue(r: &Report, p: &Periods<'_>) -> Vec<RevenueView> {
    let size = if p.weekly { 7 } else { 1 };
    r.revenue
        .iter()
        .map(|rv| {
            let chunks: Vec<(i64, i64)> = rv
                .per_day
                .chunks(size)
                .map(|c| c.iter().fold((0, 0), |a, x| (a.0 + x.0, a.1 + x.1)))
                .collect();
            let currency = rv.currency.clone();
            RevenueView {
                currency: rv.currency.clone(),
                orders: rv.orders,
                total: money::format(rv.total_minor, &rv.currency),
                chart: svg::bars(
                    &format!("Revenue in {} {}", rv.currency, p.per()),
                    &p.labels,
                    &[series(
                        &rv.currency,
                        "s2",
                        chunks.iter().map(|c| c.1).collect(),
                    )],
                    &move |m| money::format(m, &currency),
                ),
                rows: p
                    .labels
                    .iter()
                    .zip(&chunks)
                    .filter(|(_, c)| c.0 > 0)
                    .map(|(l, c)| (l.clone(), c.0, money::format(c.1, &rv.currency)))
                    .collect(),
            }
        })
        .collect()
}

fn ads(r: &Report) -> Vec<AdView> {
    r.ads
        .iter()
        .map(|a| AdView {
            source_id: a.source_id.clone(),
            headline: a.headline.clone(),
            conversations: a.conversations,
            orders: if a.orders.is_empty() {
                "none".into()
            } else {
                a.orders
                    .iter()
                    .map(|(c, n, t)| format!("{n} ({})", money::format(*t, c)))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        })
        .collect()
}

fn agents(r: &Report, business: bool) -> Vec<AgentView> {
    r.agents
        .iter()
        .map(|a| AgentView {
            name: a.name.clone(),
            fr: stats_cells(&a.first_response, business),
            res: stats_cells(&a.resolution, business),
            replies: (a.replies, share(a.inside_window, a.replies)),
            assigned: a.assigned,
            csat: (
                share(a.csat.positive, a.csat.answered),
                format!("{} of {}", a.csat.answered, a.csat.asked),
            ),
        })
        .collect()
}

impl View {
    /// The quick ranges, and whether each is the one shown.
    #[must_use]
    pub fn presets(&self) -> Vec<(i64, bool)> {
        [7, 30, 90, 365].map(|d| (d, d == self.days)).to_vec()
    }

    /// The view of `r`, times in business hours when `business`.
    #[must_use]
    pub fn new(r: &Report, business: bool) -> Self {
        let p = Periods::of(&r.days);
        let (flow_chart, messages_chart, cost_chart) = charts(r, &p);
        let (window, csat) = window_and_csat(r);
        Self {
            team: r.team,
            business,
            from: r.range.from.to_string(),
            until: r.range.until.to_string(),
            days: r.range.len(),
            previous: format!("{} – {}", r.previous_range.from, r.previous_range.until),
            query: format!("from={}&until={}", r.range.from, r.range.until),
            now: vec![
                plain_card("Open", r.now.open, "open or pending"),
                plain_card("Unassigned", r.now.unassigned, "open, nobody has it"),
                plain_card(
                    "Waiting for an answer",
                    r.now.unattended,
                    "the customer wrote last",
                ),
            ],
            volume: volume(r),
            timings: timings(r, business),
            window,
            agents: agents(r, business),
            per: p.per(),
            period_head: if p.weekly { "Week of" } else { "Day" },
            flow_chart,
            messages_chart,
            periods: p.rows(),
            heat_chart: svg::heatmap("Messages in by weekday and hour", &r.heatmap, &WEEKDAYS),
            heat_rows: WEEKDAYS
                .iter()
                .zip(r.heatmap.iter())
                .map(|(d, row)| (*d, row.to_vec()))
                .collect(),
            heat_total: r.heatmap.iter().flatten().sum(),
            cost_chart,
            cost_total: format!("{} {}", format_micro(r.cost_micro, 2), r.cost_currency),
            charged: r.days.iter().map(|d| d.charged).sum(),
            cost_example: r.cost_example,
            unpriced: r.unpriced,
            revenue: revenue(r, &p),
            ads: ads(r),
            csat,
        }
    }
}
