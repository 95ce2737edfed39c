//! `/api/v1/orders` and `/api/v1/templates`.

mod list;
mod save;
mod templates;

use super::rfc3339;
use crate::db;
use crate::db::orders::OrderRow;
use crate::model::{OrderStatus, money};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use list::*;
pub use save::*;
pub use templates::*;

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
