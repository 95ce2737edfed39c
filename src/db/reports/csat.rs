//! The satisfaction survey: its setting (`settings` reports.csat) and the questions asked
//! (`csat_requests`) with the answers.

use crate::db::{Result, settings};
use rusqlite::{Connection, params};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// Whether resolving asks the customer for a rating, and the question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CsatSettings {
    /// On.
    pub enabled: bool,
    /// The question's text.
    pub question: String,
}

impl Default for CsatSettings {
    fn default() -> Self {
        Self {
            enabled: false,
            question: "Thank you for talking to us! How did we do? Choose a rating from 1 (very bad) to 5 (very good).".into(),
        }
    }
}

const NAME: &str = "reports.csat";

/// The survey setting (off until an admin turns it on).
pub fn csat_settings(conn: &Connection) -> Result<CsatSettings> {
    Ok(settings::get(conn, NAME)?
        .and_then(|s| serde_json::from_str(&s.value).ok())
        .unwrap_or_default())
}

/// Saves the survey setting.
pub fn save_csat(
    conn: &Connection,
    s: &CsatSettings,
    by: Option<i64>,
    now: OffsetDateTime,
) -> Result<()> {
    let json = serde_json::to_string(s).map_err(|_| crate::db::Error::Corrupt("csat settings"))?;
    settings::put(conn, NAME, &json, by, now)
}

/// Records a question asked after `resolver` resolved `conversation`.
pub fn csat_asked(
    conn: &Connection,
    conversation: i64,
    resolver: Option<i64>,
    message_id: i64,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "INSERT INTO csat_requests (conversation_id, user_id, message_id, asked_at)
               VALUES (?1, (SELECT id FROM users WHERE id = ?2), ?3, ?4)";
    conn.prepare_cached(sql)?.execute(params![
        conversation,
        resolver,
        message_id,
        now.unix_timestamp()
    ])?;
    Ok(())
}

/// Stores `score` on the latest unanswered question of `conversation` asked at most `window`
/// seconds before `at`; whether there was one.
pub fn csat_answer(
    conn: &Connection,
    conversation: i64,
    score: i64,
    at: OffsetDateTime,
    window: i64,
) -> Result<bool> {
    let sql = "UPDATE csat_requests SET score = ?2, answered_at = ?3
               WHERE id = (SELECT id FROM csat_requests
                           WHERE conversation_id = ?1 AND score IS NULL
                             AND asked_at <= ?3 AND asked_at >= ?3 - ?4
                           ORDER BY asked_at DESC, id DESC LIMIT 1)";
    let at = at.unix_timestamp();
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![conversation, score, at, window])?
        == 1)
}

/// One resolver's survey counts: (user, asked, answered, answered 4 or 5).
pub type CsatCount = (Option<i64>, i64, i64, i64);

/// Questions asked in `[from, to)` per resolver.
pub fn csat_counts(
    conn: &Connection,
    from: i64,
    to: i64,
    user: Option<i64>,
) -> Result<Vec<CsatCount>> {
    let sql = "SELECT user_id, COUNT(*), COUNT(score), COALESCE(SUM(score >= 4), 0)
               FROM csat_requests
               WHERE asked_at >= ?1 AND asked_at < ?2 AND (?3 IS NULL OR user_id = ?3)
               GROUP BY user_id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![from, to, user], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
