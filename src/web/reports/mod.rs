//! `/reports`: the team's (admins) or one's own (agents) response and resolution times,
//! volumes, the 24-hour window, cost and sales for a range of days in the business's zone,
//! with charts drawn here as SVG and the same numbers as tables and CSV. Every figure comes
//! from `Crm::report`.

mod cards;
mod export;
mod hours;
mod svg;
mod view;

pub use export::{conversations_csv, export};
pub use hours::{business_hours, save_business_hours, save_csat};

use crate::app::AppState;
use crate::crm::{self, reports::Clocks, reports::RangeInput};
use crate::model::FieldError;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use view::View;

/// The query string: the range and which clock the times use.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct ReportQuery {
    /// First day (YYYY-MM-DD).
    #[serde(default)]
    pub from: String,
    /// Last day.
    #[serde(default)]
    pub until: String,
    /// The last N days.
    #[serde(default)]
    pub days: Option<String>,
    /// `business` for business hours.
    #[serde(default)]
    pub hours: String,
}

impl ReportQuery {
    /// The range as the use case takes it; a `days` that is not a number is an error.
    pub(crate) fn range(&self) -> std::result::Result<RangeInput, Vec<FieldError>> {
        let days = match self.days.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(d) => Some(d.parse::<u32>().map_err(|_| {
                vec![FieldError::new(
                    "days",
                    format!("`{d}` is not a number of days."),
                )]
            })?),
        };
        Ok(RangeInput {
            from: self.from.clone(),
            until: self.until.clone(),
            days,
        })
    }

    fn business(&self) -> bool {
        self.hours == "business"
    }
}

/// The reports page.
#[derive(Template, WebTemplate)]
#[template(path = "reports/index.html")]
pub struct ReportsPage {
    layout: Layout,
    v: View,
    errors: FormErrors,
}

/// `GET /reports`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ReportQuery>,
) -> Result<Response> {
    let business = q.business();
    let clocks = Clocks {
        all: !business,
        business,
        replies: false,
    };
    let (input, mut errors) = match q.range() {
        Ok(i) => (i, Vec::new()),
        Err(e) => (RangeInput::default(), e),
    };
    let report = match state.crm.report(user.who(), input, clocks).await {
        Ok(r) => r,
        Err(crm::Error::Invalid(e)) => {
            errors.extend(e);
            state
                .crm
                .report(user.who(), RangeInput::default(), clocks)
                .await?
        }
        Err(e) => return Err(e.into()),
    };
    let page = ReportsPage {
        layout: Layout::new(&user.ctx, "Reports", Nav::Reports),
        v: View::new(&report, business),
        errors: FormErrors(errors),
    };
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}
