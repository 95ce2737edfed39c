//! Store errors, with SQLite constraint failures translated at the edge.

/// An error from the store.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A SQLite call failed.
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A UNIQUE constraint refused the write.
    #[error("already exists: {0}")]
    Conflict(String),
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// The database was written by a newer FlowCRM.
    #[error(
        "the database schema is version {db}, newer than this flowcrm binary knows ({binary}); \
         run the newer flowcrm release or restore a backup made with this one"
    )]
    SchemaTooNew {
        /// Version recorded in the database.
        db: i64,
        /// Highest version embedded in this binary.
        binary: i64,
    },
    /// The transaction this write was part of did not commit.
    #[error("commit failed: {0}")]
    Commit(String),
    /// The store was closed (shutdown in progress).
    #[error("the database is closed")]
    Closed,
    /// A blocking task failed or panicked.
    #[error("database task failed: {0}")]
    Task(String),
    /// A stored value could not be decoded.
    #[error("corrupt value in {0}")]
    Corrupt(&'static str),
}

/// Result alias for store calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Turns a UNIQUE violation into `Error::Conflict(what)`, leaving other errors as they are.
pub(crate) fn unique_as_conflict(e: rusqlite::Error, what: &str) -> Error {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
                || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY =>
        {
            Error::Conflict(what.to_string())
        }
        _ => Error::Sqlite(e),
    }
}
