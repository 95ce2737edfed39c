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

pub(crate) fn db_schema_version(conn: &Connection) -> Result<Option<i64>> {
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

#[cfg(test)]
mod tests {
    use super::embedded;
    use rusqlite::Connection;

    /// V21 rebuilds `api_keys` (to allow the viewer role) with the idempotency records that
    /// point at it: existing keys and records survive, the references still cascade.
    #[test]
    fn v21_keeps_api_keys_and_their_idempotency_records() {
        let mut conn = Connection::open_in_memory().expect("db");
        conn.execute_batch("PRAGMA foreign_keys = ON;").expect("fk");
        embedded::migrations::runner()
            .set_target(refinery::Target::Version(20))
            .run(&mut conn)
            .expect("up to V20");
        conn.execute_batch(
            "INSERT INTO users (id, email, name, role, password_hash, created_at, updated_at)
               VALUES (1, 'a@x.example', '', 'admin', 'h', 0, 0);
             INSERT INTO api_keys (id, name, prefix, hash, role, created_by, created_at)
               VALUES (7, 'Zapier', 'fck_abc', x'00', 'agent', 1, 0);
             INSERT INTO api_idempotency VALUES (7, 'k1', x'01', 201, '{}', 0);",
        )
        .expect("rows");
        assert!(
            conn.execute(
                "INSERT INTO api_keys (name, prefix, hash, role, created_at) VALUES ('v', 'p', x'00', 'viewer', 0)",
                [],
            )
            .is_err(),
            "no viewer keys before V21"
        );
        embedded::migrations::runner()
            .run(&mut conn)
            .expect("the rest");
        let kept: (String, i64) = conn
            .query_row(
                "SELECT k.name, COUNT(i.idem_key) FROM api_keys k JOIN api_idempotency i ON i.key_id = k.id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .expect("kept");
        assert_eq!(kept, ("Zapier".to_string(), 1));
        conn.execute(
            "INSERT INTO api_keys (name, prefix, hash, role, created_at) VALUES ('v', 'p', x'00', 'viewer', 0)",
            [],
        )
        .expect("a viewer key");
        conn.execute("DELETE FROM api_keys WHERE id = 7", [])
            .expect("delete");
        let left: i64 = conn
            .query_row("SELECT COUNT(*) FROM api_idempotency", [], |r| r.get(0))
            .expect("count");
        assert_eq!(left, 0, "records still go with their key");
        let problems: i64 = conn
            .query_row("SELECT COUNT(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("fk check");
        assert_eq!(problems, 0);
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE name = 'api_idempotency'",
                [],
                |r| r.get(0),
            )
            .expect("schema");
        assert!(
            sql.contains("REFERENCES \"api_keys\"") || sql.contains("REFERENCES api_keys"),
            "{sql}"
        );
    }
}
