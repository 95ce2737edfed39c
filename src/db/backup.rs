//! Backups: the consistent snapshot of a live database (`VACUUM INTO`, one read transaction;
//! writers carry on), the checks a snapshot or restored file must pass, and the record of
//! backup runs (`backups`).

use super::{Result, from_ts, to_ts};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::path::Path;
use std::time::Duration;
use time::OffsetDateTime;

/// Writes a consistent copy of the database at `src` into `dst`, which must not exist (it is
/// created readable by this user only). Runs on its own connection, so it works beside a server
/// in another process as well as inside one.
pub fn snapshot(src: &Path, dst: &Path, busy: Duration) -> Result<()> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    opts.open(dst)
        .map_err(|e| super::Error::Task(format!("cannot create {}: {e}", dst.display())))?;
    let conn = Connection::open_with_flags(
        src,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(busy)?;
    // A big page cache, but no memory map of the live file: another process truncating it
    // (`flowcrm compact`) would crash this one.
    conn.execute_batch("PRAGMA cache_size = -65536;")?;
    let target = dst.to_string_lossy().into_owned();
    conn.execute("VACUUM INTO ?1", [target])?;
    Ok(())
}

/// Rebuilds the database file at `path` from its live content (`VACUUM`), then empties its WAL.
/// A restore runs it on the restored copy after re-applying erasures, before anyone uses it:
/// deleting rows zeroes them (`secure_delete`), but a b-tree rebalance can leave stale copies
/// of moved cells in a page's unused space, and only a rebuild drops those.
pub fn compact(path: &Path, busy: Duration) -> Result<()> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(busy)?;
    conn.execute_batch("PRAGMA secure_delete = ON; VACUUM;")?;
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// The schema version of the database file at `path` (migrations applied), read-only.
pub fn schema_of(path: &Path) -> Result<Option<i64>> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    super::migrate::db_schema_version(&conn)
}

/// What a database file looks like from the inside.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheck {
    /// `PRAGMA integrity_check`'s findings; empty when the file is sound.
    pub problems: Vec<String>,
    /// Its schema version (migrations applied), if it has any.
    pub schema: Option<i64>,
}

/// Runs `PRAGMA integrity_check` on the database file at `path` (opened read-only) and reads
/// its schema version.
pub fn check_file(path: &Path) -> Result<FileCheck> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    // The file is private and nobody else writes it: map it and give the check a big cache,
    // which halves its time on a large database.
    conn.execute_batch("PRAGMA mmap_size = 4294967296; PRAGMA cache_size = -65536;")?;
    let mut stmt = conn.prepare("PRAGMA integrity_check")?;
    let mut problems: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<_>>()?;
    problems.retain(|p| p != "ok");
    Ok(FileCheck {
        problems,
        schema: super::migrate::db_schema_version(&conn)?,
    })
}

/// One backup attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Row id.
    pub id: i64,
    /// When it started.
    pub started_at: OffsetDateTime,
    /// When it ended (none while running).
    pub finished_at: Option<OffsetDateTime>,
    /// What started it: `schedule`, `button`, `signal` or `cli`.
    pub trigger: String,
    /// Whether it succeeded (none while running).
    pub ok: Option<bool>,
    /// The archive written.
    pub file: Option<String>,
    /// Its size.
    pub bytes: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
}

const COLUMNS: &str = "id, started_at, finished_at, trigger, ok, file, bytes, error";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        id: r.get(0)?,
        started_at: from_ts(r.get(1)?),
        finished_at: r.get::<_, Option<i64>>(2)?.map(from_ts),
        trigger: r.get(3)?,
        ok: r.get(4)?,
        file: r.get(5)?,
        bytes: r.get(6)?,
        error: r.get(7)?,
    })
}

