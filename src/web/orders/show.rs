//! The order page, the status pipeline (`Crm::change_order_status`) and the link from a cart message.

use crate::app::AppState;
use crate::crm;
use crate::db;
use crate::model::{OrderStatus, money};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{redirect_with_flash, see_other};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// A line on the order page.
pub struct Line {
    pub(super) product: String,
    pub(super) quantity: i64,
    pub(super) unit: String,
    pub(super) total: String,
}

/// The order page.
#[derive(Template, WebTemplate)]
#[template(path = "orders/show.html")]
pub struct OrderPage {
    pub(super) layout: Layout,
    pub(super) id: i64,
    pub(super) customer: String,
    pub(super) contact_id: Option<i64>,
    pub(super) conversation_id: Option<i64>,
    pub(super) status: &'static str,
    pub(super) next: Vec<&'static str>,
    pub(super) lines: Vec<Line>,
    pub(super) total: String,
    pub(super) note: String,
    pub(super) history: Vec<String>,
    pub(super) editable: bool,
}

/// `GET /orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<OrderPage> {
    let (order, items, history) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            Ok((
                db::orders::get(c, id)?,
                db::orders::items(c, id)?,
                db::orders::history(c, id)?,
            ))
        })
        .await?;
    let o = order.ok_or(AppError::NotFound)?;
    let cur = o.currency.clone();
    Ok(OrderPage {
        layout: Layout::new(&user.ctx, format!("Order #{id}"), Nav::Orders),
        id,
        editable: crm::orders::editable(o.status),
        customer: if o.contact_name.is_empty() {
            "(erased)".into()
        } else {
            o.contact_name
        },
        contact_id: o.contact_id.map(|c| c.0),
        conversation_id: o.conversation_id,
        status: o.status.as_str(),
        next: o
            .status
            .next()
            .into_iter()
            .map(OrderStatus::as_str)
            .collect(),
        lines: items
            .into_iter()
            .map(|i| Line {
                product: if i.name.is_empty() {
                    i.product_retailer_id.clone()
                } else {
                    format!("{} ({})", i.name, i.product_retailer_id)
                },
                quantity: i.quantity,
                unit: money::format(i.unit_price_minor, &cur),
                total: money::format(i.quantity.saturating_mul(i.unit_price_minor), &cur),
            })
            .collect(),
        total: money::format(o.total_minor, &o.currency),
        note: o.note,
        history: history
            .into_iter()
            .map(|h| match h.from {
                Some(f) => format!(
                    "{}: {} moved it from {f} to {}",
                    crate::web::when::stamp(&user.ctx.zone, h.at),
                    h.who,
                    h.to
                ),
                None => format!(
                    "{}: created as {} ({})",
                    crate::web::when::stamp(&user.ctx.zone, h.at),
                    h.to,
                    h.who
                ),
            })
            .collect(),
    })
}

/// Body of `POST /orders/{id}/status`.
#[derive(Deserialize)]
pub struct StatusForm {
    pub(super) status: String,
}

/// `POST /orders/{id}/status`.
pub async fn change_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response> {
    let back = format!("/orders/{id}");
    let Some(to) = OrderStatus::parse(&f.status) else {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Unknown status.",
        ));
    };
    let result = state
        .crm
        .change_order_status(crate::model::OrderId(id), to, Some(user.session.user.id))
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Success,
            &format!("Order is now {to}."),
        )),
        Err(crm::Error::Conflict(why)) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            &why,
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /orders/by-message/{message_id}`: from a cart in the timeline to its order.
pub async fn by_message(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(message_id): Path<i64>,
) -> Result<Response> {
    let id = state
        .db
        .read(move |c| db::orders::for_message(c, message_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(see_other(&format!("/orders/{id}")))
}
