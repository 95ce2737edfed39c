//! Settings: the user's own account (password change) and, for admins, users, stored secrets
//! and system facts.

mod actions;
mod ai;
mod alerts;
mod audit;
mod backups;
mod email;
mod sessions;
mod sheets;
mod two_factor;
mod webhooks;
mod whatsapp;

use crate::app::AppState;
use crate::config::SECRET_KEYS;
use crate::db;
use crate::model::User;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

pub use actions::*;
pub use ai::*;
pub use alerts::*;
pub use audit::*;
pub use backups::*;
pub use email::*;
pub use sessions::*;
pub use sheets::*;
pub use two_factor::*;
pub use webhooks::*;
pub use whatsapp::*;

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

impl UserRow {
    fn of(u: &User, zone: &crate::model::Zone) -> Self {
        Self {
            name: u.display_name().to_string(),
            email: u.email.to_string(),
            role: u.role.as_str(),
            disabled: u.disabled_at.is_some(),
            last_login: u
                .last_login_at
                .map_or_else(|| "never".to_string(), |t| crate::web::when::stamp(zone, t)),
        }
    }
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
    email: EmailPanel,
    /// Email is set up (notifications can go out).
    email_on: bool,
    sending_paused: Option<String>,
    /// Every zone name, for the preference.
    zones: Vec<String>,
    /// The business's zone (the default).
    business_zone: String,
    /// The zone this page is shown in.
    shown_zone: String,
    /// The retention limits in force.
    retention: crate::crm::retention::Policy,
    /// The newest good backup's age ("never" when none), and whether the last attempt failed
    /// (admins).
    backup: Option<(String, bool)>,
}

impl SettingsPage {
    /// The messages limit in words.
    fn messages_limit(&self) -> String {
        days(self.retention.messages_days)
    }

    /// The media limit in words.
    fn media_limit(&self) -> String {
        days(self.retention.media_days)
    }
}

/// "N days", or "kept" when no limit is set.
fn days(d: Option<u32>) -> String {
    d.map_or_else(
        || "kept (no limit set)".to_string(),
        |d| format!("{d} days"),
    )
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
    let (webhook, email) = if is_admin {
        (
            webhook_panel(state, user.who(), &user.ctx.zone).await?,
            email_panel(state, user).await?,
        )
    } else {
        (WebhookPanel::default(), EmailPanel::default())
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
                        detail: format!(
                            "Encrypted at rest, updated {}",
                            crate::web::when::stamp(&user.ctx.zone, *at)
                        ),
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
                .map(|u| UserRow::of(u, &user.ctx.zone))
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
        retention: crate::crm::retention::Policy::of(&state.config),
        backup: if is_admin {
            let h = state.crm.backup_health().await?;
            let now = state.clock.now();
            Some((
                h.last_ok
                    .map_or_else(|| "never".into(), |t| backups::age(now, t)),
                h.failing,
            ))
        } else {
            None
        },
        email,
        email_on: state.crm.site.mail,
        sending_paused,
        zones: crate::model::Zone::names(),
        business_zone: state.zone.name(),
        shown_zone: user.ctx.zone.name(),
    })
}

/// `GET /settings`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<SettingsPage> {
    page(&state, &user, FormErrors::default()).await
}
