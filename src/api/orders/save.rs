//! Creating an order (`Crm::create_order`) and moving it along the pipeline (`Crm::change_order_status`).

use super::{ApiOrderStatus, OrderOut, full};
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::app::AppState;
use crate::crm::orders::{LineInput, OrderInput};
use crate::model::ContactId;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// A line of a new order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemIn {
    /// Product id from the product table (fills name and price when they are absent).
    #[serde(default)]
    pub product: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Quantity, 1 to 100000.
    pub quantity: i64,
    /// Unit price as a decimal string (`59.90`); taken from the product table when absent.
    #[serde(default)]
    pub unit_price: String,
}

/// A new order (status `new`).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderCreate {
    /// Customer.
    pub contact_id: i64,
    /// ISO 4217 currency.
    pub currency: String,
    /// Lines.
    pub items: Vec<ItemIn>,
    /// Note.
    #[serde(default)]
    pub note: String,
}

/// A status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderPatch {
    /// The next status along new → confirmed → paid → shipped → delivered (or cancelled).
    pub status: ApiOrderStatus,
}

/// Creates an order for a contact (status `new`).
#[utoipa::path(
    post, path = "/orders", tag = "orders", request_body = OrderCreate,
    responses(
        (status = 201, description = "Created", body = OrderOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid lines, prices or contact", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    _caller: ApiCaller,
    ApiJson(body): ApiJson<OrderCreate>,
) -> ApiResult<(StatusCode, Json<OrderOut>)> {
    let input = OrderInput {
        currency: body.currency,
        note: body.note,
        lines: body
            .items
            .into_iter()
            .map(|i| LineInput {
                product: i.product,
                name: i.name,
                quantity: i.quantity.to_string(),
                unit_price: i.unit_price,
            })
            .collect(),
    };
    let id = state
        .crm
        .create_order(ContactId(body.contact_id), input, None)
        .await?;
    let out = state
        .db
        .read(move |c| full(c, id.0))
        .await?
        .ok_or(ApiError::Internal)?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Moves an order along the status pipeline.
#[utoipa::path(
    patch, path = "/orders/{id}", tag = "orders", request_body = OrderPatch,
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "Updated", body = OrderOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The pipeline does not allow this move", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
    ApiJson(body): ApiJson<OrderPatch>,
) -> ApiResult<Json<OrderOut>> {
    state
        .crm
        .change_order_status(crate::model::OrderId(id), body.status.model(), None)
        .await?;
    let out = state
        .db
        .read(move |c| full(c, id))
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(Json(out))
}
