//! Google Sheets sync on `sheets.schedule` (a cron expression in the business's zone). Each
//! tick calls `crm::sheets` like the button and `flowcrm sheets sync` do; the door refuses a
//! run while another holds the lease or while backing off after a 429 or 5xx.

use crate::app::AppState;
use crate::crm::access::Who;
use crate::crm::sheets::Trigger;

/// One scheduled run (also what tests call).
pub async fn run_once(state: &AppState) -> Result<crate::crm::sheets::Outcome, crate::crm::Error> {
    let account = crate::app::sheets_account(&state.config, &state.vault).await?;
    state
        .crm
        .sheets_sync(Who::system(), account, Trigger::Schedule, false)
        .await
}

/// One scheduled run, logged.
async fn report(state: &AppState) {
    match run_once(state).await {
        Ok(o) => tracing::info!(
            added = o.run.added,
            updated = o.run.updated,
            deleted = o.run.deleted,
            read_back = o.run.read_back,
            requests = o.run.requests,
            "google sheets synced"
        ),
        // Not set up yet, another run, backing off: said at debug level; failures Google
        // caused are on record in the run log and the status panel.
        Err(crate::crm::Error::Conflict(why)) => tracing::debug!(%why, "sheets sync skipped"),
        Err(e) => tracing::warn!(error = %e, "google sheets sync failed"),
    }
}

/// Syncs at every time the schedule names while a spreadsheet is set up, until the server
/// stops.
pub async fn scheduled(state: AppState) {
    let Some(rt) = state.crm.sheets.clone() else {
        return;
    };
    let Some(schedule) = rt.schedule.clone() else {
        tracing::info!("scheduled Google Sheets sync is off (sheets.schedule is empty)");
        return;
    };
    super::every(&state, &schedule, &rt.zone, "sheets", || report(&state)).await;
}
