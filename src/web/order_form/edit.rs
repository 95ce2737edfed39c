//! `GET` and `POST /orders/{id}/edit`: new lines before the order is paid, through `Crm::edit_order`.

use super::{page, read_form};
use crate::app::AppState;
use crate::crm;
use crate::crm::orders::{self, LineInput, OrderInput};
use crate::db;
use crate::model::money;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::extract::{Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

pub(super) fn format_price(minor: i64, currency: &str) -> String {
    let text = money::format(minor, currency);
    text.split_once(' ')
        .map_or(text.clone(), |(_, a)| a.to_string())
}

/// `GET /orders/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (order, items) = state
        .db
        .read(move |c| -> db::Result<_> {
            Ok((db::orders::get(c, id)?, db::orders::items(c, id)?))
        })
        .await?;
    let o = order.ok_or(AppError::NotFound)?;
    if !orders::editable(o.status) {
        return Ok(redirect_with_flash(
            &state.cookies,
            &format!("/orders/{id}"),
            FlashKind::Error,
            &format!("An order that is {} can no longer be edited.", o.status),
        ));
    }
    let input = OrderInput {
        lines: items
            .iter()
            .map(|i| LineInput {
                product: i.product_retailer_id.clone(),
                name: i.name.clone(),
                quantity: i.quantity.to_string(),
                unit_price: format_price(i.unit_price_minor, &o.currency),
            })
            .collect(),
        currency: o.currency.clone(),
        note: o.note.clone(),
    };
    let contact = o.contact_id.map(|c| (c.0, o.contact_name.clone()));
    Ok(page(&user, Some(id), contact, input, String::new(), Vec::new()).into_response())
}

/// `POST /orders/{id}/edit`.
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response> {
    let (_, _, input) = read_form(&body);
    let result = state
        .crm
        .edit_order(
            crate::model::OrderId(id),
            input.clone(),
            Some(user.session.user.id),
        )
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/orders/{id}"),
            FlashKind::Success,
            "Order saved.",
        )),
        Err(crm::Error::Invalid(errors)) => {
            let order = state.db.read(move |c| db::orders::get(c, id)).await?;
            let contact = order.and_then(|o| o.contact_id.map(|c| (c.0, o.contact_name)));
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                page(&user, Some(id), contact, input, String::new(), errors),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
