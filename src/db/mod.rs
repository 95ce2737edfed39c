//! The SQLite store: one writer connection owned by a dedicated thread that commits the work of
//! many callers in one transaction (group commit), and a small pool of read-only connections.
//! All SQL lives in this module's files. Imports `model` only.

pub mod ai;
pub mod alerts;
pub mod api_keys;
pub mod audit;
pub mod backup;
pub mod campaigns;
pub mod consent;
pub mod contact_events;
pub mod contacts;
pub mod conversations;
pub mod custom_fields;
pub mod data_requests;
mod error;
pub mod inbox;
pub mod mail;
pub mod media;
pub mod message_changes;
pub mod messages;
mod migrate;
pub mod notes;
pub mod notify;
pub mod orders;
pub mod outbox;
pub mod reports;
pub mod retention;
pub mod secrets;
pub mod segments;
pub mod sessions;
pub mod settings;
pub mod setup_tokens;
pub mod sheets;
pub mod statuses;
pub mod subject;
pub mod tags;
pub mod templates;
pub mod two_factor;
pub mod user_links;
pub mod users;
pub mod webhook_log;
mod writer;

pub use writer::Checkpoint;

pub use error::{Error, Result};
pub use migrate::{MigrationReport, binary_schema_version};

use rusqlite::{Connection, OpenFlags};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::Semaphore;

/// How to open the store.
#[derive(Debug, Clone)]
pub struct Options {
    /// SQLite file; created when missing.
    pub path: PathBuf,
    /// Number of read-only connections.
    pub readers: u32,
    /// Lock wait before `SQLITE_BUSY`.
    pub busy_timeout: Duration,
}

/// Handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    writer: writer::Handle,
    readers: Mutex<Vec<Connection>>,
    permits: Semaphore,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Db")
    }
}

fn configure(conn: &Connection, busy: Duration) -> rusqlite::Result<()> {
    conn.busy_timeout(busy)?;
    // WAL for concurrent readers; FULL so every acknowledged commit survives power loss;
    // secure_delete so erased rows do not linger in free pages; temp_store in memory so the
    // savepoint journals (one per request, one per webhook event) and sort b-trees never touch a
    // temp file: ~20% of ingest time went to those files, and no customer data lands in /tmp.
    // journal_size_limit: a long reader (a backup's snapshot, Litestream) stops the WAL from
    // being reset, and under load it grew to 350 MB during one backup; without a limit the
    // file keeps that size for good. With it, the file is cut back to 64 MB once a checkpoint
    // has caught up.
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;
         PRAGMA secure_delete = ON;
         PRAGMA temp_store = MEMORY;
         PRAGMA journal_size_limit = 67108864;",
    )
}

impl Db {
    /// Opens (creating if needed) and migrates the database, then starts the writer thread.
    /// Blocking: call at startup or inside `spawn_blocking`.
    pub fn open(opts: &Options) -> Result<(Db, MigrationReport)> {
        let mut conn = Connection::open(&opts.path)?;
        configure(&conn, opts.busy_timeout)?;
        let report = migrate::run(&mut conn)?;
        let writer = writer::Handle::spawn(conn, opts.busy_timeout)?;
        let mut readers = Vec::new();
        for _ in 0..opts.readers.max(1) {
            let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
            let r = Connection::open_with_flags(&opts.path, flags)?;
            configure(&r, opts.busy_timeout)?;
            r.execute_batch("PRAGMA query_only = ON;")?;
            readers.push(r);
        }
        let permits = Semaphore::new(readers.len());
        let inner = Inner {
            writer,
            readers: Mutex::new(readers),
            permits,
        };
        Ok((
            Db {
                inner: Arc::new(inner),
            },
            report,
        ))
    }

