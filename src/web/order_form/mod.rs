//! Orders typed by staff: create for a contact, edit lines before payment.

mod edit;
mod new;

use crate::crm::orders::{LineInput, OrderInput};
use crate::model::FieldError;
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;

pub use edit::*;
pub use new::*;

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
