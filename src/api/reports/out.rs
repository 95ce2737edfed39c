//! The report as the API returns it (`ReportOut`, `ConversationReportOut` and their parts).

use serde::Serialize;
use utoipa::ToSchema;

/// Figures of a set of durations, in seconds.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsOut {
    /// How many were measured.
    pub n: i64,
    /// Median (the mean of the two middle values for an even count).
    pub median_s: Option<i64>,
    /// 90th percentile by nearest rank.
    pub p90_s: Option<i64>,
    /// Mean.
    pub avg_s: Option<i64>,
}

/// A duration in all hours and in business hours.
#[derive(Debug, Serialize, ToSchema)]
pub struct TimingOut {
    /// Wall-clock seconds.
    pub all: StatsOut,
    /// Seconds inside the business hours.
    pub business: StatsOut,
}

/// Volumes and timings of a period.
#[derive(Debug, Serialize, ToSchema)]
pub struct SummaryOut {
    /// First day (YYYY-MM-DD).
    pub from: String,
    /// Last day, inclusive.
    pub until: String,
    /// New conversations.
    pub opened: i64,
    /// Resolved conversations opened again.
    pub reopened: i64,
    /// Resolutions.
    pub resolved: i64,
    /// Messages received.
    pub messages_in: i64,
    /// Messages sent.
    pub messages_out: i64,
    /// Customer's first unanswered message to the first human reply, per cycle.
    pub first_response: TimingOut,
    /// (Re)opening to resolution.
    pub resolution: TimingOut,
    /// Every answered wait.
    pub reply_time: TimingOut,
    /// (Re)opening to the first assignment.
    pub assignment_wait: TimingOut,
}

/// One person's figures.
#[derive(Debug, Serialize, ToSchema)]
pub struct AgentOut {
    /// User id.
    pub user_id: i64,
    /// Name or email.
    pub name: String,
    /// First responses they gave.
    pub first_response: TimingOut,
    /// Resolutions they made.
    pub resolution: TimingOut,
    /// Replies they sent.
    pub replies: i64,
    /// Of them inside the customer's 24-hour window.
    pub replies_in_window: i64,
    /// Conversations first assigned to them.
    pub assigned: i64,
    /// Satisfaction survey after their resolutions.
    pub csat: CsatOut,
}

/// Satisfaction survey: score = positive / answered, response rate = answered / asked.
#[derive(Debug, Serialize, ToSchema)]
pub struct CsatOut {
    /// Questions sent.
    pub asked: i64,
    /// Answered.
    pub answered: i64,
    /// Answered 4 or 5.
    pub positive: i64,
}

/// One day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayOut {
    /// The date.
    pub date: String,
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
    /// Their cost at the owner's rates (millionths of the currency unit).
    pub cost_micro: i64,
}

/// Orders and revenue in one currency.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevenueOut {
    /// ISO 4217 code.
    pub currency: String,
    /// Orders (cancelled left out).
    pub orders: i64,
    /// Their total in minor units.
    pub total_minor: i64,
}

/// A click-to-WhatsApp ad or post.
#[derive(Debug, Serialize, ToSchema)]
pub struct AdOut {
    /// Meta's id of the ad or post.
    pub source_id: String,
    /// Latest headline.
    pub headline: String,
    /// Conversations that came from it.
    pub conversations: i64,
    /// Orders credited to it (the last ad the customer came from before ordering).
    pub orders: Vec<RevenueOut>,
}

/// The report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReportOut {
    /// The range.
    pub current: SummaryOut,
    /// The equal period before it.
    pub previous: SummaryOut,
    /// Replies by people.
    pub replies: i64,
    /// Of them inside the customer's 24-hour window.
    pub replies_in_window: i64,
    /// Conversations whose window closed before anyone answered.
    pub window_expired: i64,
    /// Open or pending conversations now.
    pub open_now: i64,
    /// Of them unassigned.
    pub unassigned_now: i64,
    /// Of them waiting for an answer.
    pub unattended_now: i64,
    /// Per person.
    pub agents: Vec<AgentOut>,
    /// Per day.
    pub days: Vec<DayOut>,
    /// Inbound messages by weekday (Monday first) then hour (0–23), business zone.
    pub heatmap: Vec<Vec<i64>>,
    /// Currency of the cost.
    pub cost_currency: String,
    /// The rate table is still the example.
    pub cost_example: bool,
    /// Total template cost (millionths).
    pub cost_micro: i64,
    /// Orders and revenue per currency.
    pub revenue: Vec<RevenueOut>,
    /// Click-to-WhatsApp ads.
    pub ads: Vec<AdOut>,
    /// Satisfaction survey (questions asked in the range).
    pub csat: CsatOut,
}

/// One conversation of the per-conversation report.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationReportOut {
    /// Conversation id.
    pub id: i64,
    /// Contact name.
    pub contact: String,
    /// Contact phone.
    pub phone: String,
    /// Assignee now.
    pub agent: String,
    /// Contact's tags, `; `-separated.
    pub tags: String,
    /// First (re)opening in the range (unix seconds).
    pub opened_at: Option<i64>,
    /// First response in the range (seconds).
    pub first_response_s: Option<i64>,
    /// The same in business seconds.
    pub first_response_business_s: Option<i64>,
    /// Last resolution in the range (unix seconds).
    pub resolved_at: Option<i64>,
    /// Its duration (seconds).
    pub resolution_s: Option<i64>,
    /// The same in business seconds.
    pub resolution_business_s: Option<i64>,
    /// Template messages Meta charged in the range.
    pub charged: i64,
    /// Their cost (millionths).
    pub cost_micro: i64,
}
