//! The `products` table: the catalog names and prices orders are priced from.

use crate::db::{Result, to_ts};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

/// The product name for a catalog retailer id, when the product table knows it.
pub fn product_name(conn: &Connection, retailer_id: &str) -> Result<Option<String>> {
    let sql = "SELECT name FROM products WHERE retailer_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([retailer_id], |r| r.get(0))
        .optional()?)
}

/// Adds or updates a product.
pub fn upsert_product(
    conn: &Connection,
    retailer_id: &str,
    name: &str,
    price: Option<(i64, &str)>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO products (retailer_id, name, price_minor, currency, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
               ON CONFLICT (retailer_id) DO UPDATE SET name = excluded.name, price_minor = excluded.price_minor,
                                                       currency = excluded.currency, updated_at = excluded.updated_at";
    conn.prepare_cached(sql)?.execute(params![
        retailer_id,
        name,
        price.map(|p| p.0),
        price.map(|p| p.1),
        to_ts(now)
    ])?;
    Ok(())
}

/// A product of the product table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// Row id.
    pub id: i64,
    /// Catalog retailer id.
    pub retailer_id: String,
    /// Name.
    pub name: String,
    /// Price in minor units and its currency, when known.
    pub price: Option<(i64, String)>,
}

pub(super) fn product_row(r: &Row<'_>) -> rusqlite::Result<Product> {
    let minor: Option<i64> = r.get(3)?;
    let currency: Option<String> = r.get(4)?;
    Ok(Product {
        id: r.get(0)?,
        retailer_id: r.get(1)?,
        name: r.get(2)?,
        price: minor.zip(currency),
    })
}

/// The product with this retailer id.
pub fn product(conn: &Connection, retailer_id: &str) -> Result<Option<Product>> {
    let sql =
        "SELECT id, retailer_id, name, price_minor, currency FROM products WHERE retailer_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([retailer_id], product_row)
        .optional()?)
}

/// Products by retailer id, after `after`, at most `limit`; `search` matches id or name.
pub fn products(
    conn: &Connection,
    search: Option<&str>,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Product>> {
    let sql = "SELECT id, retailer_id, name, price_minor, currency FROM products
               WHERE (?1 IS NULL OR retailer_id LIKE ?1 OR name LIKE ?1) AND (?2 IS NULL OR retailer_id > ?2)
               ORDER BY retailer_id LIMIT ?3";
    let pattern = search.map(|s| format!("%{}%", s.replace(['%', '_'], "")));
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![pattern, after, limit], product_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a product (orders keep their lines).
pub fn delete_product(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM products WHERE id = ?1")?
        .execute([id])?
        == 1)
}
