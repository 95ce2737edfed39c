//! Settings actions: change your own password and preferences, resume a paused sender (admins).

use super::page;
use crate::app::AppState;
use crate::auth::Error as AuthError;
use crate::crm::access::AdminAction;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Body of `POST /settings/password`.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub(super) current: String,
    #[serde(default)]
    pub(super) password: String,
    #[serde(default)]
    pub(super) confirm: String,
}

/// `POST /settings/password`: change your own password; other sessions end.
pub async fn change_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response> {
    let result = state
        .auth
        .change_password(
            &user.session.user,
            user.session.id,
            &form.current,
            &form.password,
            &form.confirm,
            &user.ctx.client,
        )
        .await;
    match result {
        Ok(()) => {
            state.crm.password_changed(user.session.user.id).await?;
            Ok(redirect_with_flash(
                &state.cookies,
                "/settings",
                FlashKind::Success,
                "Password changed. Your other sessions were signed out.",
            ))
        }
        Err(AuthError::Invalid(errors)) => {
            let page = page(&state, &user, FormErrors(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /settings/email-address`.
#[derive(Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    email_password: String,
    #[serde(default)]
    new_email: String,
}

/// `POST /settings/email-address`: one's own sign-in email, after the current password.
pub async fn change_email(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<EmailForm>,
) -> Result<Response> {
    let result = state
        .auth
        .change_email(
            &user.session.user,
            user.session.id,
            &form.email_password,
            &form.new_email,
            &user.ctx.client,
        )
        .await;
    match result {
        Ok(old) => {
            let new = form.new_email.trim().to_lowercase();
            state.crm.email_changed(old.as_str(), &new).await?;
            Ok(redirect_with_flash(
                &state.cookies,
                "/settings",
                FlashKind::Success,
                "Email changed: sign in with the new address from now on. Your other sessions were signed out.",
            ))
        }
        Err(AuthError::Invalid(errors)) => {
            let page = page(&state, &user, FormErrors(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/sending/resume` (admins): resume a sender paused by an invalid token.
pub async fn resume_sending(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require(AdminAction::ResumeSending)?;
    let (now, actor) = (state.clock.now(), user.actor());
    state
        .db
        .write(move |c| crate::crm::outbound::resume_sending(c, &actor, now))
        .await?;
    state.crm.wake_sender();
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings",
        FlashKind::Success,
        "Sending resumed. If WhatsApp refuses the token again, sending pauses again.",
    ))
}

/// Body of `POST /settings/preferences`.
#[derive(Deserialize)]
pub struct PreferencesForm {
    /// An IANA zone, or empty for the business's.
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    notify_sound: Option<String>,
    #[serde(default)]
    notify_desktop: Option<String>,
    #[serde(default)]
    email_assigned: Option<String>,
    #[serde(default)]
    email_customer: Option<String>,
    #[serde(default)]
    email_alerts: Option<String>,
}

/// `POST /settings/preferences`: your time zone and new-message notifications.
pub async fn set_preferences(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PreferencesForm>,
) -> Result<Response> {
    let prefs = crate::model::Preferences {
        timezone: Some(form.timezone.trim().to_string()).filter(|t| !t.is_empty()),
        notify_sound: form.notify_sound.is_some(),
        notify_desktop: form.notify_desktop.is_some(),
        email: crate::model::EmailNotifications {
            assigned: form.email_assigned.is_some(),
            customer: form.email_customer.is_some(),
            alerts: form.email_alerts.is_some(),
        },
    };
    match state.auth.set_preferences(&user.session.user, prefs).await {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings",
            FlashKind::Success,
            "Preferences saved.",
        )),
        Err(AuthError::Invalid(errors)) => {
            let p = page(&state, &user, FormErrors(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
