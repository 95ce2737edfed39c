//! The `templates` table: message templates and their review state at Meta.

use super::{Result, to_ts};
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// Changed fields of a template, as a webhook reports them.
#[derive(Debug, Clone, Default)]
pub struct TemplateChange<'a> {
    /// Meta's template id.
    pub meta_id: &'a str,
    /// Name, when given.
    pub name: Option<&'a str>,
    /// Language, when given.
    pub language: Option<&'a str>,
    /// New status.
    pub status: Option<&'a str>,
    /// Reason for the status.
    pub reason: Option<&'a str>,
    /// New category.
    pub category: Option<&'a str>,
    /// New quality.
    pub quality: Option<&'a str>,
}

/// Applies a change, creating the template row when it is not known yet.
pub fn apply_change(conn: &Connection, c: &TemplateChange<'_>, now: OffsetDateTime) -> Result<()> {
    let sql = "INSERT INTO templates (meta_id, name, language, category, status, reason, quality, updated_at)
               VALUES (?1, COALESCE(?2, 'template ' || ?1), COALESCE(?3, ''), COALESCE(?6, ''),
                       COALESCE(?4, ''), ?5, ?7, ?8)
               ON CONFLICT (meta_id) DO UPDATE SET
                 name = COALESCE(?2, name), language = COALESCE(?3, language),
                 status = COALESCE(?4, status),
                 reason = CASE WHEN ?4 IS NOT NULL THEN ?5 ELSE reason END,
                 category = COALESCE(?6, category), quality = COALESCE(?7, quality),
                 updated_at = ?8";
    conn.prepare_cached(sql)?.execute(params![
        c.meta_id,
        c.name,
        c.language,
        c.status,
        c.reason,
        c.category,
        c.quality,
        to_ts(now)
    ])?;
    Ok(())
}

/// Review state of a template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateState {
    /// `APPROVED`, `REJECTED` ...
    pub status: String,
    /// Why, for rejections and pauses.
    pub reason: Option<String>,
    /// `MARKETING`, `UTILITY`, `AUTHENTICATION`.
    pub category: String,
    /// `GREEN`, `YELLOW`, `RED`.
    pub quality: Option<String>,
}

/// Review state of a template by Meta id.
pub fn state(conn: &Connection, meta_id: &str) -> Result<Option<TemplateState>> {
    let sql = "SELECT status, reason, category, quality FROM templates WHERE meta_id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([meta_id], |r| {
            Ok(TemplateState {
                status: r.get(0)?,
                reason: r.get(1)?,
                category: r.get(2)?,
                quality: r.get(3)?,
            })
        })
        .optional()?)
}

/// A synced template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Template {
    /// Meta's id.
    pub meta_id: Option<String>,
    /// Name.
    pub name: String,
    /// Language code.
    pub language: String,
    /// Category.
    pub category: String,
    /// Review status.
    pub status: String,
    /// Reason for rejection or pause.
    pub reason: Option<String>,
    /// `POSITIONAL` or `NAMED`.
    pub parameter_format: String,
    /// Components as Meta returns them (JSON).
    pub components: String,
}

const TEMPLATE_COLUMNS: &str =
    "meta_id, name, language, category, status, reason, parameter_format, components";

fn template_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Template> {
    Ok(Template {
        meta_id: r.get(0)?,
        name: r.get(1)?,
        language: r.get(2)?,
        category: r.get(3)?,
        status: r.get(4)?,
        reason: r.get(5)?,
        parameter_format: r.get(6)?,
        components: r.get(7)?,
    })
}

/// A template by name and language.
pub fn find(conn: &Connection, name: &str, language: &str) -> Result<Option<Template>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE name = ?1 AND language = ?2");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([name, language], template_from_row)
        .optional()?)
}

/// Every template, by name then language.
pub fn list(conn: &Connection) -> Result<Vec<Template>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM templates ORDER BY name, language");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], template_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Stores a template as Meta lists it (sync), replacing what we had for its name and language.
pub fn upsert(conn: &Connection, t: &Template, now: OffsetDateTime) -> Result<()> {
    let sql = "INSERT INTO templates (meta_id, name, language, category, status, reason, parameter_format,
                                      components, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
               ON CONFLICT (name, language) DO UPDATE SET
                 meta_id = excluded.meta_id, category = excluded.category, status = excluded.status,
                 reason = excluded.reason, parameter_format = excluded.parameter_format,
                 components = excluded.components, updated_at = excluded.updated_at";
    conn.prepare_cached(sql)?.execute(params![
        t.meta_id,
        t.name,
        t.language,
        t.category,
        t.status,
        t.reason,
        t.parameter_format,
        t.components,
        to_ts(now)
    ])?;
    Ok(())
}
