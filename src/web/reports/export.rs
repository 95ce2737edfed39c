//! CSV downloads of every part of a report (the figures the page shows, for the same range and
//! scope) and the per-conversation report (admins). Cells are defused for spreadsheets.

use super::ReportQuery;
use crate::app::AppState;
use crate::crm::campaigns::cost::format_micro;
use crate::crm::reports::{Clocks, Report, stats::Timing};
use crate::model::hours::WEEKDAYS;
use crate::web::error::{AppError, Result};
use crate::web::export::{audit, cell, csv_response};
use crate::web::extract::CurrentUser;
use axum::extract::{Path, Query, State};
use axum::response::Response;

fn opt(v: Option<i64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn csv(rows: &[Vec<String>]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in rows {
        w.write_record(r.iter().map(|x| cell(x)))
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    w.into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))
}

fn timing_cells(t: &Timing) -> Vec<String> {
    [&t.all, &t.business]
        .into_iter()
        .flat_map(|s| [s.n.to_string(), opt(s.median), opt(s.p90), opt(s.avg)])
        .collect()
}

fn timing_header(what: &str) -> Vec<String> {
    ["all", "business"]
        .into_iter()
        .flat_map(|h| ["n", "median_s", "p90_s", "avg_s"].map(|x| format!("{what}_{h}_{x}")))
        .collect()
}

fn summary(r: &Report) -> Vec<Vec<String>> {
    let mut head = vec![
        "period".into(),
        "from".into(),
        "until".into(),
        "opened".into(),
        "reopened".into(),
        "resolved".into(),
        "messages_in".into(),
        "messages_out".into(),
    ];
    for t in [
        "first_response",
        "resolution",
        "reply_time",
        "assignment_wait",
    ] {
        head.extend(timing_header(t));
    }
    let mut rows = vec![head];
    for (name, range, s) in [
        ("current", &r.range, &r.summary),
        ("previous", &r.previous_range, &r.previous),
    ] {
        let mut row = vec![
            name.to_string(),
            range.from.to_string(),
            range.until.to_string(),
            s.opened.to_string(),
            s.reopened.to_string(),
            s.resolved.to_string(),
            s.messages_in.to_string(),
            s.messages_out.to_string(),
        ];
        for t in [
            &s.first_response,
            &s.resolution,
            &s.reply_time,
            &s.assignment_wait,
        ] {
            row.extend(timing_cells(t));
        }
        rows.push(row);
    }
    rows
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| (*x).to_string()).collect()
}

fn agents(r: &Report) -> Vec<Vec<String>> {
    let s = strings;

    let mut head = s(&["user_id", "name"]);
    head.extend(timing_header("first_response"));
    head.extend(timing_header("resolution"));
    head.extend(s(&[
        "replies",
        "replies_in_window",
        "assigned",
        "csat_asked",
        "csat_answered",
        "csat_positive",
    ]));
    std::iter::once(head)
        .chain(r.agents.iter().map(|a| {
            let mut row = vec![a.user_id.to_string(), a.name.clone()];
            row.extend(timing_cells(&a.first_response));
            row.extend(timing_cells(&a.resolution));
            row.extend(
                [
                    a.replies,
                    a.inside_window,
                    a.assigned,
                    a.csat.asked,
                    a.csat.answered,
                    a.csat.positive,
                ]
                .map(|n| n.to_string()),
            );
            row
        }))
        .collect()
}

fn ads(r: &Report) -> Vec<Vec<String>> {
    let s = strings;
    std::iter::once(s(&[
        "source_id",
        "headline",
        "conversations",
        "currency",
        "orders",
        "revenue_minor",
    ]))
    .chain(r.ads.iter().flat_map(|a| {
        let base = vec![
            a.source_id.clone(),
            a.headline.clone(),
            a.conversations.to_string(),
        ];
        if a.orders.is_empty() {
            vec![[base, vec![String::new(), "0".into(), "0".into()]].concat()]
        } else {
            a.orders
                .iter()
                .map(|(c, n, t)| {
                    [base.clone(), vec![c.clone(), n.to_string(), t.to_string()]].concat()
                })
                .collect()
        }
    }))
    .collect()
}

