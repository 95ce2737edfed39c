//! `flowcrm retention run [--dry-run]`: applies the retention limits now (the same use case as
//! the hourly job) and prints what went, per kind; `--dry-run` only counts.

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm::retention::Policy;
use clap::Subcommand;

/// Retention subcommands.
#[derive(Debug, Subcommand)]
pub enum RetentionCommand {
    /// Delete what is past its limit now.
    Run {
        /// Only count what would be deleted; change nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

fn limit(days: Option<u32>) -> String {
    days.map_or_else(|| "kept".to_string(), |d| format!("{d} days"))
}

pub(super) async fn run(loaded: &Loaded, cmd: RetentionCommand) -> anyhow::Result<()> {
    let RetentionCommand::Run { dry_run } = cmd;
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let policy = Policy::of(&state.config);
    let started = std::time::Instant::now();
    let report = state.crm.run_retention(policy, dry_run).await;
    state.db.close().await;
    let r = report?;
    let verb = if dry_run { "would remove" } else { "removed" };
    println!(
        "retention ({}): messages {}, media files {}, raw webhook data {} days, audit log {} days",
        if dry_run {
            "dry run, nothing changed"
        } else {
            "applied"
        },
        limit(policy.messages_days),
        limit(policy.media_days),
        policy.raw_payload_days,
        policy.audit_days
    );
    for (what, n) in [
        ("messages", r.messages),
        ("media files", r.media_files),
        ("raw webhook payloads and events", r.raw_payloads),
        ("kept versions of deleted messages", r.deleted_versions),
        ("audit entries", r.audit_entries),
        ("closed data requests", r.requests),
        ("AI summaries", r.ai_summaries),
    ] {
        println!("  {verb} {n:>9} {what}");
    }
    if !dry_run {
        println!("done in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(())
}
