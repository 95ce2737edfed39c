//! `GET /api/v1/templates`: message templates as last synced from Meta.

use crate::api::error::{ApiResult, Problem};
use crate::api::extract::ApiCaller;
use crate::app::AppState;
use crate::db;
use axum::Json;
use axum::extract::State;
use serde::Serialize;
use utoipa::ToSchema;

/// A message template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateOut {
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// MARKETING, UTILITY or AUTHENTICATION.
    pub category: String,
    /// APPROVED, PENDING, REJECTED, PAUSED ...
    pub status: String,
    /// Why it was rejected or paused.
    pub reason: Option<String>,
    /// POSITIONAL or NAMED.
    pub parameter_format: String,
}

/// Every template.
#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    /// Templates by name and language.
    pub data: Vec<TemplateOut>,
}

/// Message templates as last synced from Meta.
#[utoipa::path(
    get, path = "/templates", tag = "templates",
    responses(
        (status = 200, description = "Templates", body = TemplateList),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn templates(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> ApiResult<Json<TemplateList>> {
    let list = state.db.read(db::templates::list).await?;
    Ok(Json(TemplateList {
        data: list
            .into_iter()
            .map(|t| TemplateOut {
                name: t.name,
                language: t.language,
                category: t.category,
                status: t.status.as_str().to_string(),
                reason: t.reason,
                parameter_format: t.parameter_format,
            })
            .collect(),
    }))
}
