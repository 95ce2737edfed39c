//! The settings card about email (admins): whether `[smtp]` is set up, "Send a test email", and
//! the newest messages with the reason of each failure.

use crate::app::AppState;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use serde::Deserialize;

/// One email as the log shows it.
pub struct MailLine {
    pub(super) when: String,
    pub(super) kind: String,
    pub(super) to: String,
    pub(super) state: String,
    pub(super) attempts: i64,
    pub(super) error: String,
}

/// The email card.
#[derive(Default)]
pub struct EmailPanel {
    /// `host:port (security)` when set up.
    pub(super) server: Option<String>,
    pub(super) log: Vec<MailLine>,
}

pub(super) async fn email_panel(state: &AppState, user: &CurrentUser) -> Result<EmailPanel> {
    let log = state.crm.mail_log(user.who()).await?;
    Ok(EmailPanel {
        server: state.crm.site.mail.then(|| state.crm.site.server.clone()),
        log: log
            .into_iter()
            .map(|m| MailLine {
                when: crate::web::when::stamp(&user.ctx.zone, m.created_at),
                kind: m.kind.replace('_', " "),
                to: m.to,
                state: m.state,
                attempts: m.attempts,
                error: m.last_error.unwrap_or_default(),
            })
            .collect(),
    })
}

/// Body of `POST /settings/email/test`.
#[derive(Deserialize)]
pub struct TestEmailForm {
    #[serde(default)]
    to: String,
}

/// `POST /settings/email/test` (admins): queues a test email; the log below says how it went.
pub async fn send_test_email(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TestEmailForm>,
) -> Result<Response> {
    let to = if form.to.trim().is_empty() {
        user.session.user.email.to_string()
    } else {
        form.to
    };
    match state
        .crm
        .send_test_email(&to, user.who(), user.actor())
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings#email",
            FlashKind::Success,
            &format!(
                "Test email queued for {}. The log below shows when it went out, or why not.",
                to.trim()
            ),
        )),
        Err(crate::crm::Error::Invalid(errors)) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings#email",
            FlashKind::Error,
            &errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default(),
        )),
        Err(crate::crm::Error::Conflict(why)) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings#email",
            FlashKind::Error,
            &why,
        )),
        Err(e) => Err(e.into()),
    }
}
