//! Working a conversation as a team: assign (by role), status, internal notes. Each change
//! tells open pages through the live event stream.

use super::cookies::FlashKind;
use super::extract::CurrentUser;
use super::forms::redirect_with_flash;
use crate::app::AppState;
use crate::error::{AppError, Result};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// The signed-in user as a conversation worker.
pub(super) fn worker(user: &CurrentUser) -> crate::crm::conversations::Worker {
    crate::crm::conversations::Worker {
        id: user.session.user.id,
        role: user.session.user.role,
        ip: user.ctx.client.ip.clone(),
    }
}

pub(super) fn work_result(
    state: &AppState,
    id: i64,
    result: std::result::Result<(), crate::crm::conversations::WorkError>,
    done: &str,
) -> Result<Response> {
    use crate::crm::conversations::WorkError;
    let back = format!("/conversations/{id}");
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Success,
            done,
        )),
        Err(WorkError::NotFound) => Err(AppError::NotFound),
        Err(WorkError::Forbidden(why)) => Err(AppError::ForbiddenBecause(why.into())),
        Err(WorkError::Invalid(why)) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            &why,
        )),
    }
}

/// `POST /conversations/{id}/seen`: marks the customer's messages seen here and sends WhatsApp's
/// read receipt, once. Viewing the page (a GET) changes nothing; its script posts this when the
/// conversation is on screen, and a button does without JavaScript. Anyone who may read the
/// conversation may mark it seen.
pub async fn mark_seen(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let who = user.who();
    let changed = state
        .db
        .write(move |c| crate::crm::conversations::mark_seen(c, id, who))
        .await?
        .ok_or(AppError::NotFound)?;
    if changed {
        super::conversations::mark_read_at_meta(&state, id);
        state.events.publish(crate::app::Event::Conversation(id));
    }
    Ok(super::forms::see_other(&format!("/conversations/{id}")))
}

/// Body of `POST /conversations/{id}/assign`.
#[derive(Deserialize)]
pub struct AssignForm {
    /// A user id, or empty to release.
    #[serde(default)]
    to: String,
}

/// `POST /conversations/{id}/assign`: admins assign anyone; agents take or release.
pub async fn assign(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<AssignForm>,
) -> Result<Response> {
    let to = match f.to.trim() {
        "" => None,
        t => Some(crate::model::UserId(t.parse().map_err(|_| {
            AppError::BadRequest("Choose a team member.".into())
        })?)),
    };
    let (w, now) = (worker(&user), state.clock.now());
    let result = state
        .db
        .write(move |c| crate::crm::conversations::assign(c, id, to, &w, now))
        .await?;
    let done = if to.is_some() {
        "Conversation assigned."
    } else {
        "Conversation released."
    };
    let r = work_result(&state, id, result, done);
    state.events.publish(crate::app::Event::Conversation(id));
    r
}

/// Body of `POST /conversations/{id}/status`.
#[derive(Deserialize)]
pub struct StatusForm {
    #[serde(default)]
    status: String,
}

/// `POST /conversations/{id}/status`: open, pending or resolved.
pub async fn set_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response> {
    let (w, now) = (worker(&user), state.clock.now());
    let status = f.status.clone();
    let result = state
        .db
        .write(move |c| crate::crm::conversations::set_status(c, id, &status, &w, now))
        .await?;
    let r = work_result(&state, id, result, &format!("Marked {}.", f.status));
    state.events.publish(crate::app::Event::Conversation(id));
    r
}

/// Body of `POST /conversations/{id}/notes`.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

/// `POST /conversations/{id}/notes`: an internal note in the timeline (never sent).
pub async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Result<Response> {
    let (w, now) = (worker(&user), state.clock.now());
    let result = state
        .db
        .write(move |c| crate::crm::conversations::add_note(c, id, &f.body, &w, now))
        .await?
        .map(|_| ());
    let r = work_result(&state, id, result, "Note added.");
    state.events.publish(crate::app::Event::Conversation(id));
    r
}
