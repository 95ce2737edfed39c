//! `/password/forgot`: "Forgot your password?" from the sign-in page. The same answer whether
//! or not the address has an account; a few requests in a row from one address or for one
//! account are slowed down.

use super::extract::Ctx;
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::web::error::Result;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The page: the form, or what happens next.
#[derive(Template, WebTemplate)]
#[template(path = "auth/forgot.html")]
pub struct ForgotPage {
    layout: Layout,
    /// Shown after a request.
    sent: bool,
    /// Too many requests: wait this long.
    wait: Option<u64>,
    /// Email is not set up on this install.
    mail_off: bool,
}

fn page(
    ctx: &super::context::RequestCtx,
    state: &AppState,
    sent: bool,
    wait: Option<u64>,
) -> Response {
    let mut r = ForgotPage {
        layout: Layout::new(ctx, "Forgot your password?", Nav::None),
        sent,
        wait,
        mail_off: !state.crm.site.mail,
    }
    .into_response();
    if wait.is_some() {
        *r.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    }
    r.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `GET /password/forgot`.
pub async fn forgot_form(State(state): State<AppState>, Ctx(ctx): Ctx) -> Response {
    page(&ctx, &state, false, None)
}

/// Body of `POST /password/forgot`.
#[derive(Deserialize)]
pub struct ForgotForm {
    #[serde(default)]
    email: String,
}

/// `POST /password/forgot`: emails a one-time link when the address has an active account.
pub async fn forgot_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Form(f): Form<ForgotForm>,
) -> Result<Response> {
    if let Err(wait) = state
        .auth
        .reset_request_allowed(&ctx.client.ip, f.email.trim())
    {
        return Ok(page(&ctx, &state, false, Some(wait)));
    }
    let actor = crate::crm::contacts::Actor {
        user: None,
        ip: ctx.client.ip.clone(),
    };
    state.crm.forgot_password(&f.email, actor).await?;
    Ok(page(&ctx, &state, true, None))
}