    /// Runs `f` on the writer inside a transaction shared with other concurrent writes. Returns
    /// only after that transaction committed; if `f` returns any `Err` (a store error or a use
    /// case's own refusal, whatever its type) or panics, its own changes are rolled back.
    pub async fn write<F, T, E>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        self.inner.writer.submit(f).await
    }

    /// Runs `f` on a read-only connection from the pool, off the async threads. Like `write`,
    /// generic over the closure's error, so a use case can refuse with its own error type.
    pub async fn read<F, T, E>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let _permit = self
            .inner
            .permits
            .acquire()
            .await
            .map_err(|_| E::from(Error::Closed))?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let conn = inner
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()
                .ok_or(E::from(Error::Closed))?;
            let result = f(&conn);
            inner
                .readers
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(conn);
            result
        })
        .await
        .map_err(|e| E::from(Error::Task(e.to_string())))?
    }

    /// Checkpoints the WAL into the database file and truncates it (after an erasure, so no
    /// copy of an erased page stays in the `-wal` file). `busy` when a reader still held an
    /// old snapshot; call again.
    pub async fn checkpoint(&self) -> Result<writer::Checkpoint> {
        self.inner.writer.checkpoint().await
    }

    /// Checks that a reader answers and the writer thread is alive.
    pub async fn ping(&self) -> Result<()> {
        self.read(|c| -> Result<_> { Ok(c.query_row("SELECT 1", [], |r| r.get::<_, i64>(0))?) })
            .await?;
        self.write(|_| Ok(())).await
    }

    /// Finishes queued writes, checkpoints the WAL and stops the writer. Later calls fail.
    pub async fn close(&self) {
        self.inner.writer.close().await;
        self.inner.permits.close();
    }
}

#[cfg(test)]
pub(crate) mod testing;

/// Runs `f` in a savepoint of the current transaction: its changes are kept when it returns
/// `Ok` and undone when it returns `Err` or panics (the panic is turned into `Error::Task`), so
/// one part of a larger write can fail without undoing the rest.
pub fn savepoint<T, E: From<Error>>(
    conn: &Connection,
    f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    conn.prepare_cached("SAVEPOINT part")
        .and_then(|mut s| s.execute([]))
        .map_err(Error::from)?;
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    let (end, result) = match result {
        Ok(Ok(v)) => ("RELEASE part", Ok(v)),
        Ok(Err(e)) => ("ROLLBACK TO part", Err(e)),
        Err(_) => (
            "ROLLBACK TO part",
            Err(Error::Task("panicked".into()).into()),
        ),
    };
    conn.prepare_cached(end)
        .and_then(|mut s| s.execute([]))
        .map_err(Error::from)?;
    if end != "RELEASE part" {
        conn.prepare_cached("RELEASE part")
            .and_then(|mut s| s.execute([]))
            .map_err(Error::from)?;
    }
    result
}

impl Error {
    /// Whether the store itself failed (disk full, I/O, corruption, closed), as opposed to one
    /// piece of data being refused. Such an error must fail the whole request so it is retried.
    #[must_use]
    pub fn is_storage_failure(&self) -> bool {
        use rusqlite::ErrorCode as C;
        match self {
            Error::Sqlite(rusqlite::Error::SqliteFailure(f, _)) => matches!(
                f.code,
                C::DiskFull
                    | C::SystemIoFailure
                    | C::DatabaseCorrupt
                    | C::NotADatabase
                    | C::ReadOnly
                    | C::CannotOpen
                    | C::DatabaseBusy
                    | C::DatabaseLocked
                    | C::OutOfMemory
                    | C::FileLockingProtocolFailed
            ),
            Error::Commit(_) | Error::Closed => true,
            _ => false,
        }
    }
}

/// A stored text column read through `FromStr`; a value that does not parse is a conversion
/// error (surfaced as corrupt data), never a default.
pub(crate) fn parsed<T>(r: &rusqlite::Row<'_>, idx: usize) -> rusqlite::Result<T>
where
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: String = r.get(idx)?;
    text.parse().map_err(|e: T::Err| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("{e}: {text:?}").into(),
        )
    })
}

/// Unix seconds for a stored time.
pub(crate) fn to_ts(t: time::OffsetDateTime) -> i64 {
    t.unix_timestamp()
}

/// A stored Unix-seconds value as a time.
pub(crate) fn from_ts(s: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(s).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}
