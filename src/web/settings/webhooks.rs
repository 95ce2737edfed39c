//! The settings page panel about Meta's webhook: its address, recent account events and dead letters.

use crate::app::AppState;
use crate::db;
use crate::web::error::Result;

/// A webhook problem or account event for admins.
pub struct WebhookRow {
    pub(super) when: String,
    pub(super) what: String,
    pub(super) detail: String,
}

/// Webhook health for admins.
#[derive(Default)]
pub struct WebhookPanel {
    pub(super) payloads: i64,
    pub(super) events: i64,
    pub(super) dead_letters: Vec<WebhookRow>,
    pub(super) account_events: Vec<WebhookRow>,
    /// Account alerts in force.
    pub(super) alerts: Vec<super::AlertLine>,
}

pub(super) async fn webhook_panel(
    state: &AppState,
    who: crate::crm::access::Who,
    zone: &crate::model::Zone,
) -> Result<WebhookPanel> {
    let alerts = super::lines(state.crm.alerts_in_force(who).await?, zone);
    let (counts, dead, events) = state
        .db
        .read(|c| -> crate::db::Result<_> {
            Ok((
                db::webhook_log::counts(c)?,
                db::webhook_log::recent_dead_letters(c, 10)?,
                db::webhook_log::recent_events(c, 10)?,
            ))
        })
        .await?;
    Ok(WebhookPanel {
        alerts,
        payloads: counts.0,
        events: counts.1,
        dead_letters: dead
            .into_iter()
            .map(|d| WebhookRow {
                when: crate::web::when::stamp(zone, d.received_at),
                what: d.error,
                detail: format!("{} bytes", d.size),
            })
            .collect(),
        account_events: events
            .into_iter()
            .map(|(at, field, value)| WebhookRow {
                when: crate::web::when::stamp(zone, at),
                what: field,
                detail: value.chars().take(200).collect(),
            })
            .collect(),
    })
}
