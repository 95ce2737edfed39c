//! The `orders`, `order_items`, `order_history` and `products` tables.

mod products;

use super::{Result, from_ts, to_ts};
use crate::model::{ContactId, OrderStatus, UserId};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

pub use products::*;

/// An order to store.
#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    /// The customer.
    pub contact_id: Option<ContactId>,
    /// The conversation it came from.
    pub conversation_id: Option<i64>,
    /// The cart message it came from.
    pub message_id: Option<i64>,
    /// `whatsapp` or `manual`.
    pub source: &'a str,
    /// ISO 4217 currency.
    pub currency: &'a str,
    /// Total in minor units.
    pub total_minor: i64,
    /// Catalog id of a cart.
    pub catalog_id: Option<&'a str>,
    /// Customer's or staff's note.
    pub note: &'a str,
}

/// An order as shown.
#[derive(Debug, Clone)]
pub struct OrderRow {
    /// Row id.
    pub id: i64,
    /// Customer, if not erased.
    pub contact_id: Option<ContactId>,
    /// Customer's display name.
    pub contact_name: String,
    /// Customer's phone, when known.
    pub contact_phone: Option<String>,
    /// Conversation it came from.
    pub conversation_id: Option<i64>,
    /// `whatsapp` or `manual`.
    pub source: String,
    /// Status.
    pub status: OrderStatus,
    /// Currency.
    pub currency: String,
    /// Total in minor units.
    pub total_minor: i64,
    /// Note.
    pub note: String,
    /// Created.
    pub created_at: OffsetDateTime,
}

/// A line of an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemRow {
    /// Catalog product id.
    pub product_retailer_id: String,
    /// Product name when known.
    pub name: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price in minor units.
    pub unit_price_minor: i64,
}

const COLUMNS: &str = "o.id, o.contact_id,
    COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, ''),
    o.conversation_id, o.source, o.status, o.currency, o.total_minor, o.note, o.created_at, k.phone";

fn from_row(r: &Row<'_>) -> rusqlite::Result<OrderRow> {
    Ok(OrderRow {
        id: r.get(0)?,
        contact_id: r.get::<_, Option<i64>>(1)?.map(ContactId),
        contact_name: r.get(2)?,
        conversation_id: r.get(3)?,
        source: r.get(4)?,
        status: OrderStatus::parse(&r.get::<_, String>(5)?).unwrap_or(OrderStatus::New),
        currency: r.get(6)?,
        total_minor: r.get(7)?,
        note: r.get(8)?,
        created_at: from_ts(r.get(9)?),
        contact_phone: r.get(10)?,
    })
}

/// Stores an order; `None` when the cart message already has one.
pub fn insert(conn: &Connection, o: &NewOrder<'_>, now: OffsetDateTime) -> Result<Option<i64>> {
    let sql = "INSERT INTO orders (contact_id, conversation_id, message_id, source, currency, total_minor,
                                   catalog_id, note, created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)
               ON CONFLICT (message_id) DO NOTHING";
    let n = conn.prepare_cached(sql)?.execute(params![
        o.contact_id.map(|c| c.0),
        o.conversation_id,
        o.message_id,
        o.source,
        o.currency,
        o.total_minor,
        o.catalog_id,
        o.note,
        to_ts(now)
    ])?;
    Ok((n == 1).then(|| conn.last_insert_rowid()))
}

/// Adds a line.
pub fn insert_item(conn: &Connection, order_id: i64, item: &ItemRow) -> Result<()> {
    let sql =
        "INSERT INTO order_items (order_id, product_retailer_id, name, quantity, unit_price_minor)
               VALUES (?1, ?2, ?3, ?4, ?5)";
    conn.prepare_cached(sql)?.execute(params![
        order_id,
        item.product_retailer_id,
        item.name,
        item.quantity,
        item.unit_price_minor
    ])?;
    Ok(())
}

/// One order.
pub fn get(conn: &Connection, id: i64) -> Result<Option<OrderRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM orders o LEFT JOIN contacts k ON k.id = o.contact_id WHERE o.id = ?1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// The order made from a cart message.
pub fn for_message(conn: &Connection, message_id: i64) -> Result<Option<i64>> {
    let sql = "SELECT id FROM orders WHERE message_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([message_id], |r| r.get(0))
        .optional()?)
}

/// The orders made from many cart messages, by message id.
pub fn for_messages(
    conn: &Connection,
    message_ids: &[i64],
) -> Result<std::collections::HashMap<i64, i64>> {
    let sql =
        "SELECT message_id, id FROM orders WHERE message_id IN (SELECT value FROM json_each(?1))";
    let ids = serde_json::to_string(message_ids).unwrap_or_else(|_| "[]".into());
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([ids], |r| Ok((r.get(0)?, r.get(1)?)))?;
    rows.map(|r| r.map_err(Into::into)).collect()
}

