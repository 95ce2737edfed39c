//! Account alerts for admins: the ones in force (on the settings page and as banners on the
//! inbox), the whole history at `/settings/alerts`, and marking one handled.

use crate::app::AppState;
use crate::db::alerts::AlertRow;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// One alert as the pages show it.
pub struct AlertLine {
    /// Row id.
    pub id: i64,
    /// `critical`, `warning` or `info`.
    pub severity: String,
    /// One line.
    pub title: String,
    /// In words.
    pub detail: String,
    /// When it happened, in the viewer's zone.
    pub when: String,
    /// "Sending is blocked" when it blocks sending.
    pub blocks: bool,
    /// "Handled by Ana, 2 Dec 10:02" once marked.
    pub handled: Option<String>,
}

/// The lines of `alerts` in the viewer's zone.
#[must_use]
pub fn lines(alerts: Vec<AlertRow>, zone: &crate::model::Zone) -> Vec<AlertLine> {
    alerts
        .into_iter()
        .map(|a| AlertLine {
            id: a.id,
            severity: a.severity,
            title: a.title,
            detail: a.detail,
            when: crate::web::when::stamp(zone, a.at),
            blocks: a.blocks_sending,
            handled: a.dismissed_at.map(|t| {
                format!(
                    "Marked handled by {}, {}",
                    a.dismissed_by.unwrap_or_else(|| "a former user".into()),
                    crate::web::when::stamp(zone, t)
                )
            }),
        })
        .collect()
}

/// The alert history page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/alerts.html")]
pub struct AlertsPage {
    layout: Layout,
    in_force: Vec<AlertLine>,
    history: Vec<AlertLine>,
    page: u32,
    more: bool,
}

/// Query of `GET /settings/alerts`.
#[derive(Deserialize)]
pub struct AlertsQuery {
    #[serde(default)]
    page: u32,
}

/// `GET /settings/alerts` (admins): the alerts in force and every alert Meta sent, newest first.
pub async fn alerts_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AlertsQuery>,
) -> Result<AlertsPage> {
    let history = state.crm.alert_history(user.who(), q.page).await?;
    let in_force = state.crm.alerts_in_force(user.who()).await?;
    Ok(AlertsPage {
        layout: Layout::new(&user.ctx, "Account alerts", Nav::Settings),
        in_force: lines(in_force, &user.ctx.zone),
        history: lines(history.alerts, &user.ctx.zone),
        page: q.page,
        more: history.more,
    })
}

/// `POST /settings/alerts/{id}/dismiss` (admins): the alert leaves the banners.
pub async fn dismiss_alert(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    state
        .crm
        .dismiss_alert(id, user.who(), user.actor())
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/alerts",
        FlashKind::Success,
        "Alert marked handled. It stays in the history below.",
    ))
}
