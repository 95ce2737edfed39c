//! `/api/v1/reports`: the figures of the Reports page for a range of days in the business's
//! zone, and the per-conversation report — the same use cases (`Crm::report`,
//! `Crm::report_conversations`). Admin keys only: reports cover the whole team.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiCaller, Pairs};
use crate::app::AppState;
use crate::crm::reports::stats::{Stats, Timing};
use crate::crm::reports::{Clocks, RangeInput, Report, Summary};
use crate::model::FieldError;
use axum::Json;
use axum::extract::State;
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

fn csat(c: crate::crm::reports::Csat) -> CsatOut {
    CsatOut {
        asked: c.asked,
        answered: c.answered,
        positive: c.positive,
    }
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

fn stats(s: &Stats) -> StatsOut {
    StatsOut {
        n: s.n,
        median_s: s.median,
        p90_s: s.p90,
        avg_s: s.avg,
    }
}

fn timing(t: &Timing) -> TimingOut {
    TimingOut {
        all: stats(&t.all),
        business: stats(&t.business),
    }
}

fn summary(s: &Summary, r: &crate::crm::reports::Range) -> SummaryOut {
    SummaryOut {
        from: r.from.to_string(),
        until: r.until.to_string(),
        opened: s.opened,
        reopened: s.reopened,
        resolved: s.resolved,
        messages_in: s.messages_in,
        messages_out: s.messages_out,
        first_response: timing(&s.first_response),
        resolution: timing(&s.resolution),
        reply_time: timing(&s.reply_time),
        assignment_wait: timing(&s.assignment_wait),
    }
}

fn out(r: &Report) -> ReportOut {
    ReportOut {
        current: summary(&r.summary, &r.range),
        previous: summary(&r.previous, &r.previous_range),
        replies: r.window.replies,
        replies_in_window: r.window.inside,
        window_expired: r.window.expired,
        open_now: r.now.open,
        unassigned_now: r.now.unassigned,
        unattended_now: r.now.unattended,
        agents: r
            .agents
            .iter()
            .map(|a| AgentOut {
                user_id: a.user_id,
                name: a.name.clone(),
                first_response: timing(&a.first_response),
                resolution: timing(&a.resolution),
                replies: a.replies,
                replies_in_window: a.inside_window,
                assigned: a.assigned,
                csat: csat(a.csat),
            })
            .collect(),
        days: r
            .days
            .iter()
            .map(|d| DayOut {
                date: d.date.to_string(),
                opened: d.opened,
                resolved: d.resolved,
                messages_in: d.messages_in,
                messages_out: d.messages_out,
                charged: d.charged,
                cost_micro: d.cost_micro,
            })
            .collect(),
        heatmap: r.heatmap.iter().map(|row| row.to_vec()).collect(),
        cost_currency: r.cost_currency.clone(),
        cost_example: r.cost_example,
        cost_micro: r.cost_micro,
        revenue: r
            .revenue
            .iter()
            .map(|v| RevenueOut {
                currency: v.currency.clone(),
                orders: v.orders,
                total_minor: v.total_minor,
            })
            .collect(),
        ads: r
            .ads
            .iter()
            .map(|a| AdOut {
                source_id: a.source_id.clone(),
                headline: a.headline.clone(),
                conversations: a.conversations,
                orders: a
                    .orders
                    .iter()
                    .map(|(c, n, t)| RevenueOut {
                        currency: c.clone(),
                        orders: *n,
                        total_minor: *t,
                    })
                    .collect(),
            })
            .collect(),
        csat: csat(r.csat),
    }
}

fn range(q: &Pairs) -> Result<RangeInput, ApiError> {
    let days = match q.get("days") {
        None => None,
        Some(d) => Some(d.parse::<u32>().map_err(|_| {
            ApiError::from(crate::crm::Error::Invalid(vec![FieldError::new(
                "days",
                "A whole number of days from 1 to 731.",
            )]))
        })?),
    };
    Ok(RangeInput {
        from: q.get("from").unwrap_or_default().to_string(),
        until: q.get("until").unwrap_or_default().to_string(),
        days,
    })
}

/// The report for a range of days (default: the last 30, today included), with the previous
/// equal period.
#[utoipa::path(
    get, path = "/reports", tag = "reports",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (business time zone)"),
        ("until" = Option<String>, Query, description = "Last day, inclusive; default today"),
        ("days" = Option<i64>, Query, minimum = 1, maximum = 731, description = "The last N days, today included (instead of from/until)"),
    ),
    responses(
        (status = 200, description = "The report", body = ReportOut),
        (status = 422, description = "Bad range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn report(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Pairs,
) -> ApiResult<Json<ReportOut>> {
    let r = state
        .crm
        .report(caller.who(), range(&q)?, Clocks::BOTH)
        .await?;
    Ok(Json(out(&r)))
}

/// One row per conversation opened, answered or resolved in the range.
#[utoipa::path(
    get, path = "/reports/conversations", tag = "reports",
    params(
        ("from" = Option<String>, Query, description = "First day, YYYY-MM-DD (business time zone)"),
        ("until" = Option<String>, Query, description = "Last day, inclusive; default today"),
        ("days" = Option<i64>, Query, minimum = 1, maximum = 731, description = "The last N days, today included (instead of from/until)"),
    ),
    responses(
        (status = 200, description = "The conversations", body = Vec<ConversationReportOut>),
        (status = 422, description = "Bad range", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn conversations(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Pairs,
) -> ApiResult<Json<Vec<ConversationReportOut>>> {
    let (_, rows) = state
        .crm
        .report_conversations(caller.who(), range(&q)?)
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|c| ConversationReportOut {
                id: c.id,
                contact: c.contact,
                phone: c.phone,
                agent: c.agent,
                tags: c.tags,
                opened_at: c.opened_at,
                first_response_s: c.first_response.map(|x| x.0),
                first_response_business_s: c.first_response.map(|x| x.1),
                resolved_at: c.resolved_at,
                resolution_s: c.resolution.map(|x| x.0),
                resolution_business_s: c.resolution.map(|x| x.1),
                charged: c.charged,
                cost_micro: c.cost_micro,
            })
            .collect(),
    ))
}
