//! `flowcrm reports backfill`: rebuilds every conversation's reporting events from its
//! messages and the audit log's assignments and status changes (what the upgrade to the
//! reports did once), with the business hours in force now. For after changing the business
//! hours, to measure the past with them too.

use crate::app::{self, AppState};
use crate::config::Loaded;
use clap::Subcommand;

/// Reports subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportsCommand {
    /// Rebuild every conversation's reporting events from the stored history.
    Backfill,
}

pub(super) async fn run(loaded: &Loaded, cmd: ReportsCommand) -> anyhow::Result<()> {
    let ReportsCommand::Backfill = cmd;
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    eprintln!("rebuilding the reporting events from every conversation's history…");
    let done = state
        .crm
        .rebuild_reports(&mut |done, total| eprintln!("  {done}/{total} conversations"))
        .await;
    state.db.close().await;
    let b = done?;
    println!(
        "replayed {} conversations into {} reporting events in {:.1} s. Replies sent through the API or by automations, and assignments older than the audit log keeps, are not people's work and are left out, as when they happened.",
        b.conversations,
        b.events,
        std::time::Duration::from_millis(u64::try_from(b.millis).unwrap_or(0)).as_secs_f64()
    );
    Ok(())
}
