//! The `templates` table: message templates and their review state at Meta.

use super::{Result, to_ts};
use crate::model::{TemplateComponents, TemplateStatus};
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

/// Applies a change, creating the template row when it is not known yet. A template deleted and
/// re-created at Meta under the same name and language comes back with a new id: the row for
/// that name and language takes the new id instead of clashing with it.
pub fn apply_change(conn: &Connection, c: &TemplateChange<'_>, now: OffsetDateTime) -> Result<()> {
    if let (Some(name), Some(language)) = (c.name, c.language) {
        rekey(conn, c.meta_id, name, language)?;
    }
    // Whatever the change names, the row for Meta's id ends up with one name and language;
    // another row still holding that pair is a template Meta no longer has.
    let current: Option<(String, String)> = conn
        .prepare_cached("SELECT name, language FROM templates WHERE meta_id = ?1")?
        .query_row([c.meta_id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (name, language) = match current {
        Some((n, l)) => (
            c.name.map_or(n, str::to_string),
            c.language.map_or(l, str::to_string),
        ),
        None => (
            c.name
                .map_or_else(|| format!("template {}", c.meta_id), str::to_string),
            c.language.unwrap_or_default().to_string(),
        ),
    };
    let sql = "DELETE FROM templates WHERE name = ?1 AND language = ?2 AND meta_id IS NOT ?3";
    conn.prepare_cached(sql)?
        .execute(params![name, language, c.meta_id])?;
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
    pub status: TemplateStatus,
    /// Reason for rejection or pause.
    pub reason: Option<String>,
    /// `POSITIONAL` or `NAMED`.
    pub parameter_format: String,
    /// Components as Meta returns them (JSON); read them with [`Template::components`].
    pub components: String,
}

impl Template {
    /// The parsed components; `Error::Corrupt` when the stored JSON cannot be read.
    pub fn components(&self) -> Result<TemplateComponents> {
        TemplateComponents::parse(&self.components)
            .map_err(|_| super::Error::Corrupt("template components"))
    }
}

const TEMPLATE_COLUMNS: &str =
    "meta_id, name, language, category, status, reason, parameter_format, components";

fn template_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Template> {
    Ok(Template {
        meta_id: r.get(0)?,
        name: r.get(1)?,
        language: r.get(2)?,
        category: r.get(3)?,
        status: TemplateStatus::parse(&r.get::<_, String>(4)?),
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

/// Makes `meta_id` the id of the row for `name` and `language`, if there is one. A row holding
/// that id under another name (created from an update that did not name the template) gives
/// way first, so neither UNIQUE (`meta_id`) nor UNIQUE (`name`, `language`) can refuse the
/// change that follows.
fn rekey(conn: &Connection, meta_id: &str, name: &str, language: &str) -> Result<()> {
    let sql = "DELETE FROM templates
               WHERE meta_id = ?1 AND NOT (name = ?2 AND language = ?3)
                 AND EXISTS (SELECT 1 FROM templates WHERE name = ?2 AND language = ?3)";
    conn.prepare_cached(sql)?
        .execute(params![meta_id, name, language])?;
    let sql = "UPDATE templates SET meta_id = ?1
               WHERE name = ?2 AND language = ?3 AND meta_id IS NOT ?1";
    conn.prepare_cached(sql)?
        .execute(params![meta_id, name, language])?;
    Ok(())
}

/// Stores a template as Meta lists it (sync), replacing what we had for its name and language.
pub fn upsert(conn: &Connection, t: &Template, now: OffsetDateTime) -> Result<()> {
    if let Some(meta_id) = &t.meta_id {
        // Meta says this id is this name and language: a row holding it under another is stale.
        let sql = "DELETE FROM templates WHERE meta_id = ?1 AND NOT (name = ?2 AND language = ?3)";
        conn.prepare_cached(sql)?
            .execute(params![meta_id, t.name, t.language])?;
    }
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
        t.status.as_str(),
        t.reason,
        t.parameter_format,
        t.components,
        to_ts(now)
    ])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::temp_db;

    fn change<'a>(id: &'a str, name: Option<&'a str>, status: &'a str) -> TemplateChange<'a> {
        TemplateChange {
            meta_id: id,
            name,
            language: name.map(|_| "en_US"),
            status: Some(status),
            ..TemplateChange::default()
        }
    }

    #[tokio::test]
    async fn a_template_recreated_under_the_same_name_takes_the_new_id() {
        let (db, _dir) = temp_db();
        let now = OffsetDateTime::UNIX_EPOCH;
        let rows = db
            .write(move |c| {
                apply_change(c, &change("9001", Some("order_update"), "APPROVED"), now)?;
                apply_change(c, &change("9100", Some("order_update"), "PENDING"), now)?;
                list(c)
            })
            .await
            .expect("both changes apply");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].meta_id.as_deref(), Some("9100"));
        assert_eq!(rows[0].status, TemplateStatus::Pending);
    }

    #[tokio::test]
    async fn an_unnamed_update_then_a_named_one_for_a_recreated_template_merge_into_one_row() {
        let (db, _dir) = temp_db();
        let now = OffsetDateTime::UNIX_EPOCH;
        let rows = db
            .write(move |c| {
                apply_change(c, &change("9001", Some("order_update"), "APPROVED"), now)?;
                // A quality update names no template: a placeholder row holds the new id.
                apply_change(c, &change("9100", None, "APPROVED"), now)?;
                apply_change(c, &change("9100", Some("order_update"), "REJECTED"), now)?;
                list(c)
            })
            .await
            .expect("all three apply");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            (rows[0].meta_id.as_deref(), rows[0].status.as_str()),
            (Some("9100"), "REJECTED")
        );
    }

    #[tokio::test]
    async fn a_change_naming_only_part_of_a_taken_pair_still_applies() {
        let (db, _dir) = temp_db();
        let now = OffsetDateTime::UNIX_EPOCH;
        let rows = db
            .write(move |c| {
                apply_change(c, &change("5", None, "APPROVED"), now)?;
                apply_change(c, &change("6", None, "APPROVED"), now)?;
                // Id 6 is now said to carry the name row 5 has, with no language given.
                let named = TemplateChange {
                    meta_id: "6",
                    name: Some("template 5"),
                    ..TemplateChange::default()
                };
                apply_change(c, &named, now)?;
                list(c)
            })
            .await
            .expect("every change applies");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].meta_id.as_deref(), Some("6"));
    }

    #[tokio::test]
    async fn a_sync_replaces_a_placeholder_row_holding_the_same_id() {
        let (db, _dir) = temp_db();
        let now = OffsetDateTime::UNIX_EPOCH;
        let rows = db
            .write(move |c| {
                apply_change(c, &change("9100", None, "APPROVED"), now)?;
                let t = Template {
                    meta_id: Some("9100".into()),
                    name: "order_update".into(),
                    language: "en_US".into(),
                    category: "UTILITY".into(),
                    status: "APPROVED".into(),
                    reason: None,
                    parameter_format: "POSITIONAL".into(),
                    components: "[]".into(),
                };
                upsert(c, &t, now)?;
                list(c)
            })
            .await
            .expect("sync applies");
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0].name, "order_update");
    }
}
