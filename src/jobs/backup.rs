//! Backups on `backup.schedule` (a cron expression in the business's zone) and on SIGUSR1.
//! Both call `crm::backup`; a failure is recorded there (run record, alert, email).

use crate::app::AppState;
use crate::crm::access::Who;
use crate::crm::backup::Trigger;

async fn run(state: &AppState, trigger: Trigger) {
    match state.crm.backup_now(Who::system(), trigger).await {
        Ok(d) => tracing::info!(
            file = %d.file.display(),
            bytes = d.bytes,
            media_files = d.media_files,
            took_ms = d.took.as_millis(),
            pruned = d.pruned.len(),
            "backup written"
        ),
        Err(e) => tracing::error!(error = %e, "backup failed"),
    }
}

/// Runs a backup at every time the schedule names, until the server stops.
pub async fn scheduled(state: AppState) {
    let Some(settings) = state.crm.backup.clone() else {
        return;
    };
    let Some(schedule) = settings.schedule.clone() else {
        tracing::info!("scheduled backups are off (backup.schedule is empty)");
        return;
    };
    super::every(&state, &schedule, &settings.zone, "backup", || {
        run(&state, Trigger::Schedule)
    })
    .await;
}

/// Runs a backup whenever the process gets SIGUSR1 (`systemctl kill -s USR1 flowcrm`).
pub async fn on_signal(state: AppState) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let Ok(mut usr1) = signal(SignalKind::user_defined1()) else {
            tracing::warn!("cannot listen for SIGUSR1; backups run on the schedule and on demand");
            return;
        };
        while usr1.recv().await.is_some() {
            tracing::info!("SIGUSR1: backing up");
            run(&state, Trigger::Signal).await;
        }
    }
    #[cfg(not(unix))]
    drop(state);
}
