//! What a Sheets sync run puts in the sheet: every contact whose processing is not restricted
//! (with tags and custom values), and every order of such contacts (or of erased ones) with its
//! lines. Read in one pass each, ordered by id.

use crate::db::{Result, from_ts};
use crate::model::{ContactId, OptIn};
use rusqlite::Connection;
use std::collections::HashMap;
use time::OffsetDateTime;

/// A contact as the sheet shows it.
#[derive(Debug, Clone)]
pub struct SheetContact {
    /// Id (the key).
    pub id: ContactId,
    /// Name the business gave.
    pub name: String,
    /// E.164 phone.
    pub phone: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// WhatsApp profile name.
    pub profile_name: String,
    /// Marketing consent.
    pub opt_in: OptIn,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    /// Custom values by field id.
    pub values: HashMap<i64, String>,
}

/// Calls `each` with every contact whose processing is not restricted (only opted-in ones when
/// `only_opted_in`), by id, one at a time: 100,000 contacts never sit in memory together.
pub fn sheet_contacts(
    conn: &Connection,
    only_opted_in: bool,
    mut each: impl FnMut(SheetContact),
) -> Result<()> {
    let mut tags: HashMap<i64, Vec<String>> = HashMap::new();
    let sql = "SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
        ORDER BY ct.contact_id, t.name";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        tags.entry(r.get(0)?).or_default().push(r.get(1)?);
    }
    let mut values: HashMap<i64, HashMap<i64, String>> = HashMap::new();
    let sql = "SELECT contact_id, field_id, value FROM contact_field_values";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        values
            .entry(r.get(0)?)
            .or_default()
            .insert(r.get(1)?, r.get(2)?);
    }
    let sql = "SELECT id, name, phone, email, profile_name, opt_in, created_at FROM contacts
        WHERE restricted_at IS NULL AND (?1 = 0 OR opt_in = 'in') ORDER BY id";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([only_opted_in])?;
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        each(SheetContact {
            id: ContactId(id),
            name: r.get(1)?,
            phone: r.get(2)?,
            email: r.get(3)?,
            profile_name: r.get(4)?,
            opt_in: r.get::<_, String>(5)?.parse().unwrap_or_default(),
            created_at: from_ts(r.get(6)?),
            tags: tags.remove(&id).unwrap_or_default(),
            values: values.remove(&id).unwrap_or_default(),
        });
    }
    Ok(())
}

/// An order line.
#[derive(Debug, Clone)]
pub struct SheetLine {
    /// Product name (or its catalog id).
    pub product: String,
    /// Quantity.
    pub quantity: i64,
    /// Unit price in minor units.
    pub unit_price_minor: i64,
}

/// An order as the sheet shows it.
#[derive(Debug, Clone)]
pub struct SheetOrder {
    /// Id (the key).
    pub id: i64,
    /// The customer (none once erased).
    pub contact_id: Option<ContactId>,
    /// Customer's name.
    pub contact_name: String,
    /// Customer's phone.
    pub contact_phone: Option<String>,
    /// Status name.
    pub status: String,
    /// whatsapp | manual.
    pub source: String,
    /// Currency.
    pub currency: String,
    /// Total in minor units.
    pub total_minor: i64,
    /// Note.
    pub note: String,
    /// Created.
    pub created_at: OffsetDateTime,
    /// Lines.
    pub lines: Vec<SheetLine>,
}

/// Orders, except those of contacts whose processing is restricted.
pub fn sheet_orders(conn: &Connection) -> Result<Vec<SheetOrder>> {
    let sql =
        "SELECT o.id, o.contact_id, COALESCE(NULLIF(k.name, ''), k.profile_name, ''), k.phone,
            o.status, o.source, o.currency, o.total_minor, o.note, o.created_at
        FROM orders o LEFT JOIN contacts k ON k.id = o.contact_id
        WHERE k.restricted_at IS NULL ORDER BY o.id";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut out: Vec<SheetOrder> = stmt
        .query_map([], |r| {
            Ok(SheetOrder {
                id: r.get(0)?,
                contact_id: r.get::<_, Option<i64>>(1)?.map(ContactId),
                contact_name: r.get(2)?,
                contact_phone: r.get(3)?,
                status: r.get(4)?,
                source: r.get(5)?,
                currency: r.get(6)?,
                total_minor: r.get(7)?,
                note: r.get(8)?,
                created_at: from_ts(r.get(9)?),
                lines: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let at: HashMap<i64, usize> = out.iter().enumerate().map(|(i, o)| (o.id, i)).collect();
    let sql = "SELECT order_id, COALESCE(NULLIF(name, ''), product_retailer_id), quantity,
        unit_price_minor FROM order_items ORDER BY order_id, id";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        if let Some(&i) = at.get(&r.get::<_, i64>(0)?) {
            out[i].lines.push(SheetLine {
                product: r.get(1)?,
                quantity: r.get(2)?,
                unit_price_minor: r.get(3)?,
            });
        }
    }
    Ok(out)
}
