//! Settings: the user's own account (password change) and, for admins, users, stored secrets
//! and system facts.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::auth::Error as AuthError;
use crate::config::SECRET_KEYS;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::User;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Where a secret's value comes from, as the settings page shows it.
pub struct SecretRow {
    name: &'static str,
    status: &'static str,
    detail: String,
}

/// A team member as the settings page lists them.
pub struct UserRow {
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    last_login: String,
}

impl From<&User> for UserRow {
    fn from(u: &User) -> Self {
        Self {
            name: u.display_name().to_string(),
            email: u.email.to_string(),
            role: u.role.as_str(),
            disabled: u.disabled_at.is_some(),
            last_login: u.last_login_at.map_or_else(|| "never".to_string(), date),
        }
    }
}

/// A webhook problem or account event for admins.
pub struct WebhookRow {
    when: String,
    what: String,
    detail: String,
}

/// Webhook health for admins.
#[derive(Default)]
pub struct WebhookPanel {
    payloads: i64,
    events: i64,
    dead_letters: Vec<WebhookRow>,
    account_events: Vec<WebhookRow>,
}

async fn webhook_panel(state: &AppState) -> Result<WebhookPanel> {
    let (counts, dead, events) = state
        .db
        .read(|c| -> crate::db::Result<_> {
            Ok((
                db::webhook_log::counts(c)?,
                db::webhook_log::recent_dead_letters(c, 10)?,
                db::webhook_log::recent_events(c, 10)?,
            ))
        })
        .await?;
    Ok(WebhookPanel {
        payloads: counts.0,
        events: counts.1,
        dead_letters: dead
            .into_iter()
            .map(|d| WebhookRow {
                when: date(d.received_at),
                what: d.error,
                detail: format!("{} bytes", d.size),
            })
            .collect(),
        account_events: events
            .into_iter()
            .map(|(at, field, value)| WebhookRow {
                when: date(at),
                what: field,
                detail: value.chars().take(200).collect(),
            })
            .collect(),
    })
}

/// The settings page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/index.html")]
pub struct SettingsPage {
    layout: Layout,
    me: User,
    is_admin: bool,
    users: Vec<UserRow>,
    secrets: Vec<SecretRow>,
    version: &'static str,
    public_url: String,
    errors: FormErrors,
    webhook: WebhookPanel,
    sending_paused: Option<String>,
}

fn date(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    t.format(&fmt).unwrap_or_default()
}

async fn page(state: &AppState, user: &CurrentUser, errors: FormErrors) -> Result<SettingsPage> {
    let me = user.session.user.clone();
    let is_admin = me.is_admin();
    let sending_paused = if is_admin {
        state
            .db
            .read(db::outbox::pause_state)
            .await?
            .map(|(reason, _)| reason)
    } else {
        None
    };
    let webhook = if is_admin {
        webhook_panel(state).await?
    } else {
        WebhookPanel::default()
    };
    let (users, secrets) = if is_admin {
        let stored = state
            .vault
            .list()
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        let secrets = SECRET_KEYS
            .iter()
            .map(|name| {
                let in_store = stored.iter().find(|(n, _)| n == name);
                match (state.config.secret_value(name), in_store) {
                    (Some(_), _) => SecretRow {
                        name,
                        status: "plaintext",
                        detail:
                            "Set in the config file or environment. Move it to the encrypted store."
                                .into(),
                    },
                    (None, Some((_, at))) => SecretRow {
                        name,
                        status: "encrypted",
                        detail: format!("Encrypted at rest, updated {}", date(*at)),
                    },
                    (None, None) => SecretRow {
                        name,
                        status: "missing",
                        detail: "Not set".into(),
                    },
                }
            })
            .collect();
        (
            state
                .auth
                .list_users()
                .await?
                .iter()
                .map(UserRow::from)
                .collect(),
            secrets,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(SettingsPage {
        layout: Layout::new(&user.ctx, "Settings", Nav::Settings),
        me,
        is_admin,
        users,
        secrets,
        version: env!("CARGO_PKG_VERSION"),
        public_url: state.config.public_url(),
        errors,
        webhook,
        sending_paused,
    })
}

/// `GET /settings`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<SettingsPage> {
    page(&state, &user, FormErrors::default()).await
}

/// Body of `POST /settings/password`.
#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
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
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings",
            FlashKind::Success,
            "Password changed. Your other sessions were signed out.",
        )),
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
