//! `/api/v1/tags` and `/api/v1/custom-fields`.

mod save;

use super::contacts::TagOut;
use super::error::{ApiResult, Problem};
use super::extract::ApiCaller;
use crate::app::AppState;
use crate::db;
use axum::Json;
use axum::extract::State;
pub use custom_fields::*;
use serde::Serialize;
use utoipa::ToSchema;

pub use save::*;

mod custom_fields;

/// Every tag.
#[derive(Debug, Serialize, ToSchema)]
pub struct TagList {
    /// Tags by name.
    pub data: Vec<TagOut>,
}

/// Every tag, by name.
#[utoipa::path(
    get, path = "/tags", tag = "tags",
    responses(
        (status = 200, description = "Tags", body = TagList),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(State(state): State<AppState>, _caller: ApiCaller) -> ApiResult<Json<TagList>> {
    let tags = state.db.read(db::tags::list).await?;
    Ok(Json(TagList {
        data: tags
            .into_iter()
            .map(|(t, _)| TagOut {
                id: t.id,
                name: t.name,
                color: t.color,
            })
            .collect(),
    }))
}
