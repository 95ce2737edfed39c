//! Saving, renaming and deleting segments (their creator or an admin, see `access`).

use super::MAX_SEGMENT_NAME;
use crate::app::AppState;
use crate::crm::access::AccessError;
use crate::db;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Body of `POST /segments`.
#[derive(Deserialize)]
pub struct SegmentForm {
    #[serde(default)]
    pub(super) name: String,
    /// The filter in its query form.
    #[serde(default)]
    pub(super) query: String,
}

/// Checks a segment name.
pub fn check_name(name: &str) -> std::result::Result<String, String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > MAX_SEGMENT_NAME {
        Err(format!(
            "Name the segment in 1 to {MAX_SEGMENT_NAME} characters."
        ))
    } else {
        Ok(n.to_string())
    }
}

/// `POST /segments`: saves the contacts filter in `query` under `name`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<SegmentForm>,
) -> Result<Response> {
    let fq = crate::web::contacts::FilterQuery::read(&state, Some(&f.query)).await?;
    let back = format!("/contacts?{}", fq.filter.to_query());
    let fail = |msg: &str| redirect_with_flash(&state.cookies, &back, FlashKind::Error, msg);
    if let Some(e) = fq.errors.first() {
        return Ok(fail(&e.message));
    }
    let name = match check_name(&f.name) {
        Ok(n) => n,
        Err(e) => return Ok(fail(&e)),
    };
    if fq.filter.is_empty() {
        return Ok(fail(
            "Choose a search or a filter first; a segment of everyone is all contacts.",
        ));
    }
    let (filter, now, n) = (fq.filter.clone(), state.clock.now(), name.clone());
    let who = user.who();
    match state
        .db
        .write(move |c| crate::crm::segments::create(c, &n, &filter, who, now))
        .await
    {
        Ok(id) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts?segment={id}"),
            FlashKind::Success,
            &format!("Segment “{name}” saved."),
        )),
        Err(db::Error::Conflict(_)) => Ok(fail(
            "A segment with this name exists; choose another name.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /segments/{id}`.
#[derive(Deserialize)]
pub struct RenameForm {
    #[serde(default)]
    pub(super) name: String,
}

/// `POST /segments/{id}`: renames a segment.
pub async fn rename(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<RenameForm>,
) -> Result<Response> {
    let name = match check_name(&f.name) {
        Ok(n) => n,
        Err(e) => {
            return Ok(redirect_with_flash(
                &state.cookies,
                "/segments",
                FlashKind::Error,
                &e,
            ));
        }
    };
    let (now, who) = (state.clock.now(), user.who());
    let result = state
        .db
        .write(move |c| crate::crm::segments::rename(c, id, &name, who, now))
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/segments",
            FlashKind::Success,
            "Segment renamed.",
        )),
        Err(AccessError::Db(db::Error::Conflict(_))) => Ok(redirect_with_flash(
            &state.cookies,
            "/segments",
            FlashKind::Error,
            "A segment with this name exists; choose another name.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /segments/{id}/delete`: deletes a segment (its contacts stay).
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (now, who, actor) = (state.clock.now(), user.who(), user.actor());
    state
        .db
        .write(move |c| crate::crm::segments::delete(c, id, who, &actor, now))
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        "/segments",
        FlashKind::Success,
        "Segment deleted; its contacts were not touched.",
    ))
}
