//! The `custom_fields` and `contact_field_values` tables.

use super::error::unique_as_conflict;
use super::{Result, to_ts};
use crate::model::{ContactId, CustomField};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

const COLUMNS: &str = "id, key, label, kind, options";

fn from_row(r: &Row<'_>) -> rusqlite::Result<CustomField> {
    Ok(CustomField {
        id: r.get(0)?,
        key: r.get(1)?,
        label: r.get(2)?,
        kind: r.get::<_, String>(3)?.parse().map_err(|_| {
            rusqlite::Error::FromSqlConversionFailure(
                3,
                rusqlite::types::Type::Text,
                "field kind".into(),
            )
        })?,
        options: serde_json::from_str(&r.get::<_, String>(4)?).unwrap_or_default(),
    })
}

/// Every field in display order.
pub fn list(conn: &Connection) -> Result<Vec<CustomField>> {
    let sql = format!("SELECT {COLUMNS} FROM custom_fields ORDER BY position, id");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One field by id.
pub fn get(conn: &Connection, id: i64) -> Result<Option<CustomField>> {
    let sql = format!("SELECT {COLUMNS} FROM custom_fields WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// Creates a field; `Error::Conflict` when the key exists.
pub fn insert(conn: &Connection, f: &CustomField, now: OffsetDateTime) -> Result<i64> {
    let sql = "INSERT INTO custom_fields (key, label, kind, options, position, created_at)
               VALUES (?1, ?2, ?3, ?4, (SELECT COALESCE(MAX(position), 0) + 1 FROM custom_fields), ?5)";
    conn.prepare_cached(sql)?
        .execute(params![
            f.key,
            f.label,
            f.kind.as_str(),
            serde_json::to_string(&f.options).unwrap_or_else(|_| "[]".into()),
            to_ts(now)
        ])
        .map_err(|e| unique_as_conflict(e, "a field with this key"))?;
    Ok(conn.last_insert_rowid())
}

/// Changes a field's label and options (the key and kind never change).
pub fn update(conn: &Connection, id: i64, label: &str, options: &[String]) -> Result<bool> {
    let sql = "UPDATE custom_fields SET label = ?2, options = ?3 WHERE id = ?1";
    Ok(conn.prepare_cached(sql)?.execute(params![
        id,
        label,
        serde_json::to_string(options).unwrap_or_else(|_| "[]".into())
    ])? == 1)
}

/// Deletes a field and every value of it.
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM custom_fields WHERE id = ?1")?
        .execute([id])?
        == 1)
}

/// Values of a contact by field id.
pub fn values(conn: &Connection, contact: ContactId) -> Result<Vec<(i64, String)>> {
    let sql = "SELECT field_id, value FROM contact_field_values WHERE contact_id = ?1";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([contact.0], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sets (or with `None` clears) a contact's value of a field.
pub fn set_value(
    conn: &Connection,
    contact: ContactId,
    field: i64,
    value: Option<&str>,
    num: Option<f64>,
) -> Result<()> {
    if let Some(v) = value {
        let sql = "INSERT INTO contact_field_values (contact_id, field_id, value, num) VALUES (?1, ?2, ?3, ?4)
                       ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value, num = excluded.num";
        conn.prepare_cached(sql)?
            .execute(params![contact.0, field, v, num])?;
    } else {
        let sql = "DELETE FROM contact_field_values WHERE contact_id = ?1 AND field_id = ?2";
        conn.prepare_cached(sql)?
            .execute(params![contact.0, field])?;
    }
    Ok(())
}

/// Moves values from one contact to another, keeping the target's where both have one.
pub fn move_values(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO contact_field_values (contact_id, field_id, value, num)
         SELECT ?2, field_id, value, num FROM contact_field_values WHERE contact_id = ?1",
    )?
    .execute(params![from.0, to.0])?;
    conn.prepare_cached("DELETE FROM contact_field_values WHERE contact_id = ?1")?
        .execute([from.0])?;
    Ok(())
}
