//! `/settings/audit` (admins): the audit log with filters (who, action, target, date range in
//! the viewer's time zone), newest first with "older" paging, and the same selection as CSV
//! (formulas defused; the export is itself audited).

use crate::app::AppState;
use crate::db::audit::{AuditFilter, AuditRow};
use crate::model::{UserId, Zone};
use crate::web::error::Result;
use crate::web::export::{cell, csv_response};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

/// The page's query: the filters and the cursor.
#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    before: Option<i64>,
    #[serde(default)]
    bom: Option<String>,
}

fn date(s: &str) -> Option<time::Date> {
    time::Date::parse(
        s.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()
}

impl AuditQuery {
    fn filter(&self, zone: &Zone) -> AuditFilter {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        AuditFilter {
            actor: self.actor.trim().parse().ok().map(UserId),
            action: some(&self.action),
            target: some(&self.target),
            from: date(&self.from).map(|d| zone.day_start(d)),
            to: date(&self.to)
                .and_then(time::Date::next_day)
                .map(|d| zone.day_start(d)),
        }
    }

    /// The filters as a query string (for the next page and the CSV link).
    fn query(&self) -> String {
        serde_urlencoded::to_string([
            ("actor", self.actor.trim()),
            ("action", self.action.trim()),
            ("target", self.target.trim()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
        ])
        .unwrap_or_default()
    }
}

/// One event as the page shows it.
pub struct AuditLine {
    when: String,
    who: String,
    action: String,
    target: String,
    ip: String,
    detail: String,
}

fn who(r: &AuditRow) -> String {
    match (&r.actor_name, r.entry.actor) {
        (Some(n), _) => n.clone(),
        (None, Some(id)) => format!("former user {}", id.0),
        (None, None) => "system or anonymous".into(),
    }
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/audit.html")]
pub struct AuditPage {
    layout: Layout,
    lines: Vec<AuditLine>,
    team: Vec<(i64, String)>,
    q: AuditQuery,
    query: String,
    next: Option<i64>,
}

/// `GET /settings/audit`.
pub async fn audit_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<AuditPage> {
    let zone = &user.ctx.zone;
    let (rows, next) = state
        .crm
        .audit_page(user.who(), q.filter(zone), q.before)
        .await?;
    let team = state
        .auth
        .list_users()
        .await?
        .iter()
        .map(|u| (u.id.0, u.display_name().to_string()))
        .collect();
    Ok(AuditPage {
        layout: Layout::new(&user.ctx, "Audit log", Nav::Settings),
        lines: rows
            .iter()
            .map(|r| AuditLine {
                when: crate::web::when::stamp(zone, r.entry.at),
                who: who(r),
                action: r.entry.action.clone(),
                target: r.entry.target.clone(),
                ip: r.entry.ip.clone(),
                detail: r.entry.detail.clone(),
            })
            .collect(),
        team,
        query: q.query(),
        q,
        next,
    })
}

/// `GET /settings/audit.csv`: the filtered events as CSV (`?bom=1` for Excel).
pub async fn audit_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response> {
    let zone = &user.ctx.zone;
    let rows = state
        .crm
        .audit_export(user.who(), q.filter(zone), user.actor())
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let header = ["at", "actor", "action", "target", "ip", "detail"];
    let bad = |e: csv::Error| crate::web::error::AppError::Internal(e.into());
    w.write_record(header).map_err(bad)?;
    for r in &rows {
        let at = crate::web::when::csv(zone, r.entry.at);
        let record = [
            at,
            who(r),
            r.entry.action.clone(),
            r.entry.target.clone(),
            r.entry.ip.clone(),
            r.entry.detail.clone(),
        ];
        w.write_record(record.iter().map(|s| cell(s)))
            .map_err(bad)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| crate::web::error::AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    Ok(csv_response("audit-log.csv", body, q.bom.is_some()))
}
