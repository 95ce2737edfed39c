//! Orders typed by staff: create for a contact, edit lines before payment.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm;
use crate::crm::identity::with_variants;
use crate::crm::orders::{self, LineInput, OrderInput};
use crate::db;
use crate::model::{ContactId, FieldError, PhoneE164, money};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Blank lines offered below the typed ones.
const SPARE_LINES: usize = 3;

/// The order form.
#[derive(Template, WebTemplate)]
#[template(path = "orders/form.html")]
pub struct OrderFormPage {
    layout: Layout,
    heading: String,
    action: String,
    /// The customer, when known.
    contact: Option<(i64, String)>,
    customer: String,
    currency: String,
    note: String,
    lines: Vec<LineInput>,
    errors: FormErrors,
}

fn page(
    user: &CurrentUser,
    editing: Option<i64>,
    contact: Option<(i64, String)>,
    input: OrderInput,
    customer: String,
    errors: Vec<FieldError>,
) -> OrderFormPage {
    let mut lines = input.lines;
    lines.retain(|l| l != &LineInput::default());
    lines.extend(std::iter::repeat_n(LineInput::default(), SPARE_LINES));
    let (heading, action) = match editing {
        Some(id) => (format!("Edit order #{id}"), format!("/orders/{id}/edit")),
        None => ("New order".to_string(), "/orders/new".to_string()),
    };
    OrderFormPage {
        layout: Layout::new(&user.ctx, heading.clone(), Nav::Orders),
        heading,
        action,
        contact,
        customer,
        currency: input.currency,
        note: input.note,
        lines,
        errors: FormErrors(errors),
    }
}

/// Reads the form: `contact`, `customer` (a phone), `currency`, `note` and lines as
/// `product`, `name`, `quantity`, `unit_price` repeated in order.
fn read_form(body: &[u8]) -> (Option<i64>, String, OrderInput) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut input = OrderInput::default();
    let mut contact = None;
    let mut customer = String::new();
    for (k, v) in pairs {
        match k.as_str() {
            "contact" => contact = v.trim().parse().ok(),
            "customer" => customer = v,
            "currency" => input.currency = v,
            "note" => input.note = v,
            "product" => input.lines.push(LineInput {
                product: v,
                ..LineInput::default()
            }),
            "name" | "quantity" | "unit_price" => {
                if let Some(l) = input.lines.last_mut() {
                    match k.as_str() {
                        "name" => l.name = v,
                        "quantity" => l.quantity = v,
                        _ => l.unit_price = v,
                    }
                }
            }
            _ => {}
        }
    }
    (contact, customer, input)
}

/// Query of `GET /orders/new`.
#[derive(Deserialize)]
pub struct NewQuery {
    contact: Option<i64>,
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

fn format_price(minor: i64, currency: &str) -> String {
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
        .edit_order(id, input.clone(), Some(user.session.user.id))
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