/// The lines of an order.
pub fn items(conn: &Connection, order_id: i64) -> Result<Vec<ItemRow>> {
    let sql = "SELECT product_retailer_id, name, quantity, unit_price_minor FROM order_items WHERE order_id = ?1 ORDER BY id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([order_id], |r| {
        Ok(ItemRow {
            product_retailer_id: r.get(0)?,
            name: r.get(1)?,
            quantity: r.get(2)?,
            unit_price_minor: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Which orders a list, total or export covers.
#[derive(Debug, Clone, Copy, Default)]
pub struct OrderFilter {
    /// Only this status (without it, totals leave out cancelled orders).
    pub status: Option<OrderStatus>,
    /// Created at or after.
    pub from: Option<OffsetDateTime>,
    /// Created before.
    pub until: Option<OffsetDateTime>,
    /// Only this customer's.
    pub contact: Option<ContactId>,
    /// Only customers with this tag.
    pub tag: Option<i64>,
}

/// The filter's WHERE conditions; parameters ?1 status, ?2 from, ?3 until, ?4 contact, ?5 tag.
const FILTER: &str = "(?1 IS NULL OR o.status = ?1) AND (?2 IS NULL OR o.created_at >= ?2)
    AND (?3 IS NULL OR o.created_at < ?3) AND (?4 IS NULL OR o.contact_id = ?4)
    AND (?5 IS NULL OR EXISTS (SELECT 1 FROM contact_tags ct WHERE ct.contact_id = o.contact_id AND ct.tag_id = ?5))";

/// Orders matching `f`, newest first, after the `(created_at, id)` cursor.
pub fn list(
    conn: &Connection,
    f: &OrderFilter,
    before: Option<(OffsetDateTime, i64)>,
    limit: u32,
) -> Result<Vec<OrderRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM orders o LEFT JOIN contacts k ON k.id = o.contact_id
         WHERE {FILTER} AND (?6 IS NULL OR o.created_at < ?6 OR (o.created_at = ?6 AND o.id < ?7))
         ORDER BY o.created_at DESC, o.id DESC LIMIT ?8"
    );
    let (t, id) = before.map_or((None, 0), |(t, id)| (Some(to_ts(t)), id));
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.status.map(OrderStatus::as_str),
            f.from.map(to_ts),
            f.until.map(to_ts),
            f.contact.map(|c| c.0),
            f.tag,
            t,
            id,
            limit
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sum and count of orders per currency for `f` (cancelled left out unless asked for).
pub fn totals(conn: &Connection, f: &OrderFilter) -> Result<Vec<(String, i64, i64)>> {
    let sql = format!(
        "SELECT o.currency, SUM(o.total_minor), COUNT(*) FROM orders o
         WHERE {FILTER} AND (?1 IS NOT NULL OR o.status <> 'cancelled')
         GROUP BY o.currency ORDER BY o.currency"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(
        params![
            f.status.map(OrderStatus::as_str),
            f.from.map(to_ts),
            f.until.map(to_ts),
            f.contact.map(|c| c.0),
            f.tag
        ],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Changes the status and records who did it; false when the order was not in `from`.
pub fn set_status(
    conn: &Connection,
    id: i64,
    from: OrderStatus,
    to: OrderStatus,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> Result<bool> {
    let sql = "UPDATE orders SET status = ?3, updated_at = ?4 WHERE id = ?1 AND status = ?2";
    let changed =
        conn.prepare_cached(sql)?
            .execute(params![id, from.as_str(), to.as_str(), to_ts(now)])?
            == 1;
    if changed {
        record_history(conn, id, Some(from), to, user, now)?;
    }
    Ok(changed)
}

/// Appends a history line.
pub fn record_history(
    conn: &Connection,
    id: i64,
    from: Option<OrderStatus>,
    to: OrderStatus,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO order_history (order_id, at, user_id, from_status, to_status) VALUES (?1, ?2, ?3, ?4, ?5)";
    conn.prepare_cached(sql)?.execute(params![
        id,
        to_ts(now),
        user.map(|u| u.0),
        from.map(OrderStatus::as_str),
        to.as_str()
    ])?;
    Ok(())
}

/// A status change of an order.
#[derive(Debug, Clone)]
pub struct HistoryRow {
    /// When.
    pub at: OffsetDateTime,
    /// The user's name or email, or `WhatsApp` for the cart.
    pub who: String,
    /// Previous status (none when created).
    pub from: Option<String>,
    /// New status.
    pub to: String,
}

/// History of an order, oldest first.
pub fn history(conn: &Connection, id: i64) -> Result<Vec<HistoryRow>> {
    let sql = "SELECT h.at, COALESCE(NULLIF(u.name, ''), u.email, 'WhatsApp'), h.from_status, h.to_status
               FROM order_history h LEFT JOIN users u ON u.id = h.user_id WHERE h.order_id = ?1 ORDER BY h.at, h.id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([id], |r| {
        Ok(HistoryRow {
            at: from_ts(r.get(0)?),
            who: r.get(1)?,
            from: r.get(2)?,
            to: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Moves a contact's orders to another contact (merge).
pub fn reassign_contact(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    conn.prepare_cached("UPDATE orders SET contact_id = ?2 WHERE contact_id = ?1")?
        .execute(params![from.0, to.0])?;
    Ok(())
}

/// Replaces an order's lines, currency, total and note.
pub fn replace_lines(
    conn: &Connection,
    id: i64,
    currency: &str,
    total_minor: i64,
    note: &str,
    items: &[ItemRow],
    now: OffsetDateTime,
) -> Result<()> {
    conn.prepare_cached("DELETE FROM order_items WHERE order_id = ?1")?
        .execute([id])?;
    for item in items {
        insert_item(conn, id, item)?;
    }
    conn.prepare_cached(
        "UPDATE orders SET currency = ?2, total_minor = ?3, note = ?4, updated_at = ?5 WHERE id = ?1",
    )?
    .execute(params![id, currency, total_minor, note, to_ts(now)])?;
    Ok(())
}

/// The currency of the newest order, as a default for the next.
pub fn last_currency(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT currency FROM orders ORDER BY created_at DESC, id DESC LIMIT 1")?
        .query_row([], |r| r.get(0))
        .optional()?)
}
