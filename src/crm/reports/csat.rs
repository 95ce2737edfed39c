//! The optional satisfaction survey (CSAT): when it is on, resolving a conversation while the
//! customer's 24-hour window is open sends them a list message asking for a rating from 1 to 5
//! (WhatsApp allows three reply buttons, so the five choices are list rows). Their choice
//! is stored against the request and the person who resolved it; it neither reopens the
//! conversation nor counts as a new customer message in the reports.

use crate::crm::outbound::{self, QueueRequest};
use crate::crm::{Error, Result};
use crate::db::{self, reports::CsatSettings};
use crate::model::report::{RATING_PREFIX, rating};
use crate::model::{Content, ListRow, ListSection, Outbound};
use rusqlite::Connection;
use time::OffsetDateTime;

/// A rating counts for the request it answers this long after it was asked (7 days).
pub const ANSWER_WINDOW_SECS: i64 = 7 * 86_400;

/// Longest question.
pub const MAX_QUESTION: usize = 1024;

const LABELS: [&str; 5] = [
    "1 – Very bad",
    "2 – Bad",
    "3 – OK",
    "4 – Good",
    "5 – Very good",
];

/// The survey message.
#[must_use]
pub fn message(question: &str) -> Outbound {
    Outbound::List {
        header: None,
        body: question.to_string(),
        footer: None,
        button: "Rate us".into(),
        sections: vec![ListSection {
            title: "Your rating".into(),
            rows: LABELS
                .iter()
                .enumerate()
                .map(|(i, l)| ListRow {
                    id: format!("{RATING_PREFIX}{}", i + 1),
                    title: (*l).to_string(),
                    description: None,
                })
                .collect(),
        }],
    }
}

/// After a resolution by `resolver`: asks the customer, when the survey is on and their window
/// is open. Returns whether a question was queued.
pub fn after_resolve(
    conn: &Connection,
    conversation: i64,
    resolver: Option<i64>,
    now: OffsetDateTime,
) -> Result<bool> {
    let settings = db::reports::csat_settings(conn)?;
    if !settings.enabled {
        return Ok(false);
    }
    let Some(c) = db::conversations::get(conn, conversation)? else {
        return Err(Error::NotFound("conversation"));
    };
    if !c.window_open(now) {
        return Ok(false);
    }
    let key = format!("csat:{conversation}:{}", now.unix_timestamp());
    let msg = message(&settings.question);
    let queued = outbound::queue(
        conn,
        &QueueRequest {
            conversation_id: conversation,
            message: &msg,
            reply_to: None,
            idempotency_key: &key,
            author: None,
            by: None,
            confirm_consent: false,
            campaign: None,
        },
        now,
    )?;
    if !queued.duplicate {
        db::reports::csat_asked(conn, conversation, resolver, queued.message_id, now)?;
    }
    Ok(!queued.duplicate)
}

/// Stores a customer's rating on the latest unanswered question of `conversation` asked in the
/// last 7 days; whether `content` was such an answer.
pub fn answered(
    conn: &Connection,
    conversation: i64,
    content: &Content,
    at: OffsetDateTime,
) -> db::Result<bool> {
    let Some(score) = rating(content) else {
        return Ok(false);
    };
    db::reports::csat_answer(conn, conversation, score, at, ANSWER_WINDOW_SECS)
}

/// Checks a survey setting as typed.
///
/// # Errors
/// An empty or too long question.
pub fn check(
    enabled: bool,
    question: &str,
) -> std::result::Result<CsatSettings, Vec<crate::model::FieldError>> {
    let q = question.trim();
    if q.is_empty() || q.chars().count() > MAX_QUESTION {
        return Err(vec![crate::model::FieldError::new(
            "question",
            format!("Write the question in 1 to {MAX_QUESTION} characters."),
        )]);
    }
    Ok(CsatSettings {
        enabled,
        question: q.to_string(),
    })
}
