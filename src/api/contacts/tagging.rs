//! Putting a tag on a contact and taking it off.

use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, Ids};
use crate::app::AppState;
use crate::db;
use crate::model::ContactId;
use axum::extract::State;
use axum::http::StatusCode;

/// Puts a tag on a contact (no change when it has it).
#[utoipa::path(
    put,
    path = "/contacts/{id}/tags/{tag_id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id"), ("tag_id" = i64, Path, description = "Tag id")),
    responses(
        (status = 204, description = "The contact has the tag"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact or tag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn add_tag(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Ids(id, tag): Ids,
) -> ApiResult<StatusCode> {
    tag_op(&state, id, tag, true).await
}

/// Takes a tag off a contact (no change when it does not have it).
#[utoipa::path(
    delete,
    path = "/contacts/{id}/tags/{tag_id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id"), ("tag_id" = i64, Path, description = "Tag id")),
    responses(
        (status = 204, description = "The contact does not have the tag"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact or tag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn remove_tag(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Ids(id, tag): Ids,
) -> ApiResult<StatusCode> {
    tag_op(&state, id, tag, false).await
}

pub(super) async fn tag_op(
    state: &AppState,
    id: i64,
    tag: i64,
    add: bool,
) -> ApiResult<StatusCode> {
    state
        .db
        .write(move |c| -> ApiResult<_> {
            if db::contacts::get(c, ContactId(id))?.is_none() {
                return Err(ApiError::NotFound("contact"));
            }
            if !db::tags::exists(c, tag)? {
                return Err(ApiError::NotFound("tag"));
            }
            if add {
                db::tags::tag_contacts(c, tag, &[ContactId(id)])?;
            } else {
                db::tags::untag_contacts(c, tag, &[ContactId(id)])?;
            }
            Ok(StatusCode::NO_CONTENT)
        })
        .await
}
