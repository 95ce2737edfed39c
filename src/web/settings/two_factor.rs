//! `/settings/two-factor`: the signed-in person's own two-factor sign-in. Set it up (a QR code
//! drawn as SVG, the secret as text, switched on by one valid code and the password), see the
//! recovery codes once, make new ones or turn it off (password and a code). Someone the team's
//! rule or an admin's reset sends here can open nothing else until it is on.

use crate::app::AppState;
use crate::auth::{Error as AuthError, TwoFactorStatus};
use crate::crm::two_factor::Change;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use qrcodegen::{QrCode, QrCodeEcc};
use serde::Deserialize;
use std::fmt::Write as _;

const BACK: &str = "/settings/two-factor";

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/two_factor.html")]
pub struct TwoFactorPage {
    layout: Layout,
    on_since: String,
    codes_left: i64,
    /// Being set up: the QR code (SVG we drew) and the secret as text.
    qr_svg: String,
    secret: String,
    /// Required now: nothing else opens until it is on.
    required_now: bool,
    /// Required by this date (a grace period still running).
    required_by: String,
    /// Recovery codes just made: shown this once.
    codes: Vec<String>,
    errors: FormErrors,
}

/// The `otpauth://` address as an SVG QR code: a path of one-unit squares, no script.
fn qr_svg(uri: &str) -> String {
    let Ok(qr) = QrCode::encode_text(uri, QrCodeEcc::Medium) else {
        return String::new();
    };
    let border = 4;
    let size = qr.size() + border * 2;
    let mut path = String::new();
    for y in 0..qr.size() {
        for x in 0..qr.size() {
            if qr.get_module(x, y) {
                let _ = write!(path, "M{},{}h1v1h-1z", x + border, y + border);
            }
        }
    }
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size}" width="220" height="220" role="img" aria-label="QR code for your authenticator app" shape-rendering="crispEdges"><rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>"##
    )
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    codes: Vec<String>,
    errors: FormErrors,
) -> Result<TwoFactorPage> {
    let status: TwoFactorStatus = state
        .auth
        .two_factor_status(&user.session.user, &state.config.business_name())
        .await?;
    let now = state.clock.now();
    let zone = &user.ctx.zone;
    let (qr_svg, secret) = status
        .setting_up
        .map(|e| (qr_svg(&e.uri), e.secret))
        .unwrap_or_default();
    Ok(TwoFactorPage {
        layout: Layout::new(&user.ctx, "Two-factor sign-in", Nav::Settings),
        on_since: status
            .on_since
            .map(|t| crate::web::when::stamp(zone, t))
            .unwrap_or_default(),
        codes_left: status.codes_left,
        qr_svg,
        secret,
        required_now: status.enrol_by.is_some_and(|t| t <= now),
        required_by: status
            .enrol_by
            .filter(|t| *t > now)
            .map(|t| crate::web::when::stamp(zone, t))
            .unwrap_or_default(),
        codes,
        errors,
    })
}

/// `GET /settings/two-factor`.
pub async fn two_factor_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<TwoFactorPage> {
    page(&state, &user, Vec::new(), FormErrors::default()).await
}

/// `POST /settings/two-factor/start`: a new secret to scan (nothing changes until confirmed).
pub async fn start_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response> {
    match state.auth.start_two_factor(&user.session.user).await {
        Ok(()) => Ok(crate::web::forms::see_other(BACK)),
        Err(AuthError::Invalid(e)) => Ok(redirect_with_flash(
            &state.cookies,
            BACK,
            FlashKind::Error,
            &e.first().map(|e| e.message.clone()).unwrap_or_default(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Body of the forms that need the password and a code.
#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

/// The answer to a form that needed the password and a code.
async fn refused(state: &AppState, user: &CurrentUser, e: AuthError) -> Result<Response> {
    let (status, errors) = match e {
        AuthError::Invalid(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors),
        AuthError::Throttled(secs) => (
            StatusCode::TOO_MANY_REQUESTS,
            vec![crate::model::FieldError::new(
                "code",
                format!("Too many wrong tries. Wait {secs} seconds, then try again."),
            )],
        ),
        other => return Err(other.into()),
    };
    let p = page(state, user, Vec::new(), FormErrors(errors)).await?;
    Ok((status, p).into_response())
}

/// `POST /settings/two-factor/confirm`: a valid code and the password switch it on; the
/// recovery codes are shown this once.
pub async fn confirm_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CodeForm>,
) -> Result<Response> {
    let r = state
        .auth
        .confirm_two_factor(&user.session, &f.password, &f.code, &user.ctx.client)
        .await;
    match r {
        Ok(codes) => {
            state
                .crm
                .two_factor_changed(user.session.user.id, Change::Enabled)
                .await?;
            Ok(page(&state, &user, codes, FormErrors::default())
                .await?
                .into_response())
        }
        Err(e) => refused(&state, &user, e).await,
    }
}

/// `POST /settings/two-factor/recovery-codes`: new codes (the old ones stop working).
pub async fn new_recovery_codes(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CodeForm>,
) -> Result<Response> {
    let r = state
        .auth
        .new_recovery_codes(&user.session.user, &f.password, &f.code, &user.ctx.client)
        .await;
    match r {
        Ok(codes) => {
            let change = Change::NewRecoveryCodes;
            state
                .crm
                .two_factor_changed(user.session.user.id, change)
                .await?;
            Ok(page(&state, &user, codes, FormErrors::default())
                .await?
                .into_response())
        }
        Err(e) => refused(&state, &user, e).await,
    }
}

/// `POST /settings/two-factor/off`: turns it off (if the team requires it, setting it up
/// again comes next).
pub async fn turn_off_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<CodeForm>,
) -> Result<Response> {
    let r = state
        .auth
        .turn_off_two_factor(&user.session, &f.password, &f.code, &user.ctx.client)
        .await;
    match r {
        Ok(()) => {
            state
                .crm
                .two_factor_changed(user.session.user.id, Change::Disabled)
                .await?;
            Ok(redirect_with_flash(
                &state.cookies,
                BACK,
                FlashKind::Success,
                "Two-factor is off. Your other sessions were signed out.",
            ))
        }
        Err(e) => refused(&state, &user, e).await,
    }
}
