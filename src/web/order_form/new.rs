//! `GET` and `POST /orders/new`: an order by hand for a contact, through `Crm::create_order`.

use super::{OrderFormPage, page, read_form};
use crate::app::AppState;
use crate::crm;
use crate::crm::identity::with_variants;
use crate::crm::orders::OrderInput;
use crate::db;
use crate::model::{ContactId, PhoneE164};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::extract::{Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Query of `GET /orders/new`.
#[derive(Deserialize)]
pub struct NewQuery {
    pub(super) contact: Option<i64>,
}

/// `GET /orders/new`.
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<NewQuery>,
) -> Result<OrderFormPage> {
    let (contact, currency) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            let contact = q
                .contact
                .map(|id| db::contacts::get(c, ContactId(id)))
                .transpose()?
                .flatten();
            Ok((contact, db::orders::last_currency(c)?))
        })
        .await?;
    let input = OrderInput {
        currency: currency.unwrap_or_else(|| "USD".into()),
        ..OrderInput::default()
    };
    Ok(page(
        &user,
        None,
        contact.map(|k| (k.id.0, k.display_name())),
        input,
        String::new(),
        Vec::new(),
    ))
}

/// `POST /orders/new`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    RawForm(body): RawForm,
) -> Result<Response> {
    let (contact, customer, input) = read_form(&body);
    let region = state.config.crm.default_region.clone();
    let cust = customer.clone();
    let known = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            let id = match contact {
                Some(id) => Some(ContactId(id)),
                None => match PhoneE164::parse(&cust, region.as_deref()) {
                    Ok(p) => db::contacts::find_by_phones(c, &with_variants(&p))?,
                    Err(_) => None,
                },
            };
            let Some(id) = id else { return Ok(None) };
            Ok(db::contacts::get(c, id)?.map(|k| (k.id.0, k.display_name())))
        })
        .await?;
    let result = match known {
        Some((id, _)) => {
            state
                .crm
                .create_order(ContactId(id), input.clone(), Some(user.session.user.id))
                .await
        }
        None => Err(crm::Error::field(
            "customer",
            "No contact has this phone number. Create the contact first.",
        )),
    };
    match result {
        Ok(id) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/orders/{id}"),
            FlashKind::Success,
            "Order created.",
        )),
        Err(crm::Error::Invalid(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&user, None, known, input, customer, errors),
        )
            .into_response()),
        Err(e) => Err(e.into()),
    }
}
