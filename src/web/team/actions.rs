//! The team page's per-person actions, each a `crm::team` use case: role, disable/enable,
//! delete with reassignment, a password-reset link.

use super::{issued, page};
use crate::app::AppState;
use crate::model::{Role, UserId};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

const BACK: &str = "/settings/team";

fn done(state: &AppState, result: crate::crm::Result<()>, ok: &str) -> Result<Response> {
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            BACK,
            FlashKind::Success,
            ok,
        )),
        Err(e @ (crate::crm::Error::Conflict(_) | crate::crm::Error::Invalid(_))) => Ok(
            redirect_with_flash(&state.cookies, BACK, FlashKind::Error, &e.to_string()),
        ),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /settings/team/{id}/role`.
#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

/// `POST /settings/team/{id}/role`.
pub async fn set_role(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RoleForm>,
) -> Result<Response> {
    let role: Role = f.role.parse().map_err(AppError::BadRequest)?;
    let r = state
        .crm
        .set_role(UserId(id), role, user.who(), user.actor())
        .await;
    done(&state, r, "Role changed.")
}

/// `POST /settings/team/{id}/disable`: ends their sessions at once.
pub async fn disable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let r = state
        .crm
        .set_member_disabled(UserId(id), true, user.who(), user.actor())
        .await;
    done(
        &state,
        r,
        "Disabled: they are signed out and cannot sign in.",
    )
}

/// `POST /settings/team/{id}/enable`.
pub async fn enable(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let r = state
        .crm
        .set_member_disabled(UserId(id), false, user.who(), user.actor())
        .await;
    done(&state, r, "Enabled: they can sign in again.")
}

/// `POST /settings/team/{id}/revoke-links`: their unused invitation or reset link stops working.
pub async fn revoke_links(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let r = state
        .crm
        .revoke_links(UserId(id), user.who(), user.actor())
        .await
        .map(|_| ());
    done(
        &state,
        r,
        "Withdrawn: their link no longer works. Resend to issue a new one.",
    )
}

/// `POST /settings/team/{id}/end-sessions`: signs the member out everywhere.
pub async fn end_sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let r = state
        .crm
        .end_member_sessions(UserId(id), user.who(), user.actor())
        .await
        .map(|_| ());
    done(&state, r, "Signed out everywhere: they must sign in again.")
}

/// `POST /settings/team/{id}/reset-two-factor`: they set two-factor up again at next sign-in.
pub async fn reset_two_factor(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let r = state
        .crm
        .reset_two_factor(UserId(id), user.who(), user.actor())
        .await;
    done(
        &state,
        r,
        "Two-factor reset: they were signed out and will set it up again when they next sign in.",
    )
}

/// Body of `POST /settings/team/two-factor`.
#[derive(Deserialize)]
pub struct RuleForm {
    /// "on" when ticked.
    #[serde(default)]
    required: Option<String>,
    #[serde(default)]
    grace_days: String,
}

/// `POST /settings/team/two-factor`: the team's rule.
pub async fn two_factor_rule(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<RuleForm>,
) -> Result<Response> {
    let grace = f.grace_days.trim();
    let Ok(days) = (if grace.is_empty() {
        Ok(0)
    } else {
        grace.parse::<u32>()
    }) else {
        let e = crate::crm::Error::field("grace_days", "Give a whole number of days (0 for none).");
        return done(&state, Err(e), "");
    };
    let required = f.required.is_some();
    let r = state
        .crm
        .set_two_factor_rule(required, days, user.who(), user.actor())
        .await
        .map(|_| ());
    let ok = if required {
        "Two-factor is now required for everyone. Members without it are asked to set it up."
    } else {
        "Two-factor is now optional."
    };
    done(&state, r, ok)
}

/// Body of `POST /settings/team/{id}/delete`.
#[derive(Deserialize)]
pub struct DeleteForm {
    /// A user id, or empty for Unassigned.
    #[serde(default)]
    reassign_to: String,
}

/// `POST /settings/team/{id}/delete`: their conversations go to `reassign_to` or Unassigned.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<DeleteForm>,
) -> Result<Response> {
    let to = match f.reassign_to.trim() {
        "" => None,
        v => Some(UserId(v.parse().map_err(|_| {
            AppError::BadRequest("Choose a team member or Unassigned.".into())
        })?)),
    };
    let r = state
        .crm
        .delete_member(UserId(id), to, user.who(), user.actor())
        .await;
    match r {
        Ok(n) => done(
            &state,
            Ok(()),
            &format!("Deleted; {n} conversation(s) handed on."),
        ),
        Err(e) => done(&state, Err(e), ""),
    }
}

/// `POST /settings/team/{id}/reset-link`: a one-time link to set a new password, shown once.
pub async fn reset_link(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let link = state
        .crm
        .reset_link(UserId(id), user.who(), user.actor())
        .await?;
    let who = state
        .auth
        .list_users()
        .await?
        .into_iter()
        .find(|u| u.id.0 == id)
        .ok_or(AppError::NotFound)?;
    let shown = issued(&state, &user.ctx.zone, &who, &link);
    Ok(
        page(&state, &user, Some(shown), FormErrors::default(), None)
            .await?
            .into_response(),
    )
}
