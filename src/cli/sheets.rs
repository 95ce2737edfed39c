//! `flowcrm sheets sync [--dry-run]`, `flowcrm sheets status` and `flowcrm sheets check`: the
//! same use case as the schedule and the Settings button (`crm::sheets`), so system cron or a
//! timer can drive the sync too. Safe while the server runs: runs never overlap (a lease in
//! the database).

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm::access::Who;
use crate::crm::sheets::Trigger;
use clap::Subcommand;

/// Sheets subcommands.
#[derive(Debug, Subcommand)]
pub enum SheetsCommand {
    /// Sync contacts and orders with the spreadsheet now.
    Sync {
        /// Only work out what would change; write nothing to the sheet or FlowCRM.
        #[arg(long)]
        dry_run: bool,
    },
    /// The setup, the last runs and the next one.
    Status,
    /// Test each setup step (key, spreadsheet, access, tabs) and run the first sync.
    Check,
}

pub(super) async fn run(loaded: &Loaded, cmd: SheetsCommand) -> anyhow::Result<()> {
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let result = async {
        match cmd {
            SheetsCommand::Sync { dry_run } => sync(&state, dry_run).await,
            SheetsCommand::Status => status(&state).await,
            SheetsCommand::Check => check(&state).await,
        }
    }
    .await;
    state.db.close().await;
    result
}

async fn sync(state: &AppState, dry_run: bool) -> anyhow::Result<()> {
    let account = app::sheets_account(&state.config, &state.vault).await?;
    eprintln!(
        "syncing with Google Sheets{}…",
        if dry_run { " (dry run)" } else { "" }
    );
    let o = state
        .crm
        .sheets_sync(Who::system(), account, Trigger::Cli, dry_run)
        .await?;
    let r = &o.run;
    let verb = if dry_run { "would be " } else { "" };
    println!(
        "rows {verb}added {}, {verb}updated {}, {verb}deleted {}; values {verb}read back {}, skipped {}; {} requests",
        r.added, r.updated, r.deleted, r.read_back, r.skipped, r.requests
    );
    if !r.log.is_empty() {
        print!("{}", r.log);
    }
    Ok(())
}

async fn status(state: &AppState) -> anyhow::Result<()> {
    let s = state.crm.sheets_status(Who::system()).await?;
    match &s.setup {
        Ok(setup) => {
            let id = setup
                .spreadsheet
                .as_ref()
                .map_or("(not set)".into(), ToString::to_string);
            println!("spreadsheet  {id}");
            for t in [&setup.contacts, &setup.orders] {
                let cols = if t.columns.is_empty() {
                    "(not synced)".into()
                } else {
                    t.columns.to_string()
                };
                println!("tab {:<9} {}: {cols}", t.tab.as_str(), t.title);
            }
        }
        Err(why) => println!("setup        needs fixing: {why}"),
    }
    println!(
        "schedule     {}",
        s.schedule.as_deref().unwrap_or("(on demand only)")
    );
    if let Some(n) = s.next {
        println!("next run     {n}");
    }
    if let Some(b) = s.backoff_until {
        println!("backing off  until {b}");
    }
    match &s.last_ok {
        Some(r) => println!(
            "last success {}",
            r.finished_at.map(|t| t.to_string()).unwrap_or_default()
        ),
        None => println!("last success never"),
    }
    for r in &s.recent {
        let outcome = match r.ok {
            Some(true) => "ok",
            Some(false) => "failed",
            None => "running",
        };
        println!(
            "{} {:<8} {:<7} +{} ~{} -{} read back {} skipped {}{}",
            r.started_at.map(|t| t.to_string()).unwrap_or_default(),
            r.trigger,
            outcome,
            r.added,
            r.updated,
            r.deleted,
            r.read_back,
            r.skipped,
            r.error
                .as_deref()
                .map(|e| format!(" — {e}"))
                .unwrap_or_default()
        );
    }
    Ok(())
}

async fn check(state: &AppState) -> anyhow::Result<()> {
    let account = app::sheets_account(&state.config, &state.vault).await?;
    let list = state.crm.sheets_check(Who::system(), account).await?;
    let mut failed = false;
    for s in &list.steps {
        let mark = match s.ok {
            Some(true) => "ok  ",
            Some(false) => "FAIL",
            None => "    ",
        };
        failed |= s.ok == Some(false);
        println!("{mark} {}: {}", s.name, s.detail);
    }
    anyhow::ensure!(!failed, "the setup is not complete");
    Ok(())
}
