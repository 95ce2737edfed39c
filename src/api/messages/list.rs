//! `GET /api/v1/conversations/{id}/messages`: newest first, with their content.

use super::{MessagePage, messages_out};
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, Id, Pairs, next_time_cursor};
use crate::app::AppState;
use crate::db::{self};
use axum::Json;
use axum::extract::State;

/// A conversation's messages, newest first.
#[utoipa::path(
    get, path = "/conversations/{id}/messages", tag = "conversations",
    params(
        ("id" = i64, Path, description = "Conversation id"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    responses(
        (status = 200, description = "A page of messages", body = MessagePage),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad cursor or limit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
    q: Pairs,
) -> ApiResult<Json<MessagePage>> {
    let (limit, before) = (q.limit()?, q.time_cursor()?);
    let (rows, next) = state
        .db
        .read(move |c| -> ApiResult<_> {
            if db::conversations::get(c, id)?.is_none() {
                return Err(ApiError::NotFound("conversation"));
            }
            let rows = db::messages::page(c, id, before, limit)?;
            let next = next_time_cursor(
                rows.len(),
                limit,
                rows.last().map(|(m, _)| (m.sent_at, m.id)),
            );
            Ok((messages_out(c, rows)?, next))
        })
        .await?;
    Ok(Json(MessagePage {
        data: rows,
        next_cursor: next,
    }))
}
