//! The product table (catalog retailer id -> name, price): checked edits and CSV import.

use crate::db::{self, Result};
use crate::model::{FieldError, money};
use rusqlite::Connection;
use time::OffsetDateTime;

/// A product as typed (form or CSV row).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductInput {
    /// Catalog retailer id (SKU).
    pub retailer_id: String,
    /// Name.
    pub name: String,
    /// Price as a decimal, optional.
    pub price: String,
    /// Currency of the price.
    pub currency: String,
}

/// A checked product.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductRow {
    /// Retailer id.
    pub retailer_id: String,
    /// Name.
    pub name: String,
    /// Price in minor units and currency.
    pub price: Option<(i64, String)>,
}

/// Checks a product.
pub fn check(p: &ProductInput) -> std::result::Result<ProductRow, Vec<FieldError>> {
    let mut errors = Vec::new();
    let retailer_id = p.retailer_id.trim().to_string();
    if retailer_id.is_empty() || retailer_id.chars().count() > 100 {
        errors.push(FieldError::new(
            "retailer_id",
            "Give the product id (SKU) of 1 to 100 characters.",
        ));
    }
    let name = p.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(FieldError::new(
            "name",
            "Name the product in 1 to 200 characters.",
        ));
    }
    let currency = p.currency.trim().to_ascii_uppercase();
    let price = if p.price.trim().is_empty() {
        None
    } else if !money::is_currency(&currency) {
        errors.push(FieldError::new(
            "currency",
            "Use an ISO 4217 currency code such as BRL, USD or EUR with a price.",
        ));
        None
    } else {
        match money::to_minor(&p.price.trim().replace(',', "."), &currency) {
            Ok(m) => Some((m, currency)),
            Err(e) => {
                errors.push(FieldError::new("price", format!("Price: {e}.")));
                None
            }
        }
    };
    if errors.is_empty() {
        Ok(ProductRow {
            retailer_id,
            name,
            price,
        })
    } else {
        Err(errors)
    }
}

/// Stores a checked product (new or replacing the one with its id).
pub fn save(conn: &Connection, p: &ProductRow, now: OffsetDateTime) -> Result<bool> {
    let existed = db::orders::product(conn, &p.retailer_id)?.is_some();
    db::orders::upsert_product(
        conn,
        &p.retailer_id,
        &p.name,
        p.price.as_ref().map(|(m, c)| (*m, c.as_str())),
        now,
    )?;
    Ok(!existed)
}

/// Deletes a product (past orders keep their lines), with an audit entry; `false` when there
/// was no such product.
pub fn delete(
    conn: &Connection,
    id: i64,
    actor: &super::contacts::Actor,
    now: OffsetDateTime,
) -> Result<bool> {
    if !db::orders::delete_product(conn, id)? {
        return Ok(false);
    }
    super::audit(
        conn,
        actor,
        "product.delete",
        format!("product:{id}"),
        String::new(),
        now,
    )?;
    Ok(true)
}

/// Header names per column (lower case).
const ID: &[&str] = &["retailer_id", "id", "sku", "product id", "content_id"];
const NAME: &[&str] = &["name", "title", "nome", "nombre", "product"];
const PRICE: &[&str] = &["price", "preço", "preco", "precio"];
const CURRENCY: &[&str] = &["currency", "moeda", "moneda"];

/// A checked CSV row, or its line number and what is wrong.
pub type CsvRow = std::result::Result<ProductRow, (usize, String)>;

/// Saves checked rows in one transaction; returns how many were added and how many updated.
pub fn save_all(
    conn: &Connection,
    rows: &[ProductRow],
    now: OffsetDateTime,
) -> Result<(usize, usize)> {
    let mut counts = (0, 0);
    for r in rows {
        if save(conn, r, now)? {
            counts.0 += 1;
        } else {
            counts.1 += 1;
        }
    }
    Ok(counts)
}

/// Checks CSV rows; problems are `(line, reason)` with the header as line 1. A price like
/// `59.90 BRL` (Meta's catalog feed) carries its currency.
pub fn parse_csv_rows(
    header: &[String],
    records: &[Vec<String>],
) -> std::result::Result<Vec<CsvRow>, String> {
    let find = |names: &[&str]| {
        header
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let (Some(id), Some(name)) = (find(ID), find(NAME)) else {
        return Err(format!(
            "The file needs a product id column (retailer_id, id or sku) and a name column (name or title). The header has: {}.",
            header.join(", ")
        ));
    };
    let (price, currency) = (find(PRICE), find(CURRENCY));
    Ok(records
        .iter()
        .enumerate()
        .map(|(i, rec)| {
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map_or("", |s| s.trim());
            let (mut p, mut cur) = (get(price).to_string(), get(currency).to_string());
            if let Some((amount, code)) = p.clone().rsplit_once(' ')
                && cur.is_empty()
            {
                p = amount.trim().to_string();
                cur = code.trim().to_string();
            }
            check(&ProductInput {
                retailer_id: get(Some(id)).into(),
                name: get(Some(name)).into(),
                price: p,
                currency: cur,
            })
            .map_err(|e| {
                let why: Vec<String> = e.into_iter().map(|e| e.message).collect();
                (i + 2, why.join(" "))
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn csv_rows_are_checked_by_line() {
        let header = strings(&["id", "title", "price"]);
        let rows = parse_csv_rows(
            &header,
            &[
                strings(&["SKU-1", "Camiseta", "59.90 BRL"]),
                strings(&["SKU-2", "", "10"]),
                strings(&["SKU-3", "Boné", "1.234 BRL"]),
                strings(&["SKU-4", "Meia", ""]),
            ],
        )
        .expect("header");
        assert_eq!(
            rows[0],
            Ok(ProductRow {
                retailer_id: "SKU-1".into(),
                name: "Camiseta".into(),
                price: Some((5990, "BRL".into()))
            })
        );
        assert!(matches!(&rows[1], Err((3, why)) if why.contains("Name the product")));
        assert!(matches!(&rows[2], Err((4, why)) if why.contains("more decimals")));
        assert!(matches!(&rows[3], Ok(p) if p.price.is_none()));
        assert!(parse_csv_rows(&strings(&["foo"]), &[]).is_err());
    }
}
