//! Data requests: Meta's data deletion callback (`POST /meta/data-deletion`, outside the session
//! layer: Meta signs it), its public status page (`/meta/data-deletion/{code}`: the code, the
//! date and the status, nothing about the person), and the admins' register
//! (`/settings/requests`): log a request received another way, close one with what was done.

use crate::app::AppState;
use crate::crm::data_requests::{KINDS, PublicStatus};
use crate::db::data_requests::DataRequest;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::{Ctx, CurrentUser};
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Body of Meta's callback.
#[derive(Deserialize)]
pub struct CallbackForm {
    #[serde(default)]
    signed_request: String,
}

/// `POST /meta/data-deletion`: verifies Meta's `signed_request`, records the request and answers
/// `{"url": …, "confirmation_code": …}`.
pub async fn meta_callback(
    State(state): State<AppState>,
    Form(form): Form<CallbackForm>,
) -> Response {
    let Some(secret) = state.secret("whatsapp.app_secret").await else {
        tracing::error!("data deletion callback refused: whatsapp.app_secret is not set");
        return (StatusCode::SERVICE_UNAVAILABLE, "the app secret is not set").into_response();
    };
    let received = state
        .crm
        .receive_meta_deletion(&form.signed_request, secret.expose().as_bytes())
        .await;
    match received {
        Ok(r) => {
            let body = serde_json::json!({
                "url": format!("{}/meta/data-deletion/{}", state.config.public_url(), r.code),
                "confirmation_code": r.code,
            });
            (
                [(header::CONTENT_TYPE, "application/json")],
                body.to_string(),
            )
                .into_response()
        }
        Err(e @ crate::crm::Error::Denied(_)) => {
            tracing::warn!(error = %e, "data deletion callback refused");
            (StatusCode::FORBIDDEN, e.to_string()).into_response()
        }
        Err(e @ crate::crm::Error::Invalid(_)) => {
            tracing::warn!(error = %e, "data deletion callback refused");
            (StatusCode::BAD_REQUEST, e.to_string()).into_response()
        }
        Err(e) => AppError::from(e).into_response(),
    }
}

/// The public status page.
#[derive(Template, WebTemplate)]
#[template(path = "privacy/request_status.html")]
pub struct StatusPage {
    layout: Layout,
    status: Option<PublicStatus>,
    received: String,
    code: String,
}

/// `GET /meta/data-deletion/{code}`.
pub async fn status_page(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(code): Path<String>,
) -> Result<Response> {
    let status = state.crm.data_request_status(&code).await?;
    let received = status
        .as_ref()
        .map(|s| crate::web::when::stamp(&state.zone, s.received_at))
        .unwrap_or_default();
    let http = if status.is_some() {
        StatusCode::OK
    } else {
        StatusCode::NOT_FOUND
    };
    let page = StatusPage {
        layout: Layout::new(&ctx, "Data deletion request", Nav::None),
        status,
        received,
        code: code.chars().take(40).collect(),
    };
    Ok((http, page).into_response())
}

/// One request as the register shows it.
pub struct RequestRow {
    r: DataRequest,
    kind: &'static str,
    received: String,
    due: String,
    overdue: bool,
    closed: String,
}

/// The register.
#[derive(Template, WebTemplate)]
#[template(path = "settings/requests.html")]
pub struct RegisterPage {
    layout: Layout,
    rows: Vec<RequestRow>,
    kinds: &'static [(&'static str, &'static str)],
    errors: FormErrors,
    public_url: String,
}

fn kind_name(kind: &str) -> &'static str {
    match kind {
        "meta_deletion" => "Meta data deletion",
        k => KINDS
            .iter()
            .find(|(key, _)| *key == k)
            .map_or("Other", |(_, n)| n),
    }
}

async fn register(
    state: &AppState,
    user: &CurrentUser,
    errors: FormErrors,
) -> Result<RegisterPage> {
    let now = state.clock.now();
    let zone = &user.ctx.zone;
    let rows = state
        .crm
        .data_requests(user.who())
        .await?
        .into_iter()
        .map(|r| RequestRow {
            kind: kind_name(&r.kind),
            received: crate::web::when::stamp(zone, r.received_at),
            due: crate::web::when::stamp(zone, r.due_at),
            overdue: r.status == "open" && r.due_at < now,
            closed: r
                .closed_at
                .map(|t| crate::web::when::stamp(zone, t))
                .unwrap_or_default(),
            r,
        })
        .collect();
    Ok(RegisterPage {
        layout: Layout::new(&user.ctx, "Data requests", Nav::Settings),
        rows,
        kinds: KINDS,
        errors,
        public_url: state.config.public_url(),
    })
}

/// `GET /settings/requests` (admins).
pub async fn register_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<RegisterPage> {
    register(&state, &user, FormErrors::default()).await
}

/// Body of `POST /settings/requests`.
#[derive(Deserialize)]
pub struct LogForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    channel: String,
}

/// `POST /settings/requests`: logs a request received another way.
pub async fn log_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<LogForm>,
) -> Result<Response> {
    match state
        .crm
        .log_data_request(&f.kind, &f.subject, &f.channel, user.who(), user.actor())
        .await
    {
        Ok(r) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/requests",
            FlashKind::Success,
            &format!(
                "Logged as {}. Answer by {}.",
                r.code,
                crate::web::when::stamp(&user.ctx.zone, r.due_at)
            ),
        )),
        Err(crate::crm::Error::Invalid(errors)) => {
            let page = register(&state, &user, FormErrors(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /settings/requests/{id}/close`.
#[derive(Deserialize)]
pub struct CloseForm {
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    action: String,
}

/// `POST /settings/requests/{id}/close`: done (what was done) or refused (why).
pub async fn close_request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<CloseForm>,
) -> Result<Response> {
    let done = f.outcome != "refused";
    match state
        .crm
        .close_data_request(id, done, &f.action, user.who(), user.actor())
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/requests",
            FlashKind::Success,
            "Closed. Its status page now says so.",
        )),
        Err(e @ (crate::crm::Error::Invalid(_) | crate::crm::Error::Conflict(_))) => {
            Ok(redirect_with_flash(
                &state.cookies,
                "/settings/requests",
                FlashKind::Error,
                &e.to_string(),
            ))
        }
        Err(e) => Err(e.into()),
    }
}
