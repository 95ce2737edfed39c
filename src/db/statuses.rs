//! The `message_statuses` table: every status event, once per (message, status).

use super::{Result, from_ts, to_ts};
use crate::model::{DeliveryStatus, MetaError};
use rusqlite::{Connection, params};
use time::OffsetDateTime;

/// A status event to record.
#[derive(Debug, Clone)]
pub struct NewStatus<'a> {
    /// Our message's id.
    pub wamid: &'a str,
    /// The status.
    pub status: DeliveryStatus,
    /// When it happened (Meta's timestamp).
    pub at: OffsetDateTime,
    /// Recipient phone digits.
    pub recipient_id: Option<&'a str>,
    /// Recipient business-scoped user id.
    pub recipient_user_id: Option<&'a str>,
    /// First error, for `failed`.
    pub error: Option<&'a MetaError>,
    /// Pricing category.
    pub pricing_category: Option<&'a str>,
    /// Pricing type.
    pub pricing_type: Option<&'a str>,
    /// Pricing model.
    pub pricing_model: Option<&'a str>,
    /// Billable, when Meta says.
    pub billable: Option<bool>,
    /// Our callback data.
    pub callback_data: Option<&'a str>,
    /// The conversation object: (id, origin type, expiration).
    pub conversation: Option<(&'a str, Option<&'a str>, Option<OffsetDateTime>)>,
    /// When we received it.
    pub received_at: OffsetDateTime,
}

/// Records a status event; false when this (message, status) was recorded already.
pub fn insert(conn: &Connection, s: &NewStatus<'_>) -> Result<bool> {
    let sql = "INSERT INTO message_statuses
                 (wamid, status, rank, at, recipient_id, recipient_user_id, error_code, error_title,
                  error_message, error_details, pricing_category, callback_data, received_at,
                  conversation_id, conversation_origin, conversation_expires_at, pricing_type,
                  pricing_model, billable)
               VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16,
                       ?17, ?18, ?19)
               ON CONFLICT (wamid, status) DO NOTHING";
    let n = conn.prepare_cached(sql)?.execute(params![
        s.wamid,
        s.status.as_str(),
        s.status.rank(),
        to_ts(s.at),
        s.recipient_id,
        s.recipient_user_id,
        s.error.map(|e| e.code),
        s.error.map(|e| e.title.as_str()),
        s.error.map(|e| e.message.as_str()),
        s.error.map(|e| e.details.as_str()),
        s.pricing_category,
        s.callback_data,
        to_ts(s.received_at),
        s.conversation.map(|c| c.0),
        s.conversation.and_then(|c| c.1),
        s.conversation.and_then(|c| c.2).map(to_ts),
        s.pricing_type,
        s.pricing_model,
        s.billable,
    ])?;
    Ok(n == 1)
}

/// Every recorded status of a message with its time, in rank order.
pub fn for_message(
    conn: &Connection,
    wamid: &str,
) -> Result<Vec<(DeliveryStatus, OffsetDateTime)>> {
    let sql = "SELECT status, at FROM message_statuses WHERE wamid = ?1 ORDER BY rank";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([wamid], |r| {
        Ok((r.get::<_, String>(0)?, from_ts(r.get(1)?)))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (status, at) = row?;
        if let Some(s) = DeliveryStatus::parse(&status) {
            out.push((s, at));
        }
    }
    Ok(out)
}
