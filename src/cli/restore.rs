//! `flowcrm restore ARCHIVE [--verify-only]`: decrypts the archive (or copies a plain database
//! file, such as a Litestream restore, which replaces the database only) into a scratch directory
//! beside the database, checks every file's SHA-256 and the snapshot's `integrity_check`,
//! migrates it, checks the master key opens its secrets, re-applies the erasure journal of the
//! database it replaces (or `--erasures-from`), and only then moves the current database and
//! media aside and the restored ones into place. Refuses while a server uses the data
//! directory. `--verify-only` does everything but the swap and keeps nothing.

use crate::app;
use crate::config::Loaded;
use crate::crm::Crm;
use crate::crm::backup::archive::{self, Extract};
use crate::crm::backup::key;
use crate::db::{self, Db};
use crate::vault::Vault;
use anyhow::{Context, bail};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What `flowcrm restore` was asked.
#[derive(Debug)]
pub(super) struct Restore {
    pub archive: PathBuf,
    pub verify_only: bool,
    pub key_file: Option<PathBuf>,
    pub erasures_from: Option<PathBuf>,
}

/// The scratch directory; removed unless its contents were moved into place.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        if self.0.exists()
            && let Err(e) = std::fs::remove_dir_all(&self.0)
        {
            eprintln!("flowcrm: could not remove {}: {e}", self.0.display());
        }
    }
}

fn stamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{}{:02}{:02}T{:02}{:02}{:02}Z",
        now.year(),
        u8::from(now.month()),
        now.day(),
        now.hour(),
        now.minute(),
        now.second()
    )
}

pub(super) async fn run(loaded: &Loaded, r: Restore) -> anyhow::Result<()> {
    let config = &loaded.config;
    let db_path = config.db_path();
    let home = db_path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    app::create_private_dir(&home)?;
    // Held to the end: no server may start on a half-swapped directory.
    let _lock = if r.verify_only {
        None
    } else {
        Some(app::lock_data_dir(config).context("restore refused")?)
    };
    if !r.verify_only {
        remove_dead_scratch(&home);
    }
    let prefix = if r.verify_only { ".verify" } else { ".restore" };
    let scratch = Scratch(home.join(format!("{prefix}-{}", stamp())));
    app::create_private_dir(&scratch.0)?;
    let plain = is_sqlite(&r.archive)?;
    let schema = if plain {
        copy_database(&r.archive, &scratch.0).await?
    } else {
        unpack(config, &r, &scratch.0).await?
    };
    let restored = scratch.0.join(archive::DB_PART);
    prepare(
        loaded,
        &restored,
        &scratch.0,
        schema,
        r.erasures_from.as_deref(),
    )
    .await?;
    if r.verify_only {
        println!(
            "verified: {} is restorable (nothing was changed)",
            r.archive.display()
        );
        return Ok(());
    }
    let aside = swap(config, &home, &scratch.0, !plain)?;
    println!("restored {} into {}", r.archive.display(), home.display());
    if let Some(aside) = aside {
        eprintln!(
            "what was replaced is in {}; delete that folder once the restored install works",
            aside.display()
        );
    }
    Ok(())
}

/// `flowcrm compact`: with the server stopped (the data directory's lock), rebuilds the
/// database from its live rows. Erasing zeroes deleted rows, but a b-tree rebalance can leave
/// stale copies of moved cells in a page's unused space; only a rebuild drops those.
pub(super) async fn compact(loaded: &Loaded) -> anyhow::Result<()> {
    let config = &loaded.config;
    let _lock = app::lock_data_dir(config).context("compact refused")?;
    app::refuse_interrupted_restore(config)?;
    let path = config.db_path();
    let before = std::fs::metadata(&path)?.len();
    let started = std::time::Instant::now();
    let p = path.clone();
    tokio::task::spawn_blocking(move || db::backup::compact(&p, Duration::from_secs(5))).await??;
    let after = std::fs::metadata(&path)?.len();
    println!(
        "compacted {} in {:.1} s: {} MB -> {} MB",
        path.display(),
        started.elapsed().as_secs_f64(),
        before / 1_048_576,
        after / 1_048_576
    );
    Ok(())
}

