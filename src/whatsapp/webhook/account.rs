//! What Meta tells a business about its account, number and templates, classified for the
//! admins: `account_update`, `account_alerts`, `account_review_update`,
//! `business_capability_update`, `phone_number_quality_update`, `phone_number_name_update`,
//! `security`, `message_template_components_update`, errors of a `messages` value that carries
//! no message, and a declined history sync. Alerts of one topic supersede each other.

use super::{Event, int, nonempty, text};
use crate::model::MetaError;
use serde_json::Value;

/// How much an alert matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Sending is or will be impossible, or the account is at risk.
    Critical,
    /// Something to act on.
    Warning,
    /// For the record.
    Info,
}

impl Severity {
    /// Stored form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// One alert for the admins.
#[derive(Debug, Clone, PartialEq)]
pub struct Alert {
    /// The webhook field.
    pub field: String,
    /// Meta's event name (`ACCOUNT_RESTRICTION`, `DOWNGRADE` ...).
    pub event: String,
    /// What it is about (`account`, `restriction`, `quality` ...): the newest alert of a topic
    /// is the one in force.
    pub topic: String,
    /// How much it matters.
    pub severity: Severity,
    /// True when the business cannot send (or start conversations) while it is in force.
    pub blocks_sending: bool,
    /// One line.
    pub title: String,
    /// What Meta said, in words.
    pub detail: String,
    /// Unix seconds when it happened, when Meta says.
    pub at: Option<i64>,
    /// The value as received.
    pub value: Value,
}

pub(super) fn alert(
    field: &str,
    event: &str,
    topic: &str,
    severity: Severity,
    title: String,
) -> Alert {
    Alert {
        field: field.into(),
        event: event.into(),
        topic: topic.into(),
        severity,
        blocks_sending: false,
        title,
        detail: String::new(),
        at: None,
        value: Value::Null,
    }
}

pub(super) fn when(v: Option<&Value>) -> String {
    int(v)
        .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
        .map(|t| {
            let f = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
            t.format(f).unwrap_or_default()
        })
        .unwrap_or_default()
}

/// The alert a non-message field carries; `None` for a field that is not an alert.
pub(super) fn alert_of(field: &str, entry_time: Option<i64>, v: &Value) -> Option<Alert> {
    let event = text(v.get("event")).unwrap_or_default();
    let mut a = match field {
        "account_update" => super::account_update::account_update(&event, v),
        "phone_number_quality_update" => quality_update(&event, v),
        "account_alerts" => account_alerts(v),
        "business_capability_update" => {
            let limit = text(v.get("max_daily_conversations_per_business"))
                .or_else(|| text(v.get("max_daily_conversation_per_phone")))
                .unwrap_or_else(|| "unchanged".into());
            let mut a = alert(
                field,
                "CAPABILITY_UPDATE",
                "limit",
                Severity::Info,
                format!("Messaging limit: {limit} customers a day outside open conversations"),
            );
            a.detail = "Meta changed what the business portfolio may send.".into();
            a
        }
        "account_review_update" => {
            let decision = text(v.get("decision")).unwrap_or_default();
            let severity = if decision == "REJECTED" {
                Severity::Critical
            } else {
                Severity::Info
            };
            alert(
                field,
                &decision,
                "review",
                severity,
                format!("Account review: {}", decision.to_lowercase()),
            )
        }
        "phone_number_name_update" => {
            let decision = text(v.get("decision")).unwrap_or_default();
            let name = text(v.get("requested_verified_name")).unwrap_or_default();
            let severity = if decision == "REJECTED" {
                Severity::Warning
            } else {
                Severity::Info
            };
            let mut a = alert(
                field,
                &decision,
                "display_name",
                severity,
                format!("Display name “{name}”: {}", decision.to_lowercase()),
            );
            a.detail = text(v.get("rejection_reason"))
                .filter(|r| r != "NONE")
                .unwrap_or_default();
            a
        }
        "security" => alert(
            field,
            &event,
            "security",
            Severity::Warning,
            format!(
                "Security: {} on {}",
                event.replace('_', " ").to_lowercase(),
                text(v.get("display_phone_number")).unwrap_or_default()
            ),
        ),
        "message_template_components_update" => {
            let id = text(v.get("message_template_id")).unwrap_or_default();
            let name = text(v.get("message_template_name")).unwrap_or_default();
            let lang = text(v.get("message_template_language")).unwrap_or_default();
            let mut a = alert(
                field,
                "COMPONENTS_UPDATE",
                &format!("template:{id}"),
                Severity::Info,
                format!("Template {name} ({lang}) changed at Meta"),
            );
            let parts: Vec<String> = ["title", "element", "footer"]
                .iter()
                .filter_map(|k| nonempty(v.get(format!("message_template_{k}"))))
                .collect();
            a.detail = format!(
                "Now reads: {}. Sync templates to use the new text.",
                parts.join(" · ").trim_end_matches('.')
            );
            a
        }
        _ => return None,
    };
    a.at = a.at.or(entry_time);
    a.value = v.clone();
    Some(a)
}

fn quality_update(event: &str, v: &Value) -> Alert {
    let f = "phone_number_quality_update";
    let number = text(v.get("display_phone_number")).unwrap_or_default();
    let limit = text(v.get("max_daily_conversations_per_business"))
        .or_else(|| text(v.get("current_limit")))
        .unwrap_or_default();
    let (topic, severity, title) = match event {
        "FLAGGED" => (
            "quality",
            Severity::Warning,
            format!("Quality of {number} is low (flagged)"),
        ),
        "UNFLAGGED" => (
            "quality",
            Severity::Info,
            format!("Quality of {number} is back to normal"),
        ),
        "DOWNGRADE" => (
            "limit",
            Severity::Warning,
            format!("Messaging limit of {number} lowered to {limit}"),
        ),
        "UPGRADE" => (
            "limit",
            Severity::Info,
            format!("Messaging limit of {number} raised to {limit}"),
        ),
        _ => (
            "limit",
            Severity::Info,
            format!(
                "Number {number}: {} (limit {limit})",
                event.replace('_', " ").to_lowercase()
            ),
        ),
    };
    let mut a = alert(f, event, topic, severity, title);
    if event == "FLAGGED" {
        a.detail = "Customers blocked or reported recent messages. If quality stays low, the messaging limit drops.".into();
    }
    a
}

fn account_alerts(v: &Value) -> Alert {
    let kind = text(v.get("alert_type")).unwrap_or_default();
    let severity = match text(v.get("alert_severity")).as_deref() {
        Some("CRITICAL") => Severity::Critical,
        Some("WARNING") => Severity::Warning,
        _ => Severity::Info,
    };
    let entity = format!(
        "{} {}",
        text(v.get("entity_type"))
            .unwrap_or_default()
            .to_lowercase()
            .replace('_', " "),
        text(v.get("entity_id")).unwrap_or_default()
    );
    let mut a = alert(
        "account_alerts",
        &kind,
        &format!("alert:{kind}"),
        severity,
        format!(
            "{}: {}",
            entity.trim(),
            kind.replace('_', " ").to_lowercase()
        ),
    );
    a.detail = text(v.get("alert_description")).unwrap_or_default();
    // An alert Meta marks as no longer active is in force as "info" (it ends the topic's alert).
    if text(v.get("alert_status")).as_deref() == Some("NONE") {
        a.severity = Severity::Info;
    }
    a
}

/// Errors of a `messages` value that carries no message: one alert.
pub(super) fn value_errors(errors: &[MetaError], value: &Value) -> Vec<Event> {
    errors
        .iter()
        .map(|e| {
            let mut a = alert(
                "messages.errors",
                &e.code.to_string(),
                "webhook_errors",
                Severity::Warning,
                format!("WhatsApp reported an error: {} ({})", e.title, e.code),
            );
            a.detail = if e.details.is_empty() {
                e.message.clone()
            } else {
                e.details.clone()
            };
            a.value = value.clone();
            Event::Alert(a)
        })
        .collect()
}

/// A history chunk with errors: the business declined to share its chat history (or it failed).
pub(super) fn history_errors(errors: &[MetaError], chunk: &Value) -> Vec<Event> {
    errors
        .iter()
        .map(|e| {
            let mut a = alert(
                "history",
                &e.code.to_string(),
                "history",
                Severity::Info,
                format!("Chat history not imported: {}", e.title),
            );
            a.detail = if e.details.is_empty() {
                e.message.clone()
            } else {
                e.details.clone()
            };
            a.value = chunk.clone();
            Event::Alert(a)
        })
        .collect()
}
