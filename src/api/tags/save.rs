//! Creating, renaming and deleting tags (`/api/v1/tags`).

use crate::api::actor;
use crate::api::contacts::TagOut;
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::check_tag;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// A tag to create or change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TagIn {
    /// Name (unique, case-insensitive, 1-40 characters).
    pub name: String,
    /// One of teal, blue, green, yellow, orange, red, purple, gray.
    #[serde(default = "default_color")]
    pub color: String,
}

pub(super) fn default_color() -> String {
    "teal".into()
}

/// Creates a tag.
#[utoipa::path(
    post, path = "/tags", tag = "tags", request_body = TagIn,
    responses(
        (status = 201, description = "Created", body = TagOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiJson(body): ApiJson<TagIn>,
) -> ApiResult<(StatusCode, Json<TagOut>)> {
    let name = check_tag(&body.name, &body.color).map_err(|e| ApiError::Invalid(vec![e]))?;
    let (now, n, color) = (state.clock.now(), name.clone(), body.color.clone());
    let id = state
        .db
        .write(move |c| db::tags::insert(c, &n, &color, now))
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TagOut {
            id,
            name,
            color: body.color,
        }),
    ))
}

/// Renames or recolours a tag.
#[utoipa::path(
    patch, path = "/tags/{id}", tag = "tags", request_body = TagIn,
    params(("id" = i64, Path, description = "Tag id")),
    responses(
        (status = 200, description = "Updated", body = TagOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The name is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
    ApiJson(body): ApiJson<TagIn>,
) -> ApiResult<Json<TagOut>> {
    let name = check_tag(&body.name, &body.color).map_err(|e| ApiError::Invalid(vec![e]))?;
    let (n, color) = (name.clone(), body.color.clone());
    if !state
        .db
        .write(move |c| db::tags::update(c, id, &n, &color))
        .await?
    {
        return Err(ApiError::NotFound("tag"));
    }
    Ok(Json(TagOut {
        id,
        name,
        color: body.color,
    }))
}

/// Deletes a tag everywhere (admin keys).
#[utoipa::path(
    delete, path = "/tags/{id}", tag = "tags",
    params(("id" = i64, Path, description = "Tag id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such tag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    caller.require(AdminAction::DeleteTags)?;
    let (now, actor) = (state.clock.now(), actor(&caller));
    if state
        .db
        .write(move |c| crate::crm::tags::delete(c, id, &actor, now))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("tag"))
    }
}
