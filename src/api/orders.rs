//! `/api/v1/orders` and `/api/v1/templates`.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiCaller, ApiJson, Id, Pairs, next_time_cursor};
use super::rfc3339;
use crate::app::AppState;
use crate::crm::orders::{LineInput, OrderInput};
use crate::db;
use crate::db::orders::{OrderFilter, OrderRow};
use crate::model::{ContactId, FieldError, OrderStatus, money};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Order status.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ApiOrderStatus {
    /// Just placed.
    New,
    /// Confirmed by the shop.
    Confirmed,
    /// Paid.
    Paid,
    /// Shipped.
    Shipped,
    /// Delivered.
    Delivered,
    /// Cancelled.
    Cancelled,
}

impl ApiOrderStatus {
    fn model(self) -> OrderStatus {
        match self {
            Self::New => OrderStatus::New,
            Self::Confirmed => OrderStatus::Confirmed,
            Self::Paid => OrderStatus::Paid,
            Self::Shipped => OrderStatus::Shipped,
            Self::Delivered => OrderStatus::Delivered,
            Self::Cancelled => OrderStatus::Cancelled,
        }
    }
}

/// A line of an order.
#[derive(Debug, Serialize, ToSchema)]
pub struct ItemOut {
    /// Catalog product (retailer) id.
    pub product: String,
    /// Name.
    pub name: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price in minor units (cents).
    pub unit_price_minor: i64,
    /// Unit price as a decimal string.
    pub unit_price: String,
}

/// A status change.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryOut {
    /// When (RFC 3339).
    pub at: String,
    /// Who (user, or WhatsApp for a cart).
    pub by: String,
    /// Previous status.
    pub from: Option<String>,
    /// New status.
    pub to: String,
}

/// An order.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    /// Id.
    pub id: i64,
    /// Customer, unless erased.
    pub contact_id: Option<i64>,
    /// Conversation it belongs to.
    pub conversation_id: Option<i64>,
    /// `whatsapp` (a catalog cart) or `manual`.
    pub source: String,
    /// Status.
    pub status: String,
    /// ISO 4217 currency.
    pub currency: String,
    /// Total in minor units.
    pub total_minor: i64,
    /// Total as a decimal string.
    pub total: String,
    /// Note.
    pub note: String,
    /// Created (RFC 3339).
    pub created_at: String,
    /// Lines (single orders only; empty in lists).
    pub items: Vec<ItemOut>,
    /// Status history (single orders only; empty in lists).
    pub history: Vec<HistoryOut>,
}

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    /// Newest first.
    pub data: Vec<OrderOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

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

fn decimal(minor: i64, currency: &str) -> String {
    let f = money::format(minor, currency);
    f.split_once(' ').map_or(f.clone(), |(_, a)| a.to_string())
}

fn order_out(o: OrderRow) -> OrderOut {
    OrderOut {
        id: o.id,
        contact_id: o.contact_id.map(|c| c.0),
        conversation_id: o.conversation_id,
        source: o.source,
        status: o.status.as_str().into(),
        total: decimal(o.total_minor, &o.currency),
        currency: o.currency,
        total_minor: o.total_minor,
        note: o.note,
        created_at: rfc3339(o.created_at),
        items: Vec::new(),
        history: Vec::new(),
    }
}

fn full(conn: &rusqlite::Connection, id: i64) -> db::Result<Option<OrderOut>> {
    let Some(o) = db::orders::get(conn, id)? else {
        return Ok(None);
    };
    let currency = o.currency.clone();
    let mut out = order_out(o);
    out.items = db::orders::items(conn, id)?
        .into_iter()
        .map(|i| ItemOut {
            unit_price: decimal(i.unit_price_minor, &currency),
            product: i.product_retailer_id,
            name: i.name,
            quantity: i.quantity,
            unit_price_minor: i.unit_price_minor,
        })
        .collect();
    out.history = db::orders::history(conn, id)?
        .into_iter()
        .map(|h| HistoryOut {
            at: rfc3339(h.at),
            by: h.who,
            from: h.from,
            to: h.to,
        })
        .collect();
    Ok(Some(out))
}

/// Orders, newest first.
#[utoipa::path(
    get, path = "/orders", tag = "orders",
    params(
        ("status" = Option<ApiOrderStatus>, Query, description = "Only this status"),
        ("contact_id" = Option<i64>, Query, description = "Only this customer's"),
        ("tag" = Option<i64>, Query, description = "Only customers with this tag"),
        ("from" = Option<String>, Query, description = "Created on or after (YYYY-MM-DD, UTC)"),
        ("until" = Option<String>, Query, description = "Created before the end of (YYYY-MM-DD, UTC)"),
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
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    for (name, end) in [("from", false), ("until", true)] {
        if let Some(v) = q.get(name).filter(|s| !s.is_empty()) {
            match time::Date::parse(v, &fmt) {
                Ok(d) => {
                    let d = if end { d.next_day().unwrap_or(d) } else { d };
                    let t = d.midnight().assume_utc();
                    if end {
                        filter.until = Some(t);
                    } else {
                        filter.from = Some(t);
                    }
                }
                Err(_) => errors.push(FieldError::new(name, "Use a date as YYYY-MM-DD.")),
            }
        }
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
        .read(move |c| full(c, id))
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
        .change_order_status(id, body.status.model(), None)
        .await?;
    let out = state
        .db
        .read(move |c| full(c, id))
        .await?
        .ok_or(ApiError::NotFound("order"))?;
    Ok(Json(out))
}

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
