//! `[backup]`: where backup archives go, when they are made, how many are kept, and the key.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `[backup]`: where archives go, when they are made and how many are kept.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Directory for the archives (default `<data_dir>/backups`; better another disk).
    pub dir: Option<PathBuf>,
    /// When to back up: a cron expression (minute hour day-of-month month day-of-week) in the
    /// business's time zone; empty turns scheduled backups off.
    pub schedule: String,
    /// How many daily archives to keep (the newest of each of the last N days with one).
    pub keep_daily: u32,
    /// How many weekly archives to keep (the newest of each of the last M weeks with one).
    pub keep_weekly: u32,
    /// The backup key file (default: systemd credential `backup.key`, else
    /// `<data_dir>/backup.key`, created on the first backup).
    pub key_file: Option<PathBuf>,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            dir: None,
            schedule: "0 3 * * *".into(),
            keep_daily: 7,
            keep_weekly: 4,
            key_file: None,
        }
    }
}

impl super::Config {
    /// Directory for backup archives.
    #[must_use]
    pub fn backup_dir(&self) -> PathBuf {
        self.backup
            .dir
            .clone()
            .unwrap_or_else(|| self.server.data_dir.join("backups"))
    }

    /// Backup key path: explicit setting, then systemd credential, then the data dir.
    #[must_use]
    pub fn backup_key_path(&self, credentials_dir: Option<&Path>) -> PathBuf {
        if let Some(p) = &self.backup.key_file {
            return p.clone();
        }
        if let Some(dir) = credentials_dir {
            let p = dir.join("backup.key");
            if p.exists() {
                return p;
            }
        }
        self.server.data_dir.join("backup.key")
    }
}
