//! `/api/v1/custom-fields`: list, define (admin keys) and delete (admin keys) custom fields.

use crate::api::actor;
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::crm::fields::{self, FieldInput};
use crate::db;
use crate::model::FieldKind;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Kind of a custom field.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiFieldKind {
    /// Free text.
    Text,
    /// Decimal number.
    Number,
    /// Date `YYYY-MM-DD`.
    Date,
    /// One of `options`.
    Select,
    /// `true` / `false`.
    Checkbox,
    /// http(s) address.
    Url,
}

impl From<FieldKind> for ApiFieldKind {
    fn from(k: FieldKind) -> Self {
        match k {
            FieldKind::Text => Self::Text,
            FieldKind::Number => Self::Number,
            FieldKind::Date => Self::Date,
            FieldKind::Select => Self::Select,
            FieldKind::Checkbox => Self::Checkbox,
            FieldKind::Url => Self::Url,
        }
    }
}

impl From<ApiFieldKind> for FieldKind {
    fn from(k: ApiFieldKind) -> Self {
        match k {
            ApiFieldKind::Text => Self::Text,
            ApiFieldKind::Number => Self::Number,
            ApiFieldKind::Date => Self::Date,
            ApiFieldKind::Select => Self::Select,
            ApiFieldKind::Checkbox => Self::Checkbox,
            ApiFieldKind::Url => Self::Url,
        }
    }
}

/// A custom field definition.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldOut {
    /// Id.
    pub id: i64,
    /// Stable key.
    pub key: String,
    /// Label.
    pub label: String,
    /// Kind.
    pub kind: ApiFieldKind,
    /// Options of a select field.
    pub options: Vec<String>,
}

/// A new custom field.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldIn {
    /// Stable key: a lower-case letter, then letters, digits or `_` (at most 40).
    pub key: String,
    /// Label (1-60 characters).
    pub label: String,
    /// Kind.
    pub kind: ApiFieldKind,
    /// Options (select fields only).
    #[serde(default)]
    pub options: Vec<String>,
}

/// Every custom field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldList {
    /// Fields in display order.
    pub data: Vec<FieldOut>,
}

/// Every custom field, in display order.
#[utoipa::path(
    get, path = "/custom-fields", tag = "custom fields",
    responses(
        (status = 200, description = "Fields", body = FieldList),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list_fields(
    State(state): State<AppState>,
    _caller: ApiCaller,
) -> ApiResult<Json<FieldList>> {
    let defs = state.db.read(db::custom_fields::list).await?;
    Ok(Json(FieldList {
        data: defs
            .into_iter()
            .map(|f| FieldOut {
                id: f.id,
                key: f.key,
                label: f.label,
                kind: f.kind.into(),
                options: f.options,
            })
            .collect(),
    }))
}

/// Defines a custom field (admin keys).
#[utoipa::path(
    post, path = "/custom-fields", tag = "custom fields", request_body = FieldIn,
    responses(
        (status = 201, description = "Created", body = FieldOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid or the key is taken", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn create_field(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<FieldIn>,
) -> ApiResult<(StatusCode, Json<FieldOut>)> {
    caller.require(AdminAction::CustomFields)?;
    let kind: FieldKind = body.kind.into();
    let input = FieldInput {
        key: body.key,
        label: body.label,
        kind: kind.as_str().into(),
        options: body.options.join("\n"),
    };
    let (now, actor) = (state.clock.now(), actor(&caller));
    let id = state
        .db
        .write(move |c| fields::define(c, &input, &actor, now))
        .await?;
    let f = state
        .db
        .read(move |c| db::custom_fields::get(c, id))
        .await?
        .ok_or(ApiError::Internal)?;
    Ok((
        StatusCode::CREATED,
        Json(FieldOut {
            id: f.id,
            key: f.key,
            label: f.label,
            kind: f.kind.into(),
            options: f.options,
        }),
    ))
}

/// Deletes a custom field and every value of it (admin keys).
#[utoipa::path(
    delete, path = "/custom-fields/{id}", tag = "custom fields",
    params(("id" = i64, Path, description = "Field id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such field", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn delete_field(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    caller.require(AdminAction::CustomFields)?;
    let (now, actor) = (state.clock.now(), actor(&caller));
    if state
        .db
        .write(move |c| fields::remove(c, id, &actor, now))
        .await?
    {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound("custom field"))
    }
}
