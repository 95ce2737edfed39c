//! Tags as a whole: deleting one removes it from every contact and conversation, audited.

use super::contacts::Actor;
use crate::db;
use rusqlite::Connection;
use time::OffsetDateTime;

/// Deletes tag `id` everywhere, with an audit entry naming it; `false` when there is no such tag.
pub fn delete(conn: &Connection, id: i64, actor: &Actor, now: OffsetDateTime) -> db::Result<bool> {
    let name = db::tags::get(conn, id)?.map(|t| t.name);
    let Some(name) = name else {
        return Ok(false);
    };
    db::tags::delete(conn, id)?;
    super::audit(conn, actor, "tag.delete", format!("tag:{id}"), name, now)?;
    Ok(true)
}
