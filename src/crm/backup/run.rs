//! Taking a backup, pruning old archives, and what Settings and the health check show.

use super::{Settings, Trigger, archive, archive_name, archive_time, key};
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::{Crm, Error, Result};
use crate::db::{self, backup::Run};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;

/// A finished backup.
#[derive(Debug, Clone)]
pub struct Done {
    /// The archive.
    pub file: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// Bytes of the files inside (database and media).
    pub content_bytes: u64,
    /// Media files inside.
    pub media_files: usize,
    /// Wall time.
    pub took: std::time::Duration,
    /// Archives deleted by the keep rule.
    pub pruned: Vec<String>,
}

/// What Settings shows about backups.
#[derive(Debug, Clone)]
pub struct Status {
    /// The newest good backup.
    pub last_ok: Option<Run>,
    /// The newest attempts, newest first.
    pub recent: Vec<Run>,
    /// The schedule (none: on demand only).
    pub schedule: Option<String>,
    /// When it next runs.
    pub next: Option<OffsetDateTime>,
    /// Where archives go.
    pub dir: PathBuf,
    /// The archives there, newest first: name, size, when taken.
    pub archives: Vec<(String, u64, OffsetDateTime)>,
    /// Whether a backup is running in this server now.
    pub running: bool,
}

/// A health summary: the newest good backup's time and whether the last attempt failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Health {
    /// When the newest good backup finished.
    pub last_ok: Option<OffsetDateTime>,
    /// Whether the newest attempt failed.
    pub failing: bool,
}

const ALERT_TOPIC: &str = "backup";

fn private_dir(dir: &Path) -> std::io::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
}

/// Removes a file when dropped (the plaintext snapshot, a partial archive).
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if let Err(e) = std::fs::remove_file(&self.0)
            && e.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(file = %self.0.display(), error = %e, "could not remove a backup scratch file");
        }
    }
}

/// Snapshot, check, encrypt, publish. Blocking.
fn make(
    s: &Settings,
    now: OffsetDateTime,
) -> std::result::Result<(PathBuf, archive::Manifest, u64), String> {
    let name = archive_name(now);
    private_dir(&s.dir).map_err(|e| format!("cannot create {}: {e}", s.dir.display()))?;
    let key = key::load_or_create(&s.key_path).map_err(|e| e.to_string())?;
    private_dir(&s.scratch_dir)
        .map_err(|e| format!("cannot create {}: {e}", s.scratch_dir.display()))?;
    let snapshot = Scratch(s.scratch_dir.join(format!(".{name}.snapshot.db")));
    let partial = Scratch(s.dir.join(format!(".{name}.partial")));
    let created_at = now
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let started = std::time::Instant::now();
    // Two threads, so the snapshot and its check overlap the media files' hashing and
    // encryption: this one streams the media, then the snapshot once it exists, while the
    // other takes the snapshot and then runs integrity_check on it.
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::result::Result<i64, String>>();
    let (written, check) = std::thread::scope(|scope| {
        let checker = scope.spawn(|| -> std::result::Result<Vec<String>, String> {
            let taken = db::backup::snapshot(&s.db_path, &snapshot.0, s.busy)
                .and_then(|()| db::backup::schema_of(&snapshot.0))
                .map_err(|e| format!("the database snapshot failed: {e}"));
            let failed = taken.is_err();
            let _ = ready_tx.send(taken.map(|v| v.unwrap_or(0)));
            if failed {
                return Ok(Vec::new());
            }
            tracing::debug!(ms = started.elapsed().as_millis(), "snapshot taken");
            db::backup::check_file(&snapshot.0)
                .map(|c| c.problems)
                .map_err(|e| format!("cannot check the snapshot: {e}"))
        });
        let written = archive::write(&partial.0, &key, &s.media_dir, || {
            let schema = ready_rx
                .recv()
                .map_err(|_| std::io::Error::other("the snapshot thread stopped"))?
                .map_err(std::io::Error::other)?;
            Ok((
                snapshot.0.clone(),
                archive::Info {
                    schema,
                    created_at: created_at.clone(),
                },
            ))
        });
        let check = checker
            .join()
            .unwrap_or_else(|_| Err("the snapshot check panicked".into()));
        (written, check)
    });
    let problems = check?;
    let (manifest, bytes) = written.map_err(|e| format!("writing the archive failed: {e}"))?;
    if !problems.is_empty() {
        return Err(format!(
            "the snapshot fails PRAGMA integrity_check: {}",
            problems.join("; ")
        ));
    }
    tracing::info!(
        ms = started.elapsed().as_millis(),
        "backup written and checked"
    );
    let dest = s.dir.join(&name);
    // A hard link publishes the finished archive without ever replacing one.
    std::fs::hard_link(&partial.0, &dest)
        .map_err(|e| format!("cannot publish {}: {e}", dest.display()))?;
    drop(partial);
    if let Ok(d) = std::fs::File::open(&s.dir) {
        let _ = d.sync_all();
    }
    Ok((dest, manifest, bytes))
}

/// How old a run, a partial archive or a plaintext snapshot must be before it counts as left
/// behind by a process that stopped (a backup of a small business's data takes minutes).
const STALE: time::Duration = time::Duration::hours(6);

/// Removes what a backup that was killed left behind: the plaintext snapshot beside the
/// database (customer data outside the database file) and the partial archive. Only files
/// older than [`STALE`], so a backup running in another process is left alone.
fn remove_leftovers(s: &Settings) -> usize {
    let cutoff = std::time::SystemTime::now()
        .checked_sub(std::time::Duration::from_hours(6))
        .unwrap_or(std::time::UNIX_EPOCH);
    let mut n = 0;
    for (dir, suffix) in [(&s.scratch_dir, ".snapshot.db"), (&s.dir, ".partial")] {
        for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let ours = name.starts_with(".flowcrm-") && name.ends_with(suffix);
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t < cutoff);
            if ours && old && std::fs::remove_file(e.path()).is_ok() {
                tracing::warn!(file = %e.path().display(), "removed what an interrupted backup left behind");
                n += 1;
            }
        }
    }
    n
}

