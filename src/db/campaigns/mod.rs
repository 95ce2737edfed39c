//! The `campaigns` table and its recipients (`campaign_recipients`): broadcasts of one template
//! to segments. The funnel columns of a recipient are kept by triggers (V30).

mod audience;
mod funnel;
pub mod rates;
mod recipients;

pub use audience::{Facts, capped_since, custom_values, facts};
pub use funnel::{Funnel, RecipientRow, Stage, charged, error_codes, funnel, recipients};
pub use recipients::*;

use super::{Result, from_ts, to_ts};
use crate::model::campaign::{Binding, CampaignState, LeftOut};
use rusqlite::{Connection, OptionalExtension, Row, params};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Campaign {
    /// Row id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The template.
    pub template_name: String,
    /// Its language.
    pub template_language: String,
    /// One binding per body variable.
    pub variables: Vec<Binding>,
    /// Media header (JSON as the template header of `Outbound`), if any.
    pub header: Option<String>,
    /// Segments whose contacts get it.
    pub include: Vec<i64>,
    /// Segments whose contacts never do.
    pub exclude: Vec<i64>,
    /// Utility templates: contacts whose consent is unknown get it too.
    pub allow_unknown: bool,
    /// Where it is.
    pub state: CampaignState,
    /// When it starts (UTC); `None`: when it is sent.
    pub scheduled_at: Option<OffsetDateTime>,
    /// The template's category when it started.
    pub category: String,
    /// When the audience was taken.
    pub started_at: Option<OffsetDateTime>,
    /// When it ended.
    pub finished_at: Option<OffsetDateTime>,
    /// Who was left out when it started, by reason.
    pub left_out: BTreeMap<LeftOut, i64>,
    /// Who made it.
    pub created_by: Option<i64>,
    /// Made at.
    pub created_at: OffsetDateTime,
    /// Changed at.
    pub updated_at: OffsetDateTime,
}

/// What a person sets on a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draft<'a> {
    /// Name.
    pub name: &'a str,
    /// Template name.
    pub template_name: &'a str,
    /// Template language.
    pub template_language: &'a str,
    /// Variable bindings.
    pub variables: &'a [Binding],
    /// Media header JSON.
    pub header: Option<&'a str>,
    /// Included segments.
    pub include: &'a [i64],
    /// Excluded segments.
    pub exclude: &'a [i64],
    /// Allow unknown consent (utility).
    pub allow_unknown: bool,
    /// Start time.
    pub scheduled_at: Option<OffsetDateTime>,
}

