//! Orders: a WhatsApp catalog cart becomes an order record; the status pipeline with history.

use crate::db::{self, Result, orders::ItemRow};
use crate::model::{ContactId, OrderItem, OrderStatus, UserId, money};
use rusqlite::Connection;
use time::OffsetDateTime;

/// A cart message to turn into an order.
#[derive(Debug, Clone)]
pub struct Cart<'a> {
    /// The customer.
    pub contact_id: ContactId,
    /// The conversation.
    pub conversation_id: i64,
    /// The cart message.
    pub message_id: i64,
    /// Catalog id.
    pub catalog_id: &'a str,
    /// The customer's note.
    pub text: Option<&'a str>,
    /// Cart lines as Meta sent them.
    pub items: &'a [OrderItem],
    /// When the customer sent the cart (the order's creation time).
    pub at: OffsetDateTime,
}

/// Creates an order (status `new`) from a cart. Prices become minor units of the cart's
/// currency; a cart that cannot be priced exactly is refused with the reason (the message
/// itself stays).
pub fn from_cart(conn: &Connection, cart: &Cart<'_>) -> Result<std::result::Result<i64, String>> {
    let Some(currency) = cart.items.first().map(|i| i.currency.to_ascii_uppercase()) else {
        return Ok(Err("the cart is empty".into()));
    };
    let mut lines = Vec::with_capacity(cart.items.len());
    let mut total: i64 = 0;
    for i in cart.items {
        if !i.currency.eq_ignore_ascii_case(&currency) {
            return Ok(Err(format!(
                "the cart mixes currencies ({currency} and {})",
                i.currency
            )));
        }
        if i.quantity <= 0 {
            return Ok(Err(format!(
                "quantity {} for {}",
                i.quantity, i.product_retailer_id
            )));
        }
        let unit = match money::to_minor(&i.item_price, &currency) {
            Ok(u) => u,
            Err(e) => return Ok(Err(e.to_string())),
        };
        let line = money::line_total(i.quantity, unit).map_err(|e| e.to_string());
        total = match line.and_then(|l| {
            total
                .checked_add(l)
                .ok_or_else(|| "total too large".to_string())
        }) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let name = db::orders::product_name(conn, &i.product_retailer_id)?.unwrap_or_default();
        lines.push(ItemRow {
            product_retailer_id: i.product_retailer_id.clone(),
            name,
            quantity: i.quantity,
            unit_price_minor: unit,
        });
    }
    let new = db::orders::NewOrder {
        contact_id: Some(cart.contact_id),
        conversation_id: Some(cart.conversation_id),
        message_id: Some(cart.message_id),
        source: "whatsapp",
        currency: &currency,
        total_minor: total,
        catalog_id: Some(cart.catalog_id),
        note: cart.text.unwrap_or(""),
    };
    let Some(id) = db::orders::insert(conn, &new, cart.at)? else {
        return Ok(Err("this cart already has an order".into()));
    };
    for line in &lines {
        db::orders::insert_item(conn, id, line)?;
    }
    db::orders::record_history(conn, id, None, OrderStatus::New, None, cart.at)?;
    Ok(Ok(id))
}

/// Moves an order along the pipeline; refuses a move the pipeline does not allow.
pub fn change_status(
    conn: &Connection,
    id: i64,
    to: OrderStatus,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> Result<std::result::Result<(), String>> {
    let Some(order) = db::orders::get(conn, id)? else {
        return Ok(Err("no such order".into()));
    };
    if !order.status.next().contains(&to) {
        return Ok(Err(format!(
            "An order that is {} cannot become {}.",
            order.status, to
        )));
    }
    if !db::orders::set_status(conn, id, order.status, to, user, now)? {
        return Ok(Err(
            "The order changed meanwhile; reload and try again.".into()
        ));
    }
    Ok(Ok(()))
}