fn section(r: &Report, name: &str) -> Option<Vec<Vec<String>>> {
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_string()).collect::<Vec<_>>();
    Some(match name {
        "summary" => summary(r),
        "days" => std::iter::once(s(&[
            "date",
            "opened",
            "resolved",
            "messages_in",
            "messages_out",
            "charged",
            "cost",
        ]))
        .chain(r.days.iter().map(|d| {
            vec![
                d.date.to_string(),
                d.opened.to_string(),
                d.resolved.to_string(),
                d.messages_in.to_string(),
                d.messages_out.to_string(),
                d.charged.to_string(),
                format_micro(d.cost_micro, 4),
            ]
        }))
        .collect(),
        "agents" => agents(r),
        "heatmap" => std::iter::once(s(&["weekday", "hour", "messages_in"]))
            .chain(WEEKDAYS.iter().zip(&r.heatmap).flat_map(|(d, row)| {
                row.iter()
                    .enumerate()
                    .map(|(h, n)| vec![(*d).to_string(), h.to_string(), n.to_string()])
            }))
            .collect(),
        "cost" => std::iter::once(s(&["date", "charged", "cost", "currency"]))
            .chain(r.days.iter().map(|d| {
                vec![
                    d.date.to_string(),
                    d.charged.to_string(),
                    format_micro(d.cost_micro, 4),
                    r.cost_currency.clone(),
                ]
            }))
            .collect(),
        "revenue" => std::iter::once(s(&["date", "currency", "orders", "revenue_minor"]))
            .chain(r.revenue.iter().flat_map(|rv| {
                r.days.iter().zip(&rv.per_day).map(|(d, (n, t))| {
                    vec![
                        d.date.to_string(),
                        rv.currency.clone(),
                        n.to_string(),
                        t.to_string(),
                    ]
                })
            }))
            .collect(),
        "ads" => ads(r),
        _ => return None,
    })
}

/// `GET /reports/export/{section}`: one part of the report as CSV (`summary`, `days`,
/// `agents`, `heatmap`, `cost`, `revenue`, `ads`), same range and scope as the page.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(name): Path<String>,
    Query(q): Query<ReportQuery>,
) -> Result<Response> {
    let input = q
        .range()
        .map_err(|e| AppError::from(crate::crm::Error::Invalid(e)))?;
    let report = state.crm.report(user.who(), input, Clocks::BOTH).await?;
    let rows = section(&report, &name).ok_or(AppError::NotFound)?;
    let file = format!(
        "report-{name}-{}-{}.csv",
        report.range.from, report.range.until
    );
    Ok(csv_response(&file, csv(&rows)?, false))
}

/// `GET /reports/conversations.csv`: one row per conversation opened, answered or resolved in
/// the range (admins; audited, it names customers).
pub async fn conversations_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> Result<Response> {
    let input = q
        .range()
        .map_err(|e| AppError::from(crate::crm::Error::Invalid(e)))?;
    let (range, list) = state.crm.report_conversations(user.who(), input).await?;
    let when = |t: Option<i64>| {
        t.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
            .map(|t| {
                state
                    .zone
                    .local(t)
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            })
            .unwrap_or_default()
    };
    let mut rows = vec![
        [
            "conversation_id",
            "contact",
            "phone",
            "agent",
            "tags",
            "opened_at",
            "first_response_s",
            "first_response_business_s",
            "resolved_at",
            "resolution_s",
            "resolution_business_s",
            "charged_messages",
            "cost",
        ]
        .map(String::from)
        .to_vec(),
    ];
    for c in &list {
        rows.push(vec![
            c.id.to_string(),
            c.contact.clone(),
            c.phone.clone(),
            c.agent.clone(),
            c.tags.clone(),
            when(c.opened_at),
            opt(c.first_response.map(|x| x.0)),
            opt(c.first_response.map(|x| x.1)),
            when(c.resolved_at),
            opt(c.resolution.map(|x| x.0)),
            opt(c.resolution.map(|x| x.1)),
            c.charged.to_string(),
            format_micro(c.cost_micro, 4),
        ]);
    }
    audit(&state, &user, "export.report_conversations", list.len()).await?;
    let file = format!("report-conversations-{}-{}.csv", range.from, range.until);
    Ok(csv_response(&file, csv(&rows)?, false))
}