/// Removes scratch folders (decrypted customer data) that a killed restore left: every
/// `.restore-*` (this restore holds the lock, so no other one runs) and `.verify-*` older than
/// a day.
fn remove_dead_scratch(home: &Path) {
    let day_ago = std::time::SystemTime::now()
        .checked_sub(Duration::from_hours(24))
        .unwrap_or(std::time::UNIX_EPOCH);
    for e in std::fs::read_dir(home).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .is_ok_and(|t| t < day_ago);
        if (name.starts_with(".restore-") || (name.starts_with(".verify-") && old))
            && std::fs::remove_dir_all(e.path()).is_ok()
        {
            eprintln!(
                "removed {}, left by an interrupted restore",
                e.path().display()
            );
        }
    }
}

/// Whether `path` is a plain SQLite database (a Litestream restore, a copy of `flowcrm.db`)
/// rather than a backup archive.
fn is_sqlite(path: &Path) -> anyhow::Result<bool> {
    use std::io::Read;
    let mut head = [0u8; 16];
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let n = f.read(&mut head)?;
    Ok(n == 16 && &head == b"SQLite format 3\0")
}

/// Copies a plain database file into the scratch folder; returns its schema version. Media
/// files are not in it: the current media folder stays.
async fn copy_database(from: &Path, scratch: &Path) -> anyhow::Result<i64> {
    eprintln!(
        "{} is a database file (a Litestream restore or a copy): restoring the database only; the media folder stays as it is",
        from.display()
    );
    let (from, to) = (from.to_path_buf(), scratch.join(archive::DB_PART));
    tokio::task::spawn_blocking(move || -> anyhow::Result<i64> {
        let mut src = std::fs::File::open(&from)?;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        std::io::copy(&mut src, &mut opts.open(&to)?)?;
        Ok(db::backup::check_file(&to)?.schema.unwrap_or(0))
    })
    .await?
}

/// Decrypts and checks an archive into the scratch folder (only the database with
/// `--verify-only`); returns its schema version.
async fn unpack(
    config: &crate::config::Config,
    r: &Restore,
    scratch: &Path,
) -> anyhow::Result<i64> {
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let key_path = r
        .key_file
        .clone()
        .unwrap_or_else(|| config.backup_key_path(creds.as_deref()));
    let backup_key = key::load(&key_path)?;
    let (archive_path, dir) = (r.archive.clone(), scratch.to_path_buf());
    let verify_only = r.verify_only;
    eprintln!("reading {} …", r.archive.display());
    let manifest = tokio::task::spawn_blocking(move || {
        let into = if verify_only {
            Extract::Database(&dir)
        } else {
            Extract::Everything(&dir)
        };
        archive::read(&archive_path, &backup_key, into)
    })
    .await?
    .with_context(|| format!("{} cannot be restored", r.archive.display()))?;
    eprintln!(
        "archive checked: {} files ({} media), {} bytes, every SHA-256 matches; taken {} by FlowCRM {} (schema v{})",
        manifest.parts.len(),
        manifest.media_files(),
        manifest.total_bytes(),
        manifest.created_at,
        manifest.flowcrm,
        manifest.schema
    );
    Ok(manifest.schema)
}

/// Checks, migrates and re-applies the erasure journal to the restored database.
async fn prepare(
    loaded: &Loaded,
    restored: &Path,
    scratch: &Path,
    schema: i64,
    erasures_from: Option<&Path>,
) -> anyhow::Result<()> {
    if schema > db::binary_schema_version() {
        bail!(
            "this backup has schema v{schema}, newer than this FlowCRM (v{}); restore it with that FlowCRM version or newer",
            db::binary_schema_version()
        );
    }
    let path = restored.to_path_buf();
    let check = tokio::task::spawn_blocking(move || db::backup::check_file(&path)).await??;
    if !check.problems.is_empty() {
        bail!(
            "the backup's database fails PRAGMA integrity_check: {}",
            check.problems.join("; ")
        );
    }
    eprintln!("integrity_check: ok");
    let opts = db::Options {
        path: restored.to_path_buf(),
        readers: 2,
        busy_timeout: Duration::from_secs(5),
    };
    let (rdb, report) = tokio::task::spawn_blocking(move || Db::open(&opts)).await??;
    for m in &report.applied {
        eprintln!("migrated: {m}");
    }
    let result = reapply(loaded, &rdb, scratch, erasures_from).await;
    rdb.close().await;
    if result? > 0 {
        // Erased rows are zeroed, but stale copies of moved cells can sit in unused page
        // space; the restored copy is rebuilt from live content before anyone uses it.
        let path = restored.to_path_buf();
        tokio::task::spawn_blocking(move || db::backup::compact(&path, Duration::from_secs(5)))
            .await??;
        eprintln!("the restored database was rebuilt (VACUUM) so no trace of them is left");
    }
    Ok(())
}

