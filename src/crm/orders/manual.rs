//! Orders typed by staff: lines checked and priced exactly (from the product table when left empty), created and edited until paid, audited.

use crate::crm::{Error, Result};
use crate::db::{self, orders::ItemRow};
use crate::model::{ContactId, FieldError, OrderStatus, UserId, money};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Most lines on an order.
pub const MAX_LINES: usize = 100;

/// Largest quantity of one line.
pub(super) const MAX_QUANTITY: i64 = 100_000;

/// A line as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct LineInput {
    /// Catalog / product id (optional when a name is given).
    #[serde(default)]
    pub product: String,
    /// Product name (taken from the product table when empty).
    #[serde(default)]
    pub name: String,
    /// Quantity as typed.
    #[serde(default)]
    pub quantity: String,
    /// Unit price as typed (taken from the product table when empty).
    #[serde(default)]
    pub unit_price: String,
}

impl LineInput {
    fn is_blank(&self) -> bool {
        [&self.product, &self.name, &self.quantity, &self.unit_price]
            .iter()
            .all(|s| s.trim().is_empty())
    }
}

/// An order typed by staff.
#[derive(Debug, Clone, Default)]
pub struct OrderInput {
    /// ISO 4217 currency, e.g. BRL.
    pub currency: String,
    /// Lines (blank ones are ignored).
    pub lines: Vec<LineInput>,
    /// Note.
    pub note: String,
}

/// Checked and priced lines.
pub(super) struct Priced {
    pub(super) currency: String,
    pub(super) items: Vec<ItemRow>,
    pub(super) total: i64,
}

/// Checks and prices line `n` (1-based).
pub(super) fn price_line(
    conn: &Connection,
    n: usize,
    l: &LineInput,
    currency: &str,
) -> Result<ItemRow> {
    // Every problem of the line is reported at once.
    let mut problems: Vec<FieldError> = Vec::new();
    let mut err = |field: &str, msg: String| {
        problems.push(FieldError::new(
            format!("lines[{n}].{field}"),
            format!("Line {n}: {msg}"),
        ));
    };
    let product = l.product.trim().to_string();
    let known = if product.is_empty() {
        None
    } else {
        db::orders::product(conn, &product)?
    };
    let name = match (l.name.trim(), &known) {
        ("", Some(p)) => p.name.clone(),
        (n, _) => n.to_string(),
    };
    if product.is_empty() && name.is_empty() {
        err("name", "name the product.".into());
    }
    let quantity = match l.quantity.trim().parse::<i64>() {
        Ok(q) if (1..=MAX_QUANTITY).contains(&q) => q,
        _ => {
            err(
                "quantity",
                format!("use a whole quantity from 1 to {MAX_QUANTITY}."),
            );
            0
        }
    };
    let stored = known
        .as_ref()
        .and_then(|p| p.price.as_ref())
        .filter(|(_, c)| c == currency)
        .map(|(m, _)| *m);
    let unit = match (l.unit_price.trim(), stored) {
        ("", Some(m)) => m,
        ("", None) => {
            err(
                "unit_price",
                format!("enter the unit price (the product table has none in {currency})."),
            );
            0
        }
        (text, _) => match money::to_minor(&text.replace(',', "."), currency) {
            Ok(u) => u,
            Err(e) => {
                err("unit_price", format!("{e}."));
                0
            }
        },
    };
    if !problems.is_empty() {
        return Err(Error::Invalid(problems));
    }
    Ok(ItemRow {
        product_retailer_id: if product.is_empty() {
            name.clone()
        } else {
            product
        },
        name,
        quantity,
        unit_price_minor: unit,
    })
}

