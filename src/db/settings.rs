//! The `settings` table: values changed in the browser, which win over `flowcrm.toml`.

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// A stored setting and who changed it last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting {
    /// The value.
    pub value: String,
    /// When it was set.
    pub updated_at: OffsetDateTime,
    /// Who set it (their name), when known.
    pub updated_by: Option<String>,
}

/// One setting.
pub fn get(conn: &Connection, name: &str) -> Result<Option<Setting>> {
    let sql = "SELECT s.value, s.updated_at, COALESCE(NULLIF(u.name, ''), u.email) FROM settings s
               LEFT JOIN users u ON u.id = s.updated_by WHERE s.name = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([name], |r| {
            Ok(Setting {
                value: r.get(0)?,
                updated_at: from_ts(r.get(1)?),
                updated_by: r.get(2)?,
            })
        })
        .optional()?)
}

/// Stores or replaces a setting.
pub fn put(
    conn: &Connection,
    name: &str,
    value: &str,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?1, ?2, ?3, ?4)
               ON CONFLICT (name) DO UPDATE SET value = excluded.value,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by";
    conn.prepare_cached(sql)?
        .execute(params![name, value, to_ts(now), by])?;
    Ok(())
}

/// Removes a setting (the file's value applies again); false when none was stored.
pub fn delete(conn: &Connection, name: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM settings WHERE name = ?1")?
        .execute([name])?
        == 1)
}