/// Re-applies the erasure journal from the database being replaced (or `erasures_from`).
async fn reapply(
    loaded: &Loaded,
    rdb: &Db,
    scratch: &Path,
    erasures_from: Option<&Path>,
) -> anyhow::Result<usize> {
    let config = &loaded.config;
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(PathBuf::from);
    let clock = app::system_clock();
    let vault = Vault::open(
        rdb,
        &config.master_key_path(creds.as_deref()),
        clock.clone(),
    )
    .await
    .context("the master key does not open the backup's secrets")?;
    let source = erasures_from.map_or_else(|| config.db_path(), Path::to_path_buf);
    if !source.exists() {
        if erasures_from.is_some() {
            bail!("{} does not exist", source.display());
        }
        eprintln!(
            "no current database at {}: there are no later erasures to re-apply",
            source.display()
        );
        return Ok(0);
    }
    let src = source.clone();
    let (journal, sealed) = tokio::task::spawn_blocking(move || {
        db::subject::journal::read_file(&src, Vault::ERASURE_KEY_NAME)
    })
    .await?
    .with_context(|| {
        format!(
            "cannot read the erasure journal from {}; pass --erasures-from with another copy of the database (a Litestream replica)",
            source.display()
        )
    })?;
    let Some(sealed) = sealed else {
        eprintln!("the current database has no erasure journal yet: nothing to re-apply");
        return Ok(0);
    };
    let key = vault
        .unseal_erasure_key(&sealed)
        .context("the erasure journal's key does not open with this master key")?;
    if *vault.erasure_key() != key {
        vault.adopt_erasure_key(sealed).await?;
    }
    let mut crm = Crm::new(
        rdb.clone(),
        clock,
        scratch.join("media"),
        config.crm.default_region.clone(),
    );
    crm.erased_orders = config.privacy.erased_orders;
    crm.erasure_key = Some(std::sync::Arc::new(key));
    let done = crm.reapply_erasures(journal, key).await?;
    eprintln!(
        "erasure journal of {}: {} erasure(s) newer than the backup, {} contact(s) with {} message(s) erased again",
        source.display(),
        done.erasures,
        done.contacts,
        done.messages
    );
    Ok(done.contacts)
}

fn rename(from: &Path, to: &Path) -> anyhow::Result<()> {
    std::fs::rename(from, to)
        .with_context(|| format!("cannot move {} to {}", from.display(), to.display()))
}

/// Moves the current database (with its WAL) and media aside, then the restored ones into
/// place; returns where the old ones went (none when there were none).
fn swap(
    config: &crate::config::Config,
    home: &Path,
    scratch: &Path,
    with_media: bool,
) -> anyhow::Result<Option<PathBuf>> {
    let db_path = config.db_path();
    let media = config.media_dir();
    let mut old: Vec<PathBuf> = ["", "-wal", "-shm"]
        .iter()
        .map(|suffix| PathBuf::from(format!("{}{suffix}", db_path.display())))
        .collect();
    if with_media {
        old.push(media.clone());
    }
    old.retain(|p| p.exists());
    let aside_dir = home.join(format!("pre-restore-{}", stamp()));
    // Until the swap is done a server refuses to start here (a crash in between would leave
    // half of each); running the restore again finishes it.
    let marker = app::restore_marker(config);
    std::fs::write(
        &marker,
        format!("the data it replaces was moved to {}", aside_dir.display()),
    )
    .and_then(|()| std::fs::File::open(&marker)?.sync_all())
    .with_context(|| format!("cannot write {}", marker.display()))?;
    let aside = if old.is_empty() {
        None
    } else {
        let aside = aside_dir;
        app::create_private_dir(&aside)?;
        for p in &old {
            let name = p
                .file_name()
                .map(std::ffi::OsStr::to_os_string)
                .unwrap_or_default();
            rename(p, &aside.join(name))?;
        }
        Some(aside)
    };
    rename(&scratch.join(archive::DB_PART), &db_path)?;
    let restored_media = scratch.join("media");
    if with_media && restored_media.exists() {
        rename(&restored_media, &media)?;
    } else {
        app::create_private_dir(&media)?;
    }
    std::fs::remove_file(&marker).with_context(|| format!("cannot remove {}", marker.display()))?;
    Ok(aside)
}
