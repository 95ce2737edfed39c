//! `/account/{token}`: a team member sets their password with the one-time link an admin handed
//! them (an invitation or a reset). Used or expired links say so and name the admin to ask.

use crate::app::AppState;
use crate::auth::Error as AuthError;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::Ctx;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The set-your-password page (or why the link does not work).
#[derive(Template, WebTemplate)]
#[template(path = "auth/account.html")]
pub struct AccountPage {
    layout: Layout,
    token: String,
    email: String,
    invite: bool,
    problem: Option<String>,
    errors: FormErrors,
}

fn problem_page(ctx: &crate::web::context::RequestCtx, why: String) -> Response {
    let page = AccountPage {
        layout: Layout::new(ctx, "Link not valid", Nav::None),
        token: String::new(),
        email: String::new(),
        invite: false,
        problem: Some(why),
        errors: FormErrors::default(),
    };
    (StatusCode::GONE, page).into_response()
}

/// The token is in the address: nothing this page loads may carry it on as a referrer.
fn no_referrer(mut r: Response) -> Response {
    r.headers_mut().insert(
        axum::http::header::REFERRER_POLICY,
        axum::http::HeaderValue::from_static("no-referrer"),
    );
    r
}

/// `GET /account/{token}`.
pub async fn account_form(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
) -> Result<Response> {
    account_form_inner(&state, &ctx, token)
        .await
        .map(no_referrer)
}

async fn account_form_inner(
    state: &AppState,
    ctx: &crate::web::context::RequestCtx,
    token: String,
) -> Result<Response> {
    match state.auth.check_link(&token).await {
        Ok(who) => Ok(AccountPage {
            layout: Layout::new(ctx, "Set your password", Nav::None),
            token,
            email: who.user.email.to_string(),
            invite: who.invite,
            problem: None,
            errors: FormErrors::default(),
        }
        .into_response()),
        Err(AuthError::Link(p)) => Ok(problem_page(ctx, p.0)),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /account/{token}`.
#[derive(Deserialize)]
pub struct AccountForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

/// `POST /account/{token}`: sets the password and sends them to sign in.
pub async fn account_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Path(token): Path<String>,
    Form(f): Form<AccountForm>,
) -> Result<Response> {
    match state
        .auth
        .use_link(&token, &f.password, &f.confirm, &ctx.client)
        .await
    {
        Ok(link) => {
            // The owner of the address learns of a reset (one they did not ask for, too).
            if !link.invite {
                state.crm.password_changed(link.user.id).await?;
            }
            Ok(no_referrer(redirect_with_flash(
                &state.cookies,
                "/login",
                FlashKind::Success,
                "Your password is set. Sign in with your email and the new password.",
            )))
        }
        Err(AuthError::Invalid(errors)) => {
            let who = state.auth.check_link(&token).await?;
            let page = AccountPage {
                layout: Layout::new(&ctx, "Set your password", Nav::None),
                token,
                email: who.user.email.to_string(),
                invite: who.invite,
                problem: None,
                errors: FormErrors(errors),
            };
            Ok(no_referrer(
                (StatusCode::UNPROCESSABLE_ENTITY, page).into_response(),
            ))
        }
        Err(AuthError::Link(p)) => Ok(no_referrer(problem_page(&ctx, p.0))),
        Err(e) => Err(e.into()),
    }
}
