//! Orders: a WhatsApp catalog cart becomes an order record; the status pipeline with history.

mod manual;

use super::{Crm, Error, Result};
use crate::db::{self, orders::ItemRow};
use crate::model::{ContactId, OrderId, OrderItem, OrderStatus, UserId, money};
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
    #[tracing::instrument(skip_all, fields(order = %id, to = %to), err(Display, level = "debug"))]
    pub async fn change_order_status(
        &self,
        id: OrderId,
        to: OrderStatus,
        user: Option<UserId>,
    ) -> Result<()> {
        let now = self.clock.now();
        self.db
            .write(move |c| change_status(c, id.0, to, user, now))
            .await
    }

    /// Creates an order by hand for `contact`; see [`create_manual`].
    #[tracing::instrument(skip_all, fields(contact = %contact), err(Display, level = "debug"))]
    pub async fn create_order(
        &self,
        contact: ContactId,
        input: OrderInput,
        user: Option<UserId>,
    ) -> Result<OrderId> {
        let now = self.clock.now();
        self.db
            .write(move |c| create_manual(c, contact, &input, user, now))
            .await
            .map(OrderId)
    }

    /// Replaces an order's lines; see [`edit`].
    #[tracing::instrument(skip_all, fields(order = %id), err(Display, level = "debug"))]
    pub async fn edit_order(
        &self,
        id: OrderId,
        input: OrderInput,
        user: Option<UserId>,
    ) -> Result<()> {
        let now = self.clock.now();
        self.db
            .write(move |c| edit(c, id.0, &input, user, now))
            .await
    }
}

#[cfg(test)]
mod tests {
    use crate::db::{self, orders::OrderFilter};

    async fn record(db: &crate::db::Db, body: &'static str) {
        let events = crate::whatsapp::webhook::parse(body.as_bytes()).expect("parse");
        let now = time::OffsetDateTime::now_utc();
        let keywords = crate::crm::consent::Keywords::default();
        db.write(move |c| super::super::inbound::record(c, &events, None, now, &keywords))
            .await
            .expect("record");
    }

    #[tokio::test]
    async fn a_cart_becomes_an_exact_order_once_and_a_bad_cart_none() {
        let (db, _dir) = crate::db::testing::temp_db();
        let order = include_str!("../../../tests/fixtures/order.json");
        record(&db, order).await;
        // Meta retries the same POST: the cart is one order still.
        record(&db, order).await;
        let orders = db
            .read(|c| db::orders::list(c, &OrderFilter::default(), None, 10))
            .await
            .expect("orders");
        assert_eq!(orders.len(), 1);
        let o = &orders[0];
        // 2 x 59.90 + 1 x "35.00", in cents: no float rounding.
        assert_eq!((o.currency.as_str(), o.total_minor), ("BRL", 15_480));
        let items = db
            .read(move |c| db::orders::items(c, 1))
            .await
            .expect("items");
        assert_eq!(items.iter().map(|i| i.quantity).sum::<i64>(), 3);

        let mixed = r#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
            "messaging_product":"whatsapp","metadata":{"phone_number_id":"200"},
            "messages":[{"from":"5511988887777","id":"wamid.MIXED","timestamp":"1767225600","type":"order",
              "order":{"catalog_id":"1","product_items":[
                {"product_retailer_id":"A","quantity":1,"item_price":10.0,"currency":"BRL"},
                {"product_retailer_id":"B","quantity":1,"item_price":5,"currency":"USD"}]}}]}}]}]}"#;
        record(&db, mixed).await;
        let count = db
            .read(|c| db::orders::list(c, &OrderFilter::default(), None, 10))
            .await
            .expect("orders")
            .len();
        assert_eq!(count, 1, "a cart mixing currencies makes no order");
        let events = db
            .read(|c| db::webhook_log::recent_events(c, 5))
            .await
            .expect("events");
        assert!(
            events
                .iter()
                .any(|(_, field, v)| field == "orders.invalid" && v.contains("mixes currencies")),
            "{events:?}"
        );
    }
}
