//! `account_update` events as admin alerts: restrictions, violations, bans and reinstatements,
//! deletion, offboarding and reconnection, partners, verification and pricing.

use super::account::{Alert, Severity, alert, when};
use super::{array, text};
use serde_json::Value;

pub(super) fn account_update(event: &str, v: &Value) -> Alert {
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
