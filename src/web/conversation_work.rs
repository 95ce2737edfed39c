//! Working a conversation as a team: assign (by role), status, internal notes. Each change
//! tells open pages through the live event stream.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::redirect_with_flash;
use crate::app::AppState;
use crate::model::ConversationId;
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

/// Back to the conversation with `done`, or with the reason when the input was refused;
/// other refusals (not found, not allowed) are error pages.
pub(super) fn work_result<T>(
    state: &AppState,
    id: i64,
    result: crate::crm::Result<T>,
    done: &str,
) -> Result<Response> {
    let back = format!("/conversations/{id}");
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Success,
            done,
        )),
        Err(e @ crate::crm::Error::Invalid(_)) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            &e.to_string(),
        )),
        Err(e) => Err(e.into()),
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
    let meta = super::conversations::meta_link(&state).await;
    state
        .crm
        .mark_seen(ConversationId(id), user.who(), meta)
        .await?;
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
    let result = state
        .crm
        .assign(ConversationId(id), to, worker(&user))
        .await;
    let done = if to.is_some() {
        "Conversation assigned."
    } else {
        "Conversation released."
    };
    work_result(&state, id, result, done)
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
    let result = state
        .crm
        .set_status(ConversationId(id), f.status.clone(), worker(&user))
        .await;
    work_result(&state, id, result, &format!("Marked {}.", f.status))
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
    let result = state
        .crm
        .add_note(ConversationId(id), f.body, worker(&user))
        .await;
    work_result(&state, id, result, "Note added.")
}
