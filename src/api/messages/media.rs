//! `GET /api/v1/messages/{id}/media`: the bytes of an attachment, for API keys.

use crate::api::error::{ApiResult, Problem};
use crate::api::extract::{ApiCaller, Id};
use crate::app::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

/// The bytes of a message's attachment (once downloaded), with its type and file name.
#[utoipa::path(
    get, path = "/messages/{id}/media", tag = "conversations",
    params(("id" = i64, Path, description = "Message id")),
    responses(
        (status = 200, description = "The file", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 304, description = "Not modified since the ETag given in If-None-Match"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such message, no attachment, or not downloaded (yet)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn media(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let file = state.crm.open_message_media(id, caller.who()).await?;
    Ok(crate::api::files::file_response(file, &headers))
}
