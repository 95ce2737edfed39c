//! Notes on a contact: add, and delete (author or admin, audited).

use crate::app::AppState;
use crate::db;
use crate::model::ContactId;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Longest note.
pub(super) const MAX_NOTE: usize = 4000;

/// Body of `POST /contacts/{id}/notes`.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    pub(super) body: String,
}

/// `POST /contacts/{id}/notes`: adds an internal note.
pub async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Result<Response> {
    let body = f.body.trim().to_string();
    if body.is_empty() || body.chars().count() > MAX_NOTE {
        return Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Error,
            &format!("Write a note of 1 to {MAX_NOTE} characters."),
        ));
    }
    let uid = user.session.user.id.0;
    let now = state.clock.now();
    let found = state
        .db
        .write(move |c| -> crate::db::Result<_> {
            if db::contacts::get(c, ContactId(id))?.is_none() {
                return Ok(false);
            }
            db::notes::insert(c, ContactId(id), Some(uid), &body, now)?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        "Note added.",
    ))
}

/// `POST /contacts/{id}/notes/{note}/delete`.
pub async fn delete_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, note)): Path<(i64, i64)>,
) -> Result<Response> {
    let (now, who, actor) = (state.clock.now(), user.who(), user.actor());
    state
        .db
        .write(move |c| -> crate::db::Result<_> {
            Ok(crate::crm::notes::delete(
                c,
                ContactId(id),
                note,
                who,
                &actor,
                now,
            ))
        })
        .await??;
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        "Note deleted.",
    ))
}
