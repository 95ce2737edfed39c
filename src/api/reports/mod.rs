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

mod out;
pub use out::*;

fn csat(c: crate::crm::reports::Csat) -> CsatOut {
    CsatOut {
        asked: c.asked,
        answered: c.answered,
        positive: c.positive,
    }
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
