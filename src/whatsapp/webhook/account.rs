//! What Meta tells a business about its account, number and templates, classified for the
//! admins: `account_update`, `account_alerts`, `account_review_update`,
//! `business_capability_update`, `phone_number_quality_update`, `phone_number_name_update`,
//! `security`, `message_template_components_update`, errors of a `messages` value that carries
//! no message, and a declined history sync. Alerts of one topic supersede each other.

use super::{Event, array, int, nonempty, text};
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

fn alert(field: &str, event: &str, topic: &str, severity: Severity, title: String) -> Alert {
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

fn when(v: Option<&Value>) -> String {
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
        "account_update" => account_update(&event, v),
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

fn account_update(event: &str, v: &Value) -> Alert {
    let f = "account_update";
    let waba_info = v.get("waba_info");
    match event {
        "ACCOUNT_RESTRICTION" => restriction(event, v),
        "ACCOUNT_VIOLATION" => {
            let kind = text(
                v.get("violation_info")
                    .and_then(|i| i.get("violation_type")),
            )
            .unwrap_or_default();
            let mut a = alert(
                f,
                event,
                "violation",
                Severity::Warning,
                "Meta found a policy violation".into(),
            );
            a.detail = format!("Violation type: {kind}. Repeated violations lead to restrictions.");
            a
        }
        "DISABLED_UPDATE" => ban(event, v),
        "ACCOUNT_DELETED" | "ACCOUNT_OFFBOARDED" => {
            let title = if event == "ACCOUNT_DELETED" {
                "The WhatsApp Business account was deleted"
            } else {
                "The number was disconnected from the Cloud API (offboarded)"
            };
            let mut a = alert(f, event, "account", Severity::Critical, title.into());
            a.blocks_sending = true;
            a.detail = "Nothing can be sent until it is connected again.".into();
            a
        }
        "ACCOUNT_RECONNECTED" => alert(
            f,
            event,
            "account",
            Severity::Info,
            "The number is connected to the Cloud API again".into(),
        ),
        "PARTNER_REMOVED" if v.get("disconnection_info").is_some() => {
            let reason =
                text(v.get("disconnection_info").and_then(|d| d.get("reason"))).unwrap_or_default();
            let mut a = alert(
                f,
                event,
                "account",
                Severity::Critical,
                "The WhatsApp Business app disconnected from FlowCRM".into(),
            );
            a.blocks_sending = true;
            a.detail =
                format!("Reason: {reason}. Connect the number again from Settings → WhatsApp.");
            a
        }
        "PARTNER_CLIENT_CERTIFICATION_STATUS_UPDATE" | "BUSINESS_VERIFICATION_STATUS_UPDATE" => {
            verification(event, v)
        }
        "VOLUME_BASED_PRICING_TIER_UPDATE" => pricing_tier(event, v),
        "AUTH_INTL_PRICE_ELIGIBILITY_UPDATE" => alert(
            f,
            event,
            "pricing",
            Severity::Info,
            "Authentication-international pricing eligibility changed".into(),
        ),
        "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE" => alert(
            f,
            event,
            "business",
            Severity::Info,
            format!(
                "Primary business location set to {}",
                text(v.get("country")).unwrap_or_default()
            ),
        ),
        _ => {
            let mut a = alert(
                f,
                event,
                &format!("account_update:{event}"),
                Severity::Info,
                format!("Account update: {}", event.replace('_', " ").to_lowercase()),
            );
            a.detail = text(waba_info.and_then(|w| w.get("waba_id")))
                .map(|w| format!("WhatsApp Business account {w}"))
                .unwrap_or_default();
            a
        }
    }
}

fn restriction(event: &str, v: &Value) -> Alert {
    let f = "account_update";
    let kinds: Vec<String> = array(v.get("restriction_info"))
        .iter()
        .map(|r| {
            let kind = text(r.get("restriction_type")).unwrap_or_default();
            let what = match kind.as_str() {
                "RESTRICTED_BIZ_INITIATED_MESSAGING" => {
                    "starting conversations (templates) is blocked"
                }
                "RESTRICTED_CUSTOMER_INITIATED_MESSAGING" => "replying to customers is blocked",
                "RESTRICTED_ADD_PHONE_NUMBER_ACTION" => "adding phone numbers is blocked",
                _ => "restricted",
            };
            let until = when(r.get("expiration"));
            format!(
                "{what} ({kind}){}",
                if until.is_empty() {
                    String::new()
                } else {
                    format!(" until {until}")
                }
            )
        })
        .collect();
    let mut a = alert(
        f,
        event,
        "restriction",
        Severity::Critical,
        "The WhatsApp account is restricted".into(),
    );
    a.blocks_sending = true;
    let detail = kinds.join("; ");
    let mut chars = detail.chars();
    a.detail = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    a
}

fn ban(event: &str, v: &Value) -> Alert {
    let f = "account_update";
    let state = text(v.get("ban_info").and_then(|b| b.get("waba_ban_state"))).unwrap_or_default();
    let date = text(v.get("ban_info").and_then(|b| b.get("waba_ban_date"))).unwrap_or_default();
    let (severity, title, blocks) = match state.as_str() {
        "REINSTATE" => (Severity::Info, "The WhatsApp account was reinstated", false),
        "SCHEDULE_FOR_DISABLE" => (
            Severity::Critical,
            "The WhatsApp account is scheduled to be disabled",
            false,
        ),
        _ => (
            Severity::Critical,
            "The WhatsApp account is disabled (banned)",
            true,
        ),
    };
    let mut a = alert(f, event, "account", severity, title.into());
    a.blocks_sending = blocks;
    a.detail = format!("{state} {date}").trim().to_string();
    a
}

fn verification(event: &str, v: &Value) -> Alert {
    let f = "account_update";
    let info = v
        .get("partner_client_certification_info")
        .or_else(|| v.get("business_verification_info"));
    let status = text(info.and_then(|i| i.get("status"))).unwrap_or_default();
    let severity = if status == "REJECTED" || status == "FAILED" {
        Severity::Warning
    } else {
        Severity::Info
    };
    let mut a = alert(
        f,
        event,
        "verification",
        severity,
        format!("Business verification: {}", status.to_lowercase()),
    );
    a.detail = array(info.and_then(|i| i.get("rejection_reasons")))
        .iter()
        .filter_map(|r| text(Some(r)))
        .filter(|r| r != "NONE")
        .collect::<Vec<_>>()
        .join(", ");
    a
}

fn pricing_tier(event: &str, v: &Value) -> Alert {
    let f = "account_update";
    let t = v.get("volume_tier_info");
    let mut a = alert(
        f,
        event,
        "pricing",
        Severity::Info,
        "Pricing tier changed".into(),
    );
    a.detail = format!(
        "{} messages in {}: tier {} from {}",
        text(t.and_then(|x| x.get("pricing_category")))
            .unwrap_or_default()
            .to_lowercase(),
        text(t.and_then(|x| x.get("region"))).unwrap_or_default(),
        text(t.and_then(|x| x.get("tier"))).unwrap_or_default(),
        text(t.and_then(|x| x.get("effective_month"))).unwrap_or_default(),
    );
    a
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
