//! Orders: a WhatsApp catalog cart becomes an order record; the status pipeline with history.

mod manual;

use super::{Crm, Error, Result};
use crate::db::{self, orders::ItemRow};
use crate::model::{ContactId, OrderItem, OrderStatus, UserId, money};
use rusqlite::Connection;
use time::OffsetDateTime;

pub use manual::*;

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
pub fn from_cart(conn: &Connection, cart: &Cart<'_>) -> Result<i64> {
    let refuse = |why: String| Err(Error::Conflict(why));
    let Some(currency) = cart.items.first().map(|i| i.currency.to_ascii_uppercase()) else {
        return refuse("the cart is empty".into());
    };
    let mut lines = Vec::with_capacity(cart.items.len());
    let mut total: i64 = 0;
    for i in cart.items {
        if !i.currency.eq_ignore_ascii_case(&currency) {
            return refuse(format!(
                "the cart mixes currencies ({currency} and {})",
                i.currency
            ));
        }
        if i.quantity <= 0 {
            return refuse(format!(
                "quantity {} for {}",
                i.quantity, i.product_retailer_id
            ));
        }
        let unit = match money::to_minor(&i.item_price, &currency) {
            Ok(u) => u,
            Err(e) => return refuse(e.to_string()),
        };
        let line = money::line_total(i.quantity, unit).map_err(|e| e.to_string());
        total = match line.and_then(|l| {
            total
                .checked_add(l)
                .ok_or_else(|| "total too large".to_string())
        }) {
            Ok(t) => t,
            Err(e) => return refuse(e),
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
        return refuse("this cart already has an order".into());
    };
    for line in &lines {
        db::orders::insert_item(conn, id, line)?;
    }
    db::orders::record_history(conn, id, None, OrderStatus::New, None, cart.at)?;
    Ok(id)
}

/// Moves an order along the pipeline; refuses a move the pipeline does not allow.
pub fn change_status(
    conn: &Connection,
    id: i64,
    to: OrderStatus,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let Some(order) = db::orders::get(conn, id)? else {
        return Err(Error::NotFound("order"));
    };
    if !order.status.next().contains(&to) {
        return Err(Error::Conflict(format!(
            "An order that is {} cannot become {}.",
            order.status, to
        )));
    }
    if !db::orders::set_status(conn, id, order.status, to, user, now)? {
        return Err(Error::Conflict(
            "The order changed meanwhile; reload and try again.".into(),
        ));
    }
    Ok(())
}

impl Crm {
    /// Moves order `id` along the pipeline, by `user` (none for an API key).
    #[tracing::instrument(skip_all, fields(order = id, to = %to), err(Display, level = "debug"))]
    pub async fn change_order_status(
        &self,
        id: i64,
        to: OrderStatus,
        user: Option<UserId>,
    ) -> Result<()> {
        let now = self.clock.now();
        self.db
            .write(move |c| change_status(c, id, to, user, now))
            .await
    }

    /// Creates an order by hand for `contact`; see [`create_manual`].
    #[tracing::instrument(skip_all, fields(contact = %contact), err(Display, level = "debug"))]
    pub async fn create_order(
        &self,
        contact: ContactId,
        input: OrderInput,
        user: Option<UserId>,
    ) -> Result<i64> {
        let now = self.clock.now();
        self.db
            .write(move |c| create_manual(c, contact, &input, user, now))
            .await
    }

    /// Replaces an order's lines; see [`edit`].
    #[tracing::instrument(skip_all, fields(order = id), err(Display, level = "debug"))]
    pub async fn edit_order(&self, id: i64, input: OrderInput, user: Option<UserId>) -> Result<()> {
        let now = self.clock.now();
        self.db.write(move |c| edit(c, id, &input, user, now)).await
    }
}
