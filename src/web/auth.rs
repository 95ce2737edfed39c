//! Sign-in and sign-out pages.

use super::cookies::FlashKind;
use super::error::Result;
use super::extract::{Ctx, CurrentUser, safe_next};
use super::forms::{redirect_with_flash, see_other};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::auth::Error as AuthError;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The sign-in page.
#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginPage {
    layout: Layout,
    email: String,
    next: String,
    error: String,
}

/// Query of `GET /login`.
#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
}

/// `GET /login`.
pub async fn login_form(Ctx(ctx): Ctx, Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if ctx.session.is_some() {
        return see_other(&next);
    }
    LoginPage {
        layout: Layout::new(&ctx, "Sign in", Nav::None),
        email: String::new(),
        next,
        error: String::new(),
    }
    .into_response()
}

/// Body of `POST /login`.
#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    next: Option<String>,
}

/// `POST /login`.
pub async fn login(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let next = safe_next(form.next.as_deref());
    let replaces = ctx
        .session
        .as_ref()
        .or(ctx.code_owed.as_ref())
        .map(|s| s.id);
    let (status, error, retry) = match state
        .auth
        .login(&form.email, &form.password, &ctx.client, replaces)
        .await
    {
        Ok(ok) => {
            let to = if ok.session.two_factor.pending {
                let q = serde_urlencoded::to_string([("next", next.as_str())]).unwrap_or_default();
                format!("/login/two-factor?{q}")
            } else {
                next
            };
            return Ok(signed_in(&state, &to, &ok.token));
        }
        Err(AuthError::InvalidCredentials) => (
            StatusCode::UNAUTHORIZED,
            "Wrong email or password.".to_string(),
            None,
        ),
        Err(AuthError::Throttled(secs)) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many failed sign-ins. Wait {secs} seconds, then try again."),
            Some(secs),
        ),
        Err(e) => return Err(e.into()),
    };
    let page = LoginPage {
        layout: Layout::new(&ctx, "Sign in", Nav::None),
        email: form.email,
        next,
        error,
    };
    Ok(refused(status, page, retry))
}

/// The new session's cookie and the way on.
fn signed_in(state: &AppState, to: &str, token: &str) -> Response {
    let mut resp = see_other(to);
    resp.headers_mut()
        .append(header::SET_COOKIE, state.cookies.session(token));
    resp
}

/// A sign-in page shown again with its error, and `Retry-After` when throttled.
fn refused(status: StatusCode, page: impl IntoResponse, retry: Option<u64>) -> Response {
    let mut resp = (status, page).into_response();
    if let Some(secs) = retry {
        resp.headers_mut().insert(header::RETRY_AFTER, secs.into());
    }
    resp
}

/// `POST /logout`: ends the session on the server.
pub async fn logout(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    state.auth.logout(&user.session, &user.ctx.client).await?;
    let mut resp = redirect_with_flash(
        &state.cookies,
        "/login",
        FlashKind::Info,
        "You have been signed out.",
    );
    resp.headers_mut()
        .append(header::SET_COOKIE, state.cookies.clear_session());
    Ok(resp)
}

/// The code step of signing in.
#[derive(Template, WebTemplate)]
#[template(path = "auth/two_factor.html")]
pub struct CodePage {
    layout: Layout,
    next: String,
    error: String,
}

/// `GET /login/two-factor`: asks for the code after a right password.
pub async fn code_form(Ctx(ctx): Ctx, Query(q): Query<LoginQuery>) -> Response {
    let next = safe_next(q.next.as_deref());
    if ctx.code_owed.is_none() {
        return see_other(if ctx.session.is_some() {
            &next
        } else {
            "/login"
        });
    }
    CodePage {
        layout: Layout::new(&ctx, "Two-factor code", Nav::None),
        next,
        error: String::new(),
    }
    .into_response()
}

/// Body of `POST /login/two-factor`.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
    next: Option<String>,
}

/// `POST /login/two-factor`: a code from the app or a recovery code finishes signing in.
pub async fn code_submit(
    State(state): State<AppState>,
    Ctx(ctx): Ctx,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let next = safe_next(form.next.as_deref());
    let Some(waiting) = &ctx.code_owed else {
        return Ok(redirect_with_flash(
            &state.cookies,
            "/login",
            FlashKind::Error,
            "Sign in again: the time for the code ran out.",
        ));
    };
    let (status, error, retry) = match state.auth.second_factor(waiting, &form.code, &ctx.client).await {
        Ok(ok) => {
            if ok.used_recovery_code {
                let change = crate::crm::two_factor::Change::RecoveryCodeUsed;
                state.crm.two_factor_changed(ok.session.user.id, change).await?;
            }
            return Ok(signed_in(&state, &next, &ok.token));
        }
        Err(AuthError::InvalidCode) => (
            StatusCode::UNAUTHORIZED,
            "That code is not right, or was used already. Type the newest code your app shows, or a recovery code.".to_string(),
            None,
        ),
        Err(AuthError::Throttled(secs)) => (
            StatusCode::TOO_MANY_REQUESTS,
            format!("Too many wrong codes. Wait {secs} seconds, then try again."),
            Some(secs),
        ),
        Err(e) => return Err(e.into()),
    };
    let page = CodePage {
        layout: Layout::new(&ctx, "Two-factor code", Nav::None),
        next,
        error,
    };
    Ok(refused(status, page, retry))
}