const COLUMNS: &str = "id, name, template_name, template_language, variables, header, include_segments,
    exclude_segments, allow_unknown, state, scheduled_at, category, started_at, finished_at, left_out,
    created_by, created_at, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Campaign> {
    let json_err = |i: usize, e: serde_json::Error| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    };
    let variables: String = r.get(4)?;
    let include: String = r.get(6)?;
    let exclude: String = r.get(7)?;
    let state: String = r.get(9)?;
    let left_out: String = r.get(14)?;
    let counts: BTreeMap<String, i64> =
        serde_json::from_str(&left_out).map_err(|e| json_err(14, e))?;
    Ok(Campaign {
        id: r.get(0)?,
        name: r.get(1)?,
        template_name: r.get(2)?,
        template_language: r.get(3)?,
        variables: serde_json::from_str(&variables).map_err(|e| json_err(4, e))?,
        header: r.get(5)?,
        include: serde_json::from_str(&include).map_err(|e| json_err(6, e))?,
        exclude: serde_json::from_str(&exclude).map_err(|e| json_err(7, e))?,
        allow_unknown: r.get(8)?,
        state: CampaignState::parse(&state).unwrap_or(CampaignState::Draft),
        scheduled_at: r.get::<_, Option<i64>>(10)?.map(from_ts),
        category: r.get(11)?,
        started_at: r.get::<_, Option<i64>>(12)?.map(from_ts),
        finished_at: r.get::<_, Option<i64>>(13)?.map(from_ts),
        left_out: counts
            .into_iter()
            .filter_map(|(k, v)| LeftOut::parse(&k).map(|k| (k, v)))
            .collect(),
        created_by: r.get(15)?,
        created_at: from_ts(r.get(16)?),
        updated_at: from_ts(r.get(17)?),
    })
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// Saves a new draft.
pub fn insert(
    conn: &Connection,
    d: &Draft<'_>,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<i64> {
    let sql = "INSERT INTO campaigns (name, template_name, template_language, variables, header,
                   include_segments, exclude_segments, allow_unknown, scheduled_at, created_by,
                   created_at, updated_at)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?11)";
    conn.prepare_cached(sql)?.execute(params![
        d.name,
        d.template_name,
        d.template_language,
        json(&d.variables),
        d.header,
        json(&d.include),
        json(&d.exclude),
        d.allow_unknown,
        d.scheduled_at.map(to_ts),
        by,
        to_ts(now)
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Replaces a draft's settings; false when it is no longer a draft (or scheduled).
pub fn update(conn: &Connection, id: i64, d: &Draft<'_>, now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE campaigns SET name = ?2, template_name = ?3, template_language = ?4,
                   variables = ?5, header = ?6, include_segments = ?7, exclude_segments = ?8,
                   allow_unknown = ?9, scheduled_at = ?10, updated_at = ?11
               WHERE id = ?1 AND state IN ('draft', 'scheduled')";
    Ok(conn.prepare_cached(sql)?.execute(params![
        id,
        d.name,
        d.template_name,
        d.template_language,
        json(&d.variables),
        d.header,
        json(&d.include),
        json(&d.exclude),
        d.allow_unknown,
        d.scheduled_at.map(to_ts),
        to_ts(now)
    ])? == 1)
}

/// One campaign.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Campaign>> {
    let sql = format!("SELECT {COLUMNS} FROM campaigns WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], from_row)
        .optional()?)
}

/// Campaigns newest first, before id `before`.
pub fn list(conn: &Connection, before: Option<i64>, limit: u32) -> Result<Vec<Campaign>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM campaigns WHERE ?1 IS NULL OR id < ?1 ORDER BY id DESC LIMIT ?2"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![before, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Moves a campaign from one of `from` to `to`; false when it was in none of them.
pub fn set_state(
    conn: &Connection,
    id: i64,
    from: &[CampaignState],
    to: CampaignState,
    now: OffsetDateTime,
) -> Result<bool> {
    let from: Vec<&str> = from.iter().map(|s| s.as_str()).collect();
    let sql = "UPDATE campaigns SET state = ?3, updated_at = ?4,
                   finished_at = CASE WHEN ?3 IN ('done', 'cancelled') THEN ?4 ELSE finished_at END
               WHERE id = ?1 AND state IN (SELECT value FROM json_each(?2))";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id, json(&from), to.as_str(), to_ts(now)])?
        == 1)
}

/// Records that the audience was taken: the template's category and who was left out.
pub fn mark_started(
    conn: &Connection,
    id: i64,
    category: &str,
    left_out: &BTreeMap<LeftOut, i64>,
    now: OffsetDateTime,
) -> Result<()> {
    let counts: BTreeMap<&str, i64> = left_out.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    let sql =
        "UPDATE campaigns SET state = 'sending', category = ?2, left_out = ?3, started_at = ?4,
                   updated_at = ?4 WHERE id = ?1";
    conn.prepare_cached(sql)?
        .execute(params![id, category, json(&counts), to_ts(now)])?;
    Ok(())
}

/// Scheduled campaigns whose time has come, oldest first.
pub fn due(conn: &Connection, now: OffsetDateTime) -> Result<Vec<i64>> {
    let sql =
        "SELECT id FROM campaigns WHERE state = 'scheduled' AND COALESCE(scheduled_at, 0) <= ?1
               ORDER BY id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([to_ts(now)], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Campaigns being sent, oldest first.
pub fn sending(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt =
        conn.prepare_cached("SELECT id FROM campaigns WHERE state = 'sending' ORDER BY id")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a draft; false when it is not a draft.
pub fn delete_draft(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM campaigns WHERE id = ?1 AND state = 'draft'")?
        .execute([id])?
        == 1)
}

/// Whether a name is taken by another campaign.
pub fn name_taken(conn: &Connection, name: &str, except: Option<i64>) -> Result<bool> {
    let sql =
        "SELECT EXISTS (SELECT 1 FROM campaigns WHERE name = ?1 COLLATE NOCASE AND id IS NOT ?2)";
    Ok(conn
        .prepare_cached(sql)?
        .query_row(params![name, except], |r| r.get(0))?)
}
