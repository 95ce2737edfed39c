//! `/settings/business-hours`: the weekly opening hours, the business's time zone and the
//! holidays that business-hours figures count. Everyone reads them; admins change them
//! through `Crm::save_business_hours`, which checks every field.

use crate::app::AppState;
use crate::crm;
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
}

fn page(user: &CurrentUser, input: HoursInput, saved: bool, errors: Vec<FieldError>) -> HoursPage {
    HoursPage {
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
    Ok(page(
        &user,
        HoursInput::from_hours(&v.hours),
        v.saved,
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
        Err(crm::Error::Invalid(e)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, input, true, e),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
