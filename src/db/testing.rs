//! Test fixture: a fresh, migrated database in a temp dir.

use super::{Db, Options};
use std::time::Duration;

/// A migrated database that lives as long as the returned temp dir.
pub(crate) fn temp_db() -> (Db, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = Options {
        path: dir.path().join("test.db"),
        readers: 2,
        busy_timeout: Duration::from_secs(5),
    };
    let (db, _) = Db::open(&opts).expect("open test db");
    (db, dir)
}

/// Makes inserting a contact with this name fail, to simulate trouble part way through.
pub(crate) fn fail_contact_inserts_named(
    conn: &rusqlite::Connection,
    name: &str,
) -> super::Result<()> {
    let sql = format!(
        "CREATE TRIGGER fail_{name} BEFORE INSERT ON contacts WHEN NEW.name = '{name}'
         BEGIN SELECT RAISE(ABORT, 'simulated disk trouble'); END;"
    );
    conn.execute_batch(&sql)?;
    Ok(())
}

/// A migrated in-memory database with the app's pragmas (foreign keys on), for use-case tests
/// that run on one connection.
pub(crate) fn memory() -> rusqlite::Connection {
    let mut conn = rusqlite::Connection::open_in_memory().expect("db");
    conn.execute_batch("PRAGMA foreign_keys = ON;")
        .expect("pragmas");
    super::migrate::run(&mut conn).expect("migrate");
    conn
}
