//! `/settings/business-hours`: the weekly opening hours, the business's time zone and the
//! holidays that business-hours figures count. Everyone reads them; admins change them
//! through `Crm::save_business_hours`, which checks every field.

use crate::app::AppState;
use crate::crm;
use crate::db::reports::CsatSettings;
use crate::model::hours::{HoursInput, WEEKDAYS};
use crate::model::{FieldError, Zone};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The business hours page.
#[derive(Template, WebTemplate)]
#[template(path = "reports/hours.html")]
pub struct HoursPage {
    layout: Layout,
    input: HoursInput,
    days: [&'static str; 7],
    zones: Vec<String>,
    saved: bool,
    is_admin: bool,
    errors: FormErrors,
    csat_on: bool,
    question: String,
}

fn page(
    user: &CurrentUser,
    input: HoursInput,
    saved: bool,
    csat: CsatSettings,
    errors: Vec<FieldError>,
) -> HoursPage {
    HoursPage {
        csat_on: csat.enabled,
        question: csat.question,
        layout: Layout::new(&user.ctx, "Business hours", Nav::Reports),
        input,
        days: WEEKDAYS,
        zones: Zone::names(),
        saved,
        is_admin: user.session.user.is_admin(),
        errors: FormErrors(errors),
    }
}

/// `GET /settings/business-hours`.
pub async fn business_hours(State(state): State<AppState>, user: CurrentUser) -> Result<HoursPage> {
    let v = state.crm.business_hours(user.who()).await?;
    let csat = state.crm.csat_settings(user.who()).await?;
    Ok(page(
        &user,
        HoursInput::from_hours(&v.hours),
        v.saved,
        csat,
        Vec::new(),
    ))
}

/// `POST /settings/business-hours`: `zone`, `open_0`…`open_6` and `close_0`…`close_6`
/// (Monday first), `holidays`.
pub async fn save_business_hours(
    State(state): State<AppState>,
    user: CurrentUser,
    RawForm(body): RawForm,
) -> Result<Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut input = HoursInput::default();
    for (k, v) in pairs {
        let day = |p: &str| {
            k.strip_prefix(p)
                .and_then(|d| d.parse::<usize>().ok())
                .filter(|d| *d < 7)
        };
        if k == "zone" {
            input.zone = v;
        } else if k == "holidays" {
            input.holidays = v;
        } else if let Some(d) = day("open_") {
            input.week[d].0 = v;
        } else if let Some(d) = day("close_") {
            input.week[d].1 = v;
        }
    }
    let ip = user.ctx.client.ip.clone();
    match state
        .crm
        .save_business_hours(user.who(), input.clone(), ip)
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/business-hours",
            FlashKind::Success,
            "Business hours saved; figures recorded from now on use them.",
        )),
        Err(crm::Error::Invalid(e)) => {
            let csat = state.crm.csat_settings(user.who()).await?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&user, input, true, csat, e),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The satisfaction survey form.
#[derive(Debug, serde::Deserialize)]
pub struct CsatForm {
    /// Checkbox.
    #[serde(default)]
    enabled: Option<String>,
    /// The question.
    #[serde(default)]
    question: String,
}

/// `POST /settings/csat`: turns the satisfaction survey on or off and sets its question.
pub async fn save_csat(
    State(state): State<AppState>,
    user: CurrentUser,
    axum::Form(f): axum::Form<CsatForm>,
) -> Result<Response> {
    let enabled = f.enabled.is_some();
    let ip = user.ctx.client.ip.clone();
    match state
        .crm
        .save_csat(user.who(), enabled, f.question.clone(), ip)
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/business-hours",
            FlashKind::Success,
            if enabled {
                "Satisfaction survey on: customers are asked when a conversation is resolved inside their window."
            } else {
                "Satisfaction survey off."
            },
        )),
        Err(crm::Error::Invalid(e)) => {
            let v = state.crm.business_hours(user.who()).await?;
            let csat = CsatSettings {
                enabled,
                question: f.question,
            };
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&user, HoursInput::from_hours(&v.hours), v.saved, csat, e),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
