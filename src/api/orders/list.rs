//! `GET /api/v1/orders` (by status, contact and time) and `GET /api/v1/orders/{id}`.

use super::{ApiOrderStatus, OrderOut, OrderPage, full, order_out};
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, Id, Pairs, next_time_cursor};
use crate::app::AppState;
use crate::db;
use crate::db::orders::OrderFilter;
use crate::model::{ContactId, FieldError, OrderStatus};
use axum::Json;
use axum::extract::State;

/// Orders, newest first.
#[utoipa::path(
    get, path = "/orders", tag = "orders",
    params(
        ("status" = Option<ApiOrderStatus>, Query, description = "Only this status"),
        ("contact_id" = Option<i64>, Query, description = "Only this customer's"),
        ("tag" = Option<i64>, Query, description = "Only customers with this tag"),
        ("from" = Option<String>, Query, description = "Created on or after the start of this day (YYYY-MM-DD, in the business time zone, app.timezone)"),
        ("until" = Option<String>, Query, description = "Created before the end of this day (YYYY-MM-DD, in the business time zone); not before `from`"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    responses(
        (status = 200, description = "A page of orders", body = OrderPage),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    q: Pairs,
) -> ApiResult<Json<OrderPage>> {
    let (limit, before) = (q.limit()?, q.time_cursor()?);
    q.no_empty(&["status", "contact_id", "tag", "from", "until"])?;
    let mut errors = Vec::new();
    let mut filter = OrderFilter::default();
    if let Some(s) = q.get("status").filter(|s| !s.is_empty()) {
        match OrderStatus::parse(s) {
            Some(s) => filter.status = Some(s),
            None => errors.push(FieldError::new(
                "status",
                "Use new, confirmed, paid, shipped, delivered or cancelled.",
            )),
        }
    }
    for (name, slot) in [("contact_id", 0), ("tag", 1)] {
        if let Some(v) = q.get(name).filter(|s| !s.is_empty()) {
            match v.parse::<i64>() {
                Ok(n) if slot == 0 => filter.contact = Some(ContactId(n)),
                Ok(n) => filter.tag = Some(n),
                Err(_) => errors.push(FieldError::new(name, "Use an id.")),
            }
        }
    }
    let text = |k: &str| q.get(k).unwrap_or("");
    match crate::model::date_range(&state.zone, text("from"), text("until")) {
        Ok((from, until)) => (filter.from, filter.until) = (from, until),
        Err(e) => errors.extend(e),
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(errors));
    }
    let rows = state
        .db
        .read(move |c| db::orders::list(c, &filter, before, limit))
        .await?;
    let next = next_time_cursor(rows.len(), limit, rows.last().map(|o| (o.created_at, o.id)));
    Ok(Json(OrderPage {
        data: rows.into_iter().map(order_out).collect(),
        next_cursor: next,
    }))
}

/// One order with its lines and history.
#[utoipa::path(
    get, path = "/orders/{id}", tag = "orders",
    params(("id" = i64, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderOut),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<OrderOut>> {
    state
        .db
        .read(move |c| full(c, id))
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("order"))
}
