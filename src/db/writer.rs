//! The writer thread: owns the only read-write connection, takes jobs from a queue and commits
//! every job waiting at that moment in one IMMEDIATE transaction (group commit). Each job runs in
//! its own savepoint, so one failing job does not undo the others. Callers hear back only after
//! COMMIT returned.

use super::{Error, Result};
use rusqlite::{Connection, TransactionBehavior};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc;
use std::sync::{Mutex, PoisonError};
use std::thread::JoinHandle;
use tokio::sync::oneshot;

/// Most jobs committed in one transaction.
const MAX_BATCH: usize = 512;

trait Job: Send {
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Finish>;
    fn fail(self: Box<Self>, error: Error);
}

trait Finish: Send {
    fn succeeded(&self) -> bool;
    fn finish(self: Box<Self>, commit: std::result::Result<(), String>);
}

struct WriteJob<F, T, E> {
    f: F,
    reply: oneshot::Sender<Result<T, E>>,
}

struct Done<T, E> {
    result: Result<T, E>,
    reply: oneshot::Sender<Result<T, E>>,
}

impl<F, T, E> Job for WriteJob<F, T, E>
where
    F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
    T: Send + 'static,
    E: From<Error> + Send + 'static,
{
    fn run(self: Box<Self>, conn: &Connection) -> Box<dyn Finish> {
        let WriteJob { f, reply } = *self;
        let result = catch_unwind(AssertUnwindSafe(|| f(conn)))
            .unwrap_or_else(|_| Err(Error::Task("write job panicked".into()).into()));
        Box::new(Done { result, reply })
    }

    fn fail(self: Box<Self>, error: Error) {
        let _ = self.reply.send(Err(error.into()));
    }
}

impl<T: Send + 'static, E: From<Error> + Send + 'static> Finish for Done<T, E> {
    /// Any `Err`, a store error or a use case's own refusal, rolls the job's savepoint back.
    fn succeeded(&self) -> bool {
        self.result.is_ok()
    }

    fn finish(self: Box<Self>, commit: std::result::Result<(), String>) {
        let out = match commit {
            Ok(()) => self.result,
            Err(e) => Err(Error::Commit(e).into()),
        };
        let _ = self.reply.send(out);
    }
}

enum Msg {
    Job(Box<dyn Job>),
    Checkpoint(oneshot::Sender<Result<Checkpoint>>),
    Close(oneshot::Sender<()>),
}

/// What `PRAGMA wal_checkpoint(TRUNCATE)` reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    /// A reader held an old snapshot, so the WAL could not be emptied.
    pub busy: bool,
    /// Pages in the WAL before (0 once truncated).
    pub log_pages: i64,
    /// Pages copied into the database file.
    pub checkpointed: i64,
}

/// The queue into the writer thread.
pub(super) struct Handle {
    tx: mpsc::Sender<Msg>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl Handle {
    /// Starts the writer thread on `conn`.
    pub(super) fn spawn(conn: Connection, busy: std::time::Duration) -> Result<Self> {
        let (tx, rx) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("flowcrm-db-writer".into())
            .spawn(move || writer_loop(conn, &rx, busy))
            .map_err(|e| Error::Task(e.to_string()))?;
        Ok(Self {
            tx,
            thread: Mutex::new(Some(thread)),
        })
    }

    /// Queues `f` and waits for its committed result.
    pub(super) async fn submit<F, T, E>(&self, f: F) -> Result<T, E>
    where
        F: FnOnce(&Connection) -> Result<T, E> + Send + 'static,
        T: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Job(Box::new(WriteJob { f, reply })))
            .map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Copies the WAL into the database file and truncates it to zero bytes, between write
    /// batches (outside any transaction), so no image of a changed page stays in the WAL.
    pub(super) async fn checkpoint(&self) -> Result<Checkpoint> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Checkpoint(reply))
            .map_err(|_| Error::Closed)?;
        rx.await.map_err(|_| Error::Closed)?
    }

    /// Lets queued jobs finish, then stops the thread.
    pub(super) async fn close(&self) {
        let (done, rx) = oneshot::channel();
        if self.tx.send(Msg::Close(done)).is_ok() {
            let _ = rx.await;
        }
        let thread = self
            .thread
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        if let Some(t) = thread {
            let _ = tokio::task::spawn_blocking(move || t.join()).await;
        }
    }
}

fn writer_loop(mut conn: Connection, rx: &mpsc::Receiver<Msg>, busy: std::time::Duration) {
    let mut closing = None;
    while closing.is_none() {
        let Ok(first) = rx.recv() else { break };
        let mut batch = Vec::new();
        let mut checkpoints = Vec::new();
        match first {
            Msg::Job(j) => batch.push(j),
            Msg::Checkpoint(reply) => checkpoints.push(reply),
            Msg::Close(done) => closing = Some(done),
        }
        while closing.is_none() && batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Job(j)) => batch.push(j),
                Ok(Msg::Checkpoint(reply)) => checkpoints.push(reply),
                Ok(Msg::Close(done)) => closing = Some(done),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            run_batch(&mut conn, batch);
        }
        if !checkpoints.is_empty() {
            let outcome = checkpoint_truncate(&conn, busy).map_err(|e| e.to_string());
            for reply in checkpoints {
                let _ = reply.send(outcome.clone().map_err(Error::Task));
            }
        }
    }
    // Leave a compact WAL behind for backups and the next start. A command run beside the
    // server (`flowcrm backup`, `user add`) closes too: bounded work and a short wait, so its
    // exit never holds the server's writes back (it blocked them for half a second with the
    // normal busy timeout and an unbounded ANALYZE).
    let _ = conn.busy_timeout(CHECKPOINT_WAIT);
    if let Err(e) = conn.execute_batch(
        "PRAGMA analysis_limit = 400; PRAGMA optimize; PRAGMA wal_checkpoint(TRUNCATE);",
    ) {
        tracing::debug!(error = %e, "final WAL checkpoint did not finish (another process is busy)");
    }
    drop(conn);
    if let Some(done) = closing {
        let _ = done.send(());
    }
}

