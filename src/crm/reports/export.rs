//! The per-conversation report: one row per conversation opened, answered or resolved in a
//! range, with who it is with, who has it, and what it cost.

use super::Range;
use crate::crm::campaigns::cost::rate_for;
use crate::db::{self, Result, reports::queries as q};
use crate::model::campaign::market_of;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::BTreeMap;

/// One conversation's row.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConversationRow {
    /// Conversation id.
    pub id: i64,
    /// Contact name.
    pub contact: String,
    /// Contact phone.
    pub phone: String,
    /// Assignee now.
    pub agent: String,
    /// Contact's tags, `; `-separated.
    pub tags: String,
    /// First (re)opening in the range (unix seconds).
    pub opened_at: Option<i64>,
    /// First response in the range: (seconds, business seconds).
    pub first_response: Option<(i64, i64)>,
    /// Last resolution in the range (unix seconds).
    pub resolved_at: Option<i64>,
    /// Its duration: (seconds, business seconds).
    pub resolution: Option<(i64, i64)>,
    /// Template messages Meta charged in the range.
    pub charged: i64,
    /// Their cost at the owner's rates (millionths).
    pub cost_micro: i64,
}

/// The rows of `range`, by conversation id.
pub(super) fn conversations(conn: &Connection, range: &Range) -> Result<Vec<ConversationRow>> {
    let (from, to) = range.secs();
    let mut rows: BTreeMap<i64, ConversationRow> = BTreeMap::new();
    for e in q::conversation_events(conn, from, to)? {
        let row = rows
            .entry(e.conversation)
            .or_insert_with(|| ConversationRow {
                id: e.conversation,
                ..ConversationRow::default()
            });
        match e.kind.as_str() {
            "opened" | "reopened" => {
                row.opened_at = row.opened_at.or(Some(e.at));
            }
            "first_response" => row.first_response = row.first_response.or(e.seconds),
            _ => {
                row.resolved_at = Some(e.at);
                row.resolution = e.seconds;
            }
        }
    }
    let rates = db::campaigns::rates::list(conn)?;
    let charged = q::charged_by_conversation(conn, from, to)?;
    for (id, _, _) in &charged {
        rows.entry(*id).or_insert_with(|| ConversationRow {
            id: *id,
            ..ConversationRow::default()
        });
    }
    for row in rows.values_mut() {
        if let Some(p) = q::conversation_people(conn, row.id)? {
            row.contact = p.contact;
            row.phone = p.phone.unwrap_or_default();
            row.agent = p.agent.unwrap_or_default();
            row.tags = p.tags;
        }
    }
    for (id, category, n) in charged {
        if let Some(row) = rows.get_mut(&id) {
            let market = market_of(Some(row.phone.as_str()).filter(|p| !p.is_empty()));
            row.charged += n;
            row.cost_micro += n * rate_for(&rates, market, &category).unwrap_or(0);
        }
    }
    Ok(rows.into_values().collect())
}
