//! Embedded refinery migrations, with a refusal to run on a schema newer than the binary.

use super::{Error, Result};
use rusqlite::{Connection, OptionalExtension};

mod embedded {
    refinery::embed_migrations!("migrations");
}

/// What `migrate` did.
#[derive(Debug, Clone, Default)]
pub struct MigrationReport {
    /// Migrations applied just now, as `V{n}__{name}`.
    pub applied: Vec<String>,
    /// Schema version after migrating.
    pub version: i64,
}

/// The highest migration version embedded in this binary.
#[must_use]
pub fn binary_schema_version() -> i64 {
    embedded::migrations::runner()
        .get_migrations()
        .iter()
        .map(|m| m.version().into())
        .max()
        .unwrap_or(0)
}

fn db_schema_version(conn: &Connection) -> Result<Option<i64>> {
    let exists: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if exists.is_none() {
        return Ok(None);
    }
    Ok(conn.query_row(
        "SELECT MAX(version) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    )?)
}

/// Applies pending migrations; refuses a database from a newer binary.
pub(super) fn run(conn: &mut Connection) -> Result<MigrationReport> {
    let binary = binary_schema_version();
    if let Some(db) = db_schema_version(conn)?
        && db > binary
    {
        return Err(Error::SchemaTooNew { db, binary });
    }
    let report = embedded::migrations::runner()
        .run(conn)
        .map_err(|e| Error::Migration(e.to_string()))?;
    let applied = report
        .applied_migrations()
        .iter()
        .map(|m| format!("V{}__{}", m.version(), m.name()))
        .collect();
    let version = db_schema_version(conn)?.unwrap_or(0);
    Ok(MigrationReport { applied, version })
}
