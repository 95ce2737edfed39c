//! First-run setup: the one-time link from the log creates the first admin.

use super::cookies::FlashKind;
use super::error::Result;
use super::extract::Ctx;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::auth::{Error as AuthError, NewUserInput};
use crate::model::Role;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The create-first-admin form.
#[derive(Template, WebTemplate)]
#[template(path = "auth/setup.html")]
pub struct SetupPage {
    layout: Layout,
    token: String,
    email: String,
    name: String,
    errors: FormErrors,
}

/// Shown for an unknown, used or expired link.
#[derive(Template, WebTemplate)]
#[template(path = "auth/setup_invalid.html")]
pub struct SetupInvalidPage {
    layout: Layout,
}

fn invalid(ctx: &super::context::RequestCtx) -> Response {
    let page = SetupInvalidPage {
        layout: Layout::new(ctx, "Setup link not valid", Nav::None),
    };
    (StatusCode::NOT_FOUND, page).into_response()
}

fn done(state: &AppState) -> Response {
    redirect_with_flash(
        &state.cookies,
        "/login",
        FlashKind::Info,
        "Setup is already complete. Sign in with your account.",
    )
}

/// `GET /setup/{token}`.
pub async fn form(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
) -> Result<Response> {
    match state.auth.check_setup_link(&token).await {
        Ok(()) => Ok(SetupPage {
            layout: Layout::new(&ctx, "Set up FlowCRM", Nav::None),
            token,
            email: String::new(),
            name: String::new(),
            errors: FormErrors::default(),
        }
        .into_response()),
        Err(AuthError::SetupDone) => Ok(done(&state)),
        Err(AuthError::SetupLinkInvalid) => Ok(invalid(&ctx)),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /setup/{token}`.
#[derive(Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /setup/{token}`: creates the admin and signs them in.
pub async fn submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
    Form(form): Form<SetupForm>,
) -> Result<Response> {
    let input = NewUserInput {
        email: form.email.clone(),
        name: form.name.clone(),
        role: Role::Admin,
        password: form.password,
        confirm: Some(form.confirm),
    };
    match state.auth.complete_setup(&token, &input, &ctx.client).await {
        Ok(ok) => {
            let mut resp = redirect_with_flash(
                &state.cookies,
                "/inbox",
                FlashKind::Success,
                "Welcome to FlowCRM. Your admin account is ready.",
            );
            resp.headers_mut()
                .append(header::SET_COOKIE, state.cookies.session(&ok.token));
            Ok(resp)
        }
        Err(AuthError::Invalid(errors)) => {
            let page = SetupPage {
                layout: Layout::new(&ctx, "Set up FlowCRM", Nav::None),
                token,
                email: form.email,
                name: form.name,
                errors: FormErrors(errors),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(AuthError::SetupDone) => Ok(done(&state)),
        Err(AuthError::SetupLinkInvalid) => Ok(invalid(&ctx)),
        Err(e) => Err(e.into()),
    }
}
