//! What a report holds: the figures of a range and of the period before it.

use super::Range;
use super::stats::Timing;
use serde::Serialize;
use time::Date;

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
    pub range: Range,
    /// The period before it.
    pub previous_range: Range,
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
    /// Reply times were measured.
    pub reply_times: bool,
}
