//! `/settings/team` (admins): the team in the browser. Add a person and hand them a one-time
//! link, change a role, disable or enable, delete with their conversations handed on, issue a
//! password-reset link. Every action is a `crm::team` use case; the page only draws and asks.

mod account;
mod actions;

pub use account::*;
pub use actions::*;

use crate::app::AppState;
use crate::crm::access::{self, AdminAction};
use crate::crm::team::{NewMember, OneTimeLink};
use crate::model::{Role, User};
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// A team member as the page lists them.
pub struct MemberRow {
    id: i64,
    name: String,
    email: String,
    role: &'static str,
    disabled: bool,
    /// Invited and has not set a password yet.
    invited: bool,
    me: bool,
    last_login: String,
    /// Since when they have two-factor on; empty when off.
    two_factor_since: String,
}

/// A link just issued, shown once.
pub struct IssuedLink {
    pub(super) who: String,
    pub(super) email: String,
    pub(super) url: String,
    pub(super) until: String,
    pub(super) invite: bool,
    /// Emailed to them: the page does not show the link.
    pub(super) emailed: bool,
}

/// The team page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/team.html")]
pub struct TeamPage {
    layout: Layout,
    members: Vec<MemberRow>,
    issued: Option<IssuedLink>,
    errors: FormErrors,
    new_name: String,
    new_email: String,
    new_role: String,
    /// The team's two-factor rule.
    rule_required: bool,
    rule_grace_days: u32,
    rule_since: String,
}

pub(super) fn issued(
    state: &AppState,
    zone: &crate::model::Zone,
    who: &User,
    link: &OneTimeLink,
) -> IssuedLink {
    IssuedLink {
        who: who.display_name().to_string(),
        email: who.email.to_string(),
        url: format!("{}/account/{}", state.config.public_url(), link.token),
        until: crate::web::when::stamp(zone, link.expires_at),
        invite: link.invite,
        emailed: link.emailed,
    }
}

pub(super) async fn page(
    state: &AppState,
    user: &CurrentUser,
    issued: Option<IssuedLink>,
    errors: FormErrors,
    typed: Option<&AddForm>,
) -> Result<TeamPage> {
    access::require(user.who(), AdminAction::Team)?;
    let me = user.session.user.id;
    let now = state.clock.now();
    let (invited, with_two_factor) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            Ok((
                crate::db::user_links::pending_invites(c, now)?,
                crate::db::two_factor::enabled_users(c)?,
            ))
        })
        .await?;
    let rule = state.crm.two_factor_rule().await?;
    let members = state
        .auth
        .list_users()
        .await?
        .into_iter()
        .map(|u| MemberRow {
            id: u.id.0,
            name: u.display_name().to_string(),
            email: u.email.to_string(),
            role: u.role.as_str(),
            disabled: u.disabled_at.is_some(),
            invited: invited.contains(&u.id),
            me: u.id == me,
            two_factor_since: with_two_factor
                .iter()
                .find(|(id, _)| *id == u.id)
                .map(|(_, t)| crate::web::when::stamp(&user.ctx.zone, *t))
                .unwrap_or_default(),
            last_login: u.last_login_at.map_or_else(
                || "never".into(),
                |t| crate::web::when::stamp(&user.ctx.zone, t),
            ),
        })
        .collect();
    Ok(TeamPage {
        layout: Layout::new(&user.ctx, "Team", Nav::Settings),
        members,
        issued,
        errors,
        new_name: typed.map(|t| t.name.clone()).unwrap_or_default(),
        new_email: typed.map(|t| t.email.clone()).unwrap_or_default(),
        new_role: typed.map_or_else(|| "agent".into(), |t| t.role.clone()),
        rule_required: rule.required_since.is_some(),
        rule_grace_days: rule.grace_days,
        rule_since: rule
            .required_since
            .map(|t| crate::web::when::stamp(&user.ctx.zone, t))
            .unwrap_or_default(),
    })
}

/// `GET /settings/team`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<TeamPage> {
    page(&state, &user, None, FormErrors::default(), None).await
}

/// Body of `POST /settings/team`.
#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

/// `POST /settings/team`: adds a person and shows their one-time invitation link.
pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<AddForm>,
) -> Result<Response> {
    let role: Role = match f.role.parse() {
        Ok(r) => r,
        Err(e) => {
            let errors = FormErrors(vec![crate::model::FieldError::new("role", e)]);
            let p = page(&state, &user, None, errors, Some(&f)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let member = NewMember {
        email: f.email.clone(),
        name: f.name.clone(),
        role,
    };
    match state.crm.add_member(member, user.who(), user.actor()).await {
        Ok((who, link)) => {
            let shown = issued(&state, &user.ctx.zone, &who, &link);
            Ok(
                page(&state, &user, Some(shown), FormErrors::default(), None)
                    .await?
                    .into_response(),
            )
        }
        Err(crate::crm::Error::Invalid(errors)) => {
            let p = page(&state, &user, None, FormErrors(errors), Some(&f)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