/// The archives in `dir`, newest first.
fn archives(dir: &Path) -> Vec<(String, u64, OffsetDateTime)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let at = archive_time(&name)?;
            Some((name, e.metadata().ok()?.len(), at))
        })
        .collect();
    out.sort_by_key(|a| std::cmp::Reverse(a.2));
    out
}

/// Deletes the archives the keep rule lets go; returns their names.
fn prune(s: &Settings) -> Vec<String> {
    let all = archives(&s.dir);
    let times: Vec<OffsetDateTime> = all.iter().map(|a| a.2).collect();
    let mut gone = Vec::new();
    for i in crate::model::schedule::prune(&times, &s.zone, s.keep_daily, s.keep_weekly) {
        let path = s.dir.join(&all[i].0);
        match std::fs::remove_file(&path) {
            Ok(()) => gone.push(all[i].0.clone()),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "could not prune an old backup");
            }
        }
    }
    gone
}

impl Crm {
    fn backup_settings(&self) -> Result<std::sync::Arc<Settings>> {
        self.backup
            .clone()
            .ok_or_else(|| Error::Conflict("Backups are not set up in this process.".into()))
    }

    /// Takes a backup now (admins; the schedule, the signal and the CLI act as admin). One at a
    /// time per server. A failure is recorded, raises the backup alert and is returned.
    #[tracing::instrument(skip_all, fields(trigger = trigger.as_str()), err(Display))]
    pub async fn backup_now(&self, who: Who, trigger: Trigger) -> Result<Done> {
        access::require(who, AdminAction::Backups)?;
        let settings = self.backup_settings()?;
        let Ok(_one) = self.backup_lock.try_lock() else {
            return Err(Error::Conflict("A backup is already running.".into()));
        };
        let now = self.clock.now();
        let run = self
            .db
            .write(move |c| -> db::Result<i64> {
                db::backup::abandon_stale(c, now - STALE, now)?;
                db::backup::start(c, trigger.as_str(), now)
            })
            .await?;
        let s = settings.clone();
        let _ = tokio::task::spawn_blocking(move || remove_leftovers(&s)).await;
        let started = std::time::Instant::now();
        let s = settings.clone();
        let made = tokio::task::spawn_blocking(move || make(&s, now))
            .await
            .unwrap_or_else(|e| Err(format!("the backup task failed: {e}")));
        let done = self.clock.now();
        match made {
            Ok((file, manifest, bytes)) => {
                let s = settings.clone();
                let pruned = if s.prune && trigger.prunes() {
                    tokio::task::spawn_blocking(move || prune(&s))
                        .await
                        .unwrap_or_default()
                } else {
                    Vec::new()
                };
                let path = file.display().to_string();
                self.db
                    .write(move |c| -> db::Result<()> {
                        db::backup::finish(c, run, Ok((&path, bytes)), done)?;
                        ALERT.clear(c, done)
                    })
                    .await?;
                Ok(Done {
                    file,
                    bytes,
                    content_bytes: manifest.total_bytes(),
                    media_files: manifest.media_files(),
                    took: started.elapsed(),
                    pruned,
                })
            }
            Err(why) => {
                let detail = why.clone();
                self.db
                    .write(move |c| -> db::Result<()> {
                        db::backup::finish(c, run, Err(&detail), done)?;
                        ALERT.raise(c, &detail, done)
                    })
                    .await?;
                self.mail_wakeup.notify_one();
                Err(Error::Conflict(format!("The backup failed: {why}")))
            }
        }
    }

    /// Backups as Settings shows them (admins).
    pub async fn backup_status(&self, who: Who) -> Result<Status> {
        access::require(who, AdminAction::Backups)?;
        let s = self.backup_settings()?;
        let (last_ok, recent) = self
            .db
            .read(|c| -> db::Result<_> {
                Ok((db::backup::last_ok(c)?, db::backup::recent(c, 10)?))
            })
            .await?;
        let dir = s.dir.clone();
        let archives = tokio::task::spawn_blocking(move || archives(&dir))
            .await
            .unwrap_or_default();
        Ok(Status {
            last_ok,
            recent,
            schedule: s.schedule.as_ref().map(ToString::to_string),
            next: s
                .schedule
                .as_ref()
                .and_then(|c| c.next_after(self.clock.now(), &s.zone)),
            dir: s.dir.clone(),
            archives,
            running: self.backup_lock.try_lock().is_err(),
        })
    }

    /// The newest good backup's time and whether the last attempt failed (for `/healthz`).
    pub async fn backup_health(&self) -> Result<Health> {
        let (last_ok, recent) = self
            .db
            .read(|c| -> db::Result<_> { Ok((db::backup::last_ok(c)?, db::backup::recent(c, 1)?)) })
            .await?;
        Ok(Health {
            last_ok: last_ok.and_then(|r| r.finished_at),
            failing: recent.first().is_some_and(|r| r.ok == Some(false)),
        })
    }
}

/// The backup alert (topic `backup`).
const ALERT: crate::crm::alerts::OwnAlert = crate::crm::alerts::OwnAlert {
    topic: ALERT_TOPIC,
    failed: "backup_failed",
    failed_title: "The backup failed",
    ok: "backup_ok",
    ok_title: "Backups work again",
    ok_detail: "The last backup succeeded.",
};
