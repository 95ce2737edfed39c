//! The rows FlowCRM wants in each tab, built from `db::sheets::sheet_contacts` and
//! `sheet_orders` (restricted contacts are never read, so they never reach a request), with
//! one value per chosen column and the header names each column answers to.

use super::plan::Want;
use crate::db::sheets::{SheetContact, SheetOrder};
use crate::model::sheets::{SheetColumn, SheetTab};
use crate::model::{CustomField, FieldKind, OptIn, Zone, money};
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;

/// The names a column's header may have: first the one FlowCRM writes, then the others it
/// recognises (the source itself; for a custom field, its key).
#[must_use]
pub fn headers(tab: SheetTab, columns: &[SheetColumn], defs: &[CustomField]) -> Vec<Vec<String>> {
    columns
        .iter()
        .map(|c| {
            if let Some(key) = c.field_key() {
                let label = defs
                    .iter()
                    .find(|f| f.key == key)
                    .map_or_else(|| key.to_string(), |f| f.label.clone());
                vec![label, key.to_string(), c.source.clone()]
            } else {
                let header = tab
                    .builtins()
                    .iter()
                    .find(|(s, _)| *s == c.source)
                    .map_or(c.source.as_str(), |(_, h)| *h);
                vec![header.to_string(), c.source.clone()]
            }
        })
        .collect()
}

fn text(s: impl Into<String>) -> Value {
    Value::String(s.into())
}

fn when(zone: &Zone, t: OffsetDateTime) -> Value {
    let f = format_description!("[year]-[month]-[day] [hour]:[minute]");
    text(zone.local(t).format(f).unwrap_or_default())
}

fn number(n: f64) -> Value {
    serde_json::Number::from_f64(n).map_or_else(|| text(n.to_string()), Value::Number)
}

fn custom(value: Option<&String>, def: Option<&CustomField>) -> Value {
    let Some(v) = value else {
        return text("");
    };
    match def.map(|d| d.kind) {
        Some(FieldKind::Number) => v.parse::<f64>().map_or_else(|_| text(v.clone()), number),
        Some(FieldKind::Checkbox) => Value::Bool(v == "true"),
        _ => text(v.clone()),
    }
}

/// The contacts tab's row of contact `k`.
#[must_use]
pub fn contact_row(
    k: &SheetContact,
    columns: &[SheetColumn],
    defs: &[CustomField],
    zone: &Zone,
) -> Want {
    let cells: Vec<Value> = columns
        .iter()
        .map(|c| match c.source.as_str() {
            "name" => text(k.name.clone()),
            "phone" => text(k.phone.clone().unwrap_or_default()),
            "email" => text(k.email.clone().unwrap_or_default()),
            "whatsapp_name" => text(k.profile_name.clone()),
            "tags" => text(k.tags.join("; ")),
            "marketing" => text(match k.opt_in {
                OptIn::In => "opted in",
                OptIn::Out => "opted out",
                OptIn::Unknown => "unknown",
            }),
            "created" => when(zone, k.created_at),
            _ => {
                let def = c
                    .field_key()
                    .and_then(|key| defs.iter().find(|f| f.key == key));
                custom(def.and_then(|d| k.values.get(&d.id)), def)
            }
        })
        .collect();
    Want::new(k.id.0.to_string(), Some(k.id), &cells)
}

#[allow(clippy::cast_precision_loss)]
fn amount(minor: i64, currency: &str) -> Value {
    let exp = money::exponent(currency);
    number(minor as f64 / 10f64.powi(i32::try_from(exp).unwrap_or(2)))
}

/// The orders tab's rows: one per order, or one per order line when `per_line`.
#[must_use]
pub fn order_rows(
    orders: Vec<SheetOrder>,
    columns: &[SheetColumn],
    per_line: bool,
    zone: &Zone,
) -> Vec<Want> {
    let mut out = Vec::new();
    for o in orders {
        let items = o
            .lines
            .iter()
            .map(|l| format!("{} × {}", l.quantity, l.product))
            .collect::<Vec<_>>()
            .join("; ");
        let lines: Vec<Option<usize>> = if per_line && !o.lines.is_empty() {
            (0..o.lines.len()).map(Some).collect()
        } else {
            vec![None]
        };
        for line in lines {
            let l = line.map(|i| &o.lines[i]);
            let cells: Vec<Value> = columns
                .iter()
                .map(|c| match c.source.as_str() {
                    "contact_id" => text(o.contact_id.map(|c| c.0.to_string()).unwrap_or_default()),
                    "contact_name" => text(o.contact_name.clone()),
                    "contact_phone" => text(o.contact_phone.clone().unwrap_or_default()),
                    "status" => text(o.status.clone()),
                    "source" => text(o.source.clone()),
                    "items" => text(items.clone()),
                    "total" => amount(o.total_minor, &o.currency),
                    "currency" => text(o.currency.clone()),
                    "note" => text(o.note.clone()),
                    "created" => when(zone, o.created_at),
                    "line_product" => text(l.map(|l| l.product.clone()).unwrap_or_default()),
                    #[allow(clippy::cast_precision_loss)]
                    "line_quantity" => l.map_or_else(|| text(""), |l| number(l.quantity as f64)),
                    "line_price" => {
                        l.map_or_else(|| text(""), |l| amount(l.unit_price_minor, &o.currency))
                    }
                    _ => text(""),
                })
                .collect();
            let key = match line {
                Some(i) => format!("{}-{}", o.id, i + 1),
                None => o.id.to_string(),
            };
            out.push(Want::new(key, o.contact_id, &cells));
        }
    }
    out
}
