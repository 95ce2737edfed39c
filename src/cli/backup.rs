//! `flowcrm backup [--out DIR]`, `flowcrm backup list` and `flowcrm backup key show`: the same
//! use case as the schedule, the signal and the Settings button (`crm::backup`), from the
//! machine. Safe while the server runs: the snapshot is one read transaction.

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm::access::Who;
use crate::crm::backup::{Trigger, key};
use clap::Subcommand;
use std::path::PathBuf;

/// Backup subcommands (none: take a backup now).
#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// List the archives in the backup directory and the last runs.
    List,
    /// The backup key.
    #[command(subcommand)]
    Key(KeyCommand),
}

/// `flowcrm backup key …`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Print the backup key (creating it if there is none yet) to keep a copy off this machine.
    Show,
}

fn mb(bytes: u64) -> String {
    #[allow(clippy::cast_precision_loss)]
    let m = bytes as f64 / 1_048_576.0;
    format!("{m:.1} MB")
}

pub(super) async fn run(
    loaded: &Loaded,
    out: Option<PathBuf>,
    cmd: Option<BackupCommand>,
) -> anyhow::Result<()> {
    if let Some(BackupCommand::Key(KeyCommand::Show)) = cmd {
        return show_key(loaded);
    }
    let mut config = loaded.config.clone();
    let copy = out.is_some();
    if let Some(dir) = out {
        config.backup.dir = Some(dir);
    }
    let mut state = AppState::open(config, app::system_clock()).await?;
    if copy && let Some(s) = &state.crm.backup {
        // A copy to another place: that folder is the operator's, nothing there is pruned.
        let mut s = (**s).clone();
        s.prune = false;
        state.crm.backup = Some(std::sync::Arc::new(s));
    }
    let result = match cmd {
        Some(BackupCommand::List) => list(&state).await,
        _ => take(&state).await,
    };
    state.db.close().await;
    result
}

async fn take(state: &AppState) -> anyhow::Result<()> {
    eprintln!("backing up {} …", state.config.db_path().display());
    let d = state.crm.backup_now(Who::system(), Trigger::Cli).await?;
    let shown = std::path::absolute(&d.file).unwrap_or_else(|_| d.file.clone());
    println!("{}", shown.display());
    eprintln!(
        "backup written: {} ({} of data, {} media files) in {:.1} s, encrypted with the backup key",
        mb(d.bytes),
        mb(d.content_bytes),
        d.media_files,
        d.took.as_secs_f64()
    );
    for p in &d.pruned {
        eprintln!("pruned old backup {p}");
    }
    Ok(())
}

async fn list(state: &AppState) -> anyhow::Result<()> {
    let s = state.crm.backup_status(Who::system()).await?;
    println!("backup directory: {}", s.dir.display());
    match (&s.schedule, s.next) {
        (Some(c), Some(next)) => println!(
            "schedule: {c} ({}), next {}",
            state.zone.name(),
            crate::web::when::stamp(&state.zone, next)
        ),
        _ => println!("schedule: off (backup.schedule is empty)"),
    }
    if s.archives.is_empty() {
        println!("no archives yet: run `flowcrm backup`");
    }
    for (name, bytes, _) in &s.archives {
        println!("{name}\t{}", mb(*bytes));
    }
    if let Some(r) = s.recent.iter().find(|r| r.ok == Some(false)) {
        println!(
            "last failure ({}): {}",
            crate::web::when::stamp(&state.zone, r.started_at),
            r.error.as_deref().unwrap_or_default()
        );
    }
    Ok(())
}

fn show_key(loaded: &Loaded) -> anyhow::Result<()> {
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let path = loaded.config.backup_key_path(creds.as_deref());
    let k = key::load_or_create(&path)?;
    let (text, id) = key::show(&k);
    println!("{text}");
    eprintln!(
        "backup key {id} ({}). Store this line somewhere safe and offline (a password manager, \
         paper in a safe): every backup archive needs it to be restored, and it is not inside \
         them. Restore with `flowcrm restore ARCHIVE --key-file FILE` where FILE holds this line.",
        path.display()
    );
    Ok(())
}