/// Checks lines and prices them; errors name `lines[i].field` or a top-level field.
pub(super) fn price_lines(conn: &Connection, input: &OrderInput) -> Result<Priced> {
    let mut errors = Vec::new();
    let currency = input.currency.trim().to_ascii_uppercase();
    if !money::is_currency(&currency) {
        errors.push(FieldError::new(
            "currency",
            format!(
                "`{}` is not an ISO 4217 currency code; use one such as BRL, USD or EUR.",
                input.currency.trim()
            ),
        ));
    }
    if input.note.chars().count() > 2000 {
        errors.push(FieldError::new(
            "note",
            "Keep the note under 2,000 characters.",
        ));
    }
    let typed: Vec<(usize, &LineInput)> = input
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| !l.is_blank())
        .collect();
    if typed.is_empty() {
        errors.push(FieldError::new("lines", "Add at least one line."));
    }
    if typed.len() > MAX_LINES {
        errors.push(FieldError::new(
            "lines",
            format!("An order has at most {MAX_LINES} lines."),
        ));
    }
    let mut items = Vec::new();
    let mut total: i64 = 0;
    for (i, l) in typed {
        match price_line(conn, i + 1, l, &currency) {
            Ok(item) => {
                let sum = money::line_total(item.quantity, item.unit_price_minor)
                    .ok()
                    .and_then(|t| total.checked_add(t));
                if let Some(t) = sum {
                    total = t;
                    items.push(item);
                } else {
                    errors.push(FieldError::new("lines", "The total is too large."));
                }
            }
            Err(Error::Invalid(e)) => errors.extend(e),
            Err(e) => return Err(e),
        }
    }
    if errors.is_empty() {
        Ok(Priced {
            currency,
            items,
            total,
        })
    } else {
        Err(Error::Invalid(errors))
    }
}

pub(super) fn audit(
    conn: &Connection,
    user: Option<UserId>,
    action: &str,
    id: i64,
    now: OffsetDateTime,
) -> db::Result<()> {
    db::audit::record(
        conn,
        &db::audit::Entry {
            at: now,
            actor: user,
            action: action.into(),
            target: format!("order:{id}"),
            ip: String::new(),
            detail: String::new(),
        },
    )
}

/// Creates an order by hand for a contact (status `new`).
pub fn create_manual(
    conn: &Connection,
    contact: ContactId,
    input: &OrderInput,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> Result<i64> {
    if db::contacts::get(conn, contact)?.is_none() {
        return Err(Error::field("contact", "Choose an existing contact."));
    }
    let Priced {
        currency,
        items,
        total,
    } = price_lines(conn, input)?;
    let new = db::orders::NewOrder {
        contact_id: Some(contact),
        conversation_id: db::conversations::for_contact(conn, contact)?
            .first()
            .map(|c| c.id),
        message_id: None,
        source: "manual",
        currency: &currency,
        total_minor: total,
        catalog_id: None,
        note: input.note.trim(),
    };
    let Some(id) = db::orders::insert(conn, &new, now)? else {
        return Err(db::Error::Conflict("order".into()).into());
    };
    for item in &items {
        db::orders::insert_item(conn, id, item)?;
    }
    db::orders::record_history(conn, id, None, OrderStatus::New, user, now)?;
    audit(conn, user, "order.create", id, now)?;
    Ok(id)
}

/// True when an order's lines may still change (before it is paid).
#[must_use]
pub fn editable(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::New | OrderStatus::Confirmed)
}

/// Replaces an order's lines, currency and note (only before it is paid).
pub fn edit(
    conn: &Connection,
    id: i64,
    input: &OrderInput,
    user: Option<UserId>,
    now: OffsetDateTime,
) -> Result<()> {
    let Some(order) = db::orders::get(conn, id)? else {
        return Err(Error::NotFound("order"));
    };
    if !editable(order.status) {
        return Err(Error::field(
            "lines",
            format!("An order that is {} can no longer be edited.", order.status),
        ));
    }
    let Priced {
        currency,
        items,
        total,
    } = price_lines(conn, input)?;
    db::orders::replace_lines(conn, id, &currency, total, input.note.trim(), &items, now)?;
    audit(conn, user, "order.edit", id, now)?;
    Ok(())
}
