//! Backups: one door for every way a backup starts (the schedule, the admin button, SIGUSR1,
//! `flowcrm backup`, the systemd timer) and for what Settings and `/healthz?detail` show. A
//! backup is a `VACUUM INTO` snapshot (webhooks keep being written meanwhile) checked with
//! `integrity_check`, then the snapshot and the media files streamed into one encrypted
//! archive (`archive`, `crypto::stream`) under a temporary name, renamed when complete; then
//! old archives are pruned (N daily, M weekly). A failure raises an account alert (the admin
//! banner, and email to admins when email is set up); the next success clears it. Restoring
//! re-applies the erasure journal (`reapply`).

pub mod archive;
pub mod key;
mod reapply;
mod run;

pub use reapply::Reapplied;
pub use run::{Done, Status};

use crate::model::Zone;
use crate::model::schedule::Schedule;
use std::path::PathBuf;
use std::time::Duration;

/// Where backups come from and go, and how many are kept.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The live database file.
    pub db_path: PathBuf,
    /// The media directory.
    pub media_dir: PathBuf,
    /// Where the snapshot is written before it is encrypted (beside the database, as
    /// private as it is).
    pub scratch_dir: PathBuf,
    /// Where archives go.
    pub dir: PathBuf,
    /// The backup key file (created on the first backup).
    pub key_path: PathBuf,
    /// When (none: only on demand).
    pub schedule: Option<Schedule>,
    /// The business's zone (schedule and pruning days).
    pub zone: Zone,
    /// Daily archives kept.
    pub keep_daily: u32,
    /// Weekly archives kept.
    pub keep_weekly: u32,
    /// Lock wait for the snapshot's connection.
    pub busy: Duration,
    /// Whether scheduled and command-line backups prune `dir` (off for `--out` copies).
    pub prune: bool,
}

/// What started a backup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `backup.schedule`.
    Schedule,
    /// The button in Settings.
    Button,
    /// SIGUSR1 to the server.
    Signal,
    /// `flowcrm backup` (also what the systemd timer runs).
    Cli,
}

impl Trigger {
    /// Whether a backup started this way applies the keep rule afterwards: the routine ones
    /// (the schedule, `flowcrm backup` as the systemd timer runs it) do; an extra one from the
    /// button or SIGUSR1 does not, so it stays until the next routine backup weighs it.
    #[must_use]
    pub fn prunes(self) -> bool {
        matches!(self, Self::Schedule | Self::Cli)
    }

    /// The name stored with the run.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Button => "button",
            Self::Signal => "signal",
            Self::Cli => "cli",
        }
    }
}

/// The archive name for a backup taken at `at`: sortable, UTC.
#[must_use]
pub fn archive_name(at: time::OffsetDateTime) -> String {
    let f = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    let at = at.to_offset(time::UtcOffset::UTC);
    format!("flowcrm-{}.fcb", at.format(&f).unwrap_or_default())
}

/// When an archive with this file name was taken, if it is one of ours.
#[must_use]
pub fn archive_time(name: &str) -> Option<time::OffsetDateTime> {
    let stamp = name.strip_prefix("flowcrm-")?.strip_suffix(".fcb")?;
    let f = time::macros::format_description!("[year][month][day]T[hour][minute][second]Z");
    time::PrimitiveDateTime::parse(stamp, &f)
        .ok()
        .map(time::PrimitiveDateTime::assume_utc)
}