/// Longest a requested checkpoint waits for readers of old snapshots (a backup's snapshot,
/// Litestream's read transaction, a long export) or another process's writer: it blocks every
/// writer while it waits, so it gives up quickly and reports `busy`; the caller tries again
/// between batches.
const CHECKPOINT_WAIT: std::time::Duration = std::time::Duration::from_millis(20);

fn checkpoint_truncate(conn: &Connection, busy: std::time::Duration) -> Result<Checkpoint> {
    conn.busy_timeout(CHECKPOINT_WAIT)?;
    let sql = "PRAGMA wal_checkpoint(TRUNCATE)";
    let outcome = conn.query_row(sql, [], |r| {
        Ok(Checkpoint {
            busy: r.get::<_, i64>(0)? != 0,
            log_pages: r.get(1)?,
            checkpointed: r.get(2)?,
        })
    });
    conn.busy_timeout(busy)?;
    match outcome {
        Ok(c) => Ok(c),
        // Another process's writer holds the lock: the same as readers in the way.
        Err(rusqlite::Error::SqliteFailure(f, _))
            if f.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(Checkpoint {
                busy: true,
                log_pages: -1,
                checkpointed: -1,
            })
        }
        Err(e) => Err(e.into()),
    }
}

fn run_batch(conn: &mut Connection, batch: Vec<Box<dyn Job>>) {
    let mut tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let msg = e.to_string();
            for job in batch {
                job.fail(Error::Commit(msg.clone()));
            }
            return;
        }
    };
    let mut finished = Vec::with_capacity(batch.len());
    for job in batch {
        let sp = match tx.savepoint() {
            Ok(sp) => sp,
            Err(e) => {
                job.fail(Error::Sqlite(e));
                continue;
            }
        };
        let done = job.run(&sp);
        let kept = if done.succeeded() {
            sp.commit()
        } else {
            sp.finish()
        };
        match kept {
            Ok(()) => finished.push(done),
            Err(e) => done.finish(Err(e.to_string())),
        }
    }
    let commit = tx.commit().map_err(|e| e.to_string());
    for done in finished {
        done.finish(commit.clone());
    }
}

#[cfg(test)]
mod tests {
    use crate::db::testing::temp_db;
    use crate::db::{Error, audit};
    use crate::model::UserId;
    use time::OffsetDateTime;

    fn entry(action: &str) -> audit::Entry {
        audit::Entry {
            at: OffsetDateTime::UNIX_EPOCH,
            actor: None::<UserId>,
            action: action.into(),
            target: String::new(),
            ip: String::new(),
            detail: String::new(),
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_rolls_back_only_itself_among_concurrent_writes() {
        let (db, _dir) = temp_db();
        let mut tasks = Vec::new();
        for i in 0..60 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                db.write(move |c| {
                    audit::record(c, &entry(&format!("job-{i}")))?;
                    if i % 5 == 0 {
                        return Err(Error::Conflict("deliberate".into()));
                    }
                    Ok(i)
                })
                .await
            }));
        }
        let mut ok = 0;
        for t in tasks {
            if t.await.expect("join").is_ok() {
                ok += 1;
            }
        }
        assert_eq!(ok, 48);
        let rows = db.read(|c| audit::recent(c, 1000)).await.expect("read");
        assert_eq!(rows.len(), 48, "the 12 failed jobs left nothing behind");
        assert!(
            rows.iter()
                .all(|r| r.action != "job-0" && r.action != "job-5")
        );
    }

    #[tokio::test]
    async fn a_panicking_write_is_an_error_and_the_writer_keeps_going() {
        let (db, _dir) = temp_db();
        let r: Result<(), Error> = db.write(|_| panic!("boom")).await;
        assert!(matches!(r, Err(Error::Task(_))), "{r:?}");
        db.write(|c| audit::record(c, &entry("after")))
            .await
            .expect("still writes");
    }

    #[tokio::test]
    async fn close_finishes_queued_writes_then_refuses_new_ones() {
        let (db, _dir) = temp_db();
        let pending = {
            let db = db.clone();
            tokio::spawn(async move { db.write(|c| audit::record(c, &entry("queued"))).await })
        };
        pending
            .await
            .expect("join")
            .expect("queued write committed");
        db.close().await;
        let after = db.write(|_| Ok(())).await;
        assert!(matches!(after, Err(Error::Closed)), "{after:?}");
    }
}