/// Records that a backup started.
pub fn start(conn: &Connection, trigger: &str, now: OffsetDateTime) -> Result<i64> {
    let sql = "INSERT INTO backups (started_at, trigger) VALUES (?1, ?2)";
    conn.prepare_cached(sql)?
        .execute(params![to_ts(now), trigger])?;
    Ok(conn.last_insert_rowid())
}

/// Records how backup `id` ended: the archive and its size, or the error.
pub fn finish(
    conn: &Connection,
    id: i64,
    outcome: std::result::Result<(&str, u64), &str>,
    now: OffsetDateTime,
) -> Result<()> {
    let sql = "UPDATE backups SET finished_at = ?2, ok = ?3, file = ?4, bytes = ?5, error = ?6
               WHERE id = ?1";
    let (ok, file, bytes, error) = match outcome {
        Ok((file, bytes)) => (true, Some(file), i64::try_from(bytes).ok(), None),
        Err(e) => (false, None, None, Some(e)),
    };
    conn.prepare_cached(sql)?
        .execute(params![id, to_ts(now), ok, file, bytes, error])?;
    Ok(())
}

/// Marks runs still open that started before `before` as failed: their process stopped
/// (a restart, a kill) before it could say how they ended. Returns how many.
pub fn abandon_stale(
    conn: &Connection,
    before: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<usize> {
    let sql = "UPDATE backups SET ok = 0, finished_at = ?2,
                      error = 'interrupted: the process stopped before the backup finished'
               WHERE ok IS NULL AND started_at < ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![to_ts(before), to_ts(now)])?)
}

/// The newest successful backup.
pub fn last_ok(conn: &Connection) -> Result<Option<Run>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM backups WHERE ok = 1 ORDER BY finished_at DESC, id DESC LIMIT 1"
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([], from_row)
        .optional()?)
}

/// The newest attempts, newest first.
pub fn recent(conn: &Connection, limit: u32) -> Result<Vec<Run>> {
    let sql = format!("SELECT {COLUMNS} FROM backups ORDER BY id DESC LIMIT ?1");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_snapshot_of_a_live_database_is_sound_and_private() {
        let (db, dir) = crate::db::testing::temp_db();
        drop(db);
        let src = dir.path().join("test.db");
        let dst = dir.path().join("copy.db");
        snapshot(&src, &dst, Duration::from_secs(1)).expect("snapshot");
        let check = check_file(&dst).expect("check");
        assert!(check.problems.is_empty(), "{:?}", check.problems);
        assert_eq!(check.schema, Some(crate::db::binary_schema_version()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&dst).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert!(
            snapshot(&src, &dst, Duration::from_secs(1)).is_err(),
            "never overwrites"
        );
    }

    #[test]
    fn runs_record_success_and_failure() {
        let conn = crate::db::testing::memory();
        let t = OffsetDateTime::UNIX_EPOCH + time::Duration::days(20_000);
        let a = start(&conn, "schedule", t).expect("start");
        finish(&conn, a, Ok(("/b/one.fcb", 10)), t).expect("finish");
        let b = start(&conn, "button", t).expect("start");
        finish(&conn, b, Err("disk full"), t).expect("finish");
        assert_eq!(last_ok(&conn).expect("last").map(|r| r.id), Some(a));
        let all = recent(&conn, 5).expect("recent");
        assert_eq!(all[0].error.as_deref(), Some("disk full"));
        assert_eq!(all[0].ok, Some(false));
        let c = start(&conn, "cli", t).expect("start");
        let later = t + time::Duration::hours(7);
        assert_eq!(
            abandon_stale(&conn, t, later).expect("none"),
            0,
            "not older than the cut"
        );
        assert_eq!(
            abandon_stale(&conn, later - time::Duration::hours(6), later).expect("one"),
            1
        );
        let run = recent(&conn, 1).expect("recent").remove(0);
        assert_eq!((run.id, run.ok), (c, Some(false)));
        assert!(run.error.unwrap_or_default().starts_with("interrupted"));
    }
}
