//! Everything stored about one contact (the data subject), read for their export and removed
//! for their erasure. One list of tables names what is theirs, so the export and the erasure
//! cannot disagree about it; a feature that stores more about a contact adds its table here.

pub mod erase;
mod export;
pub mod identity;
pub mod journal;

pub use export::{Export, read_export};

use rusqlite::types::ValueRef;
use serde_json::{Map, Value};

/// A row as a JSON object keyed by column name. Integer columns named `at` or ending in `_at`
/// are times and become RFC 3339 strings; text columns holding JSON we wrote (`content`,
/// `extras`, `raw`, `options`) become that JSON; blobs become lowercase hex.
pub(crate) fn row_json(r: &rusqlite::Row<'_>) -> rusqlite::Result<Map<String, Value>> {
    let stmt = r.as_ref();
    let mut out = Map::new();
    for i in 0..stmt.column_count() {
        let name = stmt.column_name(i)?;
        let value = match r.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) if is_time(name) => time_json(n),
            ValueRef::Integer(n) => Value::from(n),
            ValueRef::Real(f) => Value::from(f),
            ValueRef::Text(t) => {
                let text = String::from_utf8_lossy(t);
                if matches!(name, "content" | "extras" | "raw" | "options") {
                    serde_json::from_str(&text).unwrap_or(Value::String(text.into_owned()))
                } else {
                    Value::String(text.into_owned())
                }
            }
            ValueRef::Blob(b) => Value::String(hex::encode(b)),
        };
        out.insert(name.to_string(), value);
    }
    Ok(out)
}

fn is_time(column: &str) -> bool {
    column == "at" || column.ends_with("_at")
}

fn time_json(unix: i64) -> Value {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .map_or(Value::from(unix), Value::String)
}

/// Every row `sql` selects (with `params`), as JSON objects.
pub(crate) fn rows(
    conn: &rusqlite::Connection,
    sql: &str,
    params: impl rusqlite::Params,
) -> super::Result<Vec<Map<String, Value>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params, row_json)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
