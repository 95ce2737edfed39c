//! The `tags`, `contact_tags` and `conversation_tags` tables.

use super::error::unique_as_conflict;
use super::{Result, to_ts};
use crate::model::{ContactId, Tag};
use rusqlite::{Connection, OptionalExtension, Row, params};
use time::OffsetDateTime;

fn from_row(r: &Row<'_>) -> rusqlite::Result<Tag> {
    Ok(Tag {
        id: r.get(0)?,
        name: r.get(1)?,
        color: r.get(2)?,
    })
}

/// Every tag with the number of contacts carrying it, by name.
pub fn list(conn: &Connection) -> Result<Vec<(Tag, i64)>> {
    let sql = "SELECT t.id, t.name, t.color, (SELECT COUNT(*) FROM contact_tags ct WHERE ct.tag_id = t.id)
               FROM tags t ORDER BY t.name COLLATE NOCASE";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| Ok((from_row(r)?, r.get(3)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Creates a tag; `Error::Conflict` when the name exists.
pub fn insert(conn: &Connection, name: &str, color: &str, now: OffsetDateTime) -> Result<i64> {
    let sql = "INSERT INTO tags (name, color, created_at) VALUES (?1, ?2, ?3)";
    conn.prepare_cached(sql)?
        .execute(params![name, color, to_ts(now)])
        .map_err(|e| unique_as_conflict(e, "a tag with this name"))?;
    Ok(conn.last_insert_rowid())
}

/// Renames or recolours a tag.
pub fn update(conn: &Connection, id: i64, name: &str, color: &str) -> Result<bool> {
    let sql = "UPDATE tags SET name = ?2, color = ?3 WHERE id = ?1";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![id, name, color])
        .map_err(|e| unique_as_conflict(e, "a tag with this name"))?
        == 1)
}

/// One tag.
pub fn get(conn: &Connection, id: i64) -> Result<Option<Tag>> {
    Ok(conn
        .prepare_cached("SELECT id, name, color FROM tags WHERE id = ?1")?
        .query_row([id], from_row)
        .optional()?)
}

/// True when a tag with this id exists.
pub fn exists(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM tags WHERE id = ?1)")?
        .query_row([id], |r| r.get(0))?)
}

/// Deletes a tag (and removes it everywhere).
pub fn delete(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM tags WHERE id = ?1")?
        .execute([id])?
        == 1)
}

/// Tags of a contact.
pub fn for_contact(conn: &Connection, contact: ContactId) -> Result<Vec<Tag>> {
    let sql = "SELECT t.id, t.name, t.color FROM tags t JOIN contact_tags ct ON ct.tag_id = t.id
               WHERE ct.contact_id = ?1 ORDER BY t.name COLLATE NOCASE";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([contact.0], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tags of many contacts in one query, by contact (contacts without tags are absent).
pub fn for_contacts(
    conn: &Connection,
    contacts: &[ContactId],
) -> Result<std::collections::HashMap<ContactId, Vec<Tag>>> {
    let mut out: std::collections::HashMap<ContactId, Vec<Tag>> = std::collections::HashMap::new();
    if contacts.is_empty() {
        return Ok(out);
    }
    let ids = serde_json::to_string(&contacts.iter().map(|c| c.0).collect::<Vec<_>>())
        .unwrap_or_else(|_| "[]".into());
    let sql = "SELECT ct.contact_id, t.id, t.name, t.color FROM tags t
               JOIN contact_tags ct ON ct.tag_id = t.id
               WHERE ct.contact_id IN (SELECT value FROM json_each(?1))
               ORDER BY t.name COLLATE NOCASE";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([ids], |r| {
        Ok((
            ContactId(r.get(0)?),
            Tag {
                id: r.get(1)?,
                name: r.get(2)?,
                color: r.get(3)?,
            },
        ))
    })?;
    for row in rows {
        let (c, t) = row?;
        out.entry(c).or_default().push(t);
    }
    Ok(out)
}

/// Tags of a conversation.
pub fn for_conversation(conn: &Connection, conversation: i64) -> Result<Vec<Tag>> {
    let sql =
        "SELECT t.id, t.name, t.color FROM tags t JOIN conversation_tags ct ON ct.tag_id = t.id
               WHERE ct.conversation_id = ?1 ORDER BY t.name COLLATE NOCASE";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([conversation], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Puts a tag on contacts (existing pairs are kept); returns how many were added.
pub fn tag_contacts(conn: &Connection, tag: i64, contacts: &[ContactId]) -> Result<usize> {
    let sql = "INSERT INTO contact_tags (contact_id, tag_id)
               SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM contacts WHERE id = ?1) AND EXISTS (SELECT 1 FROM tags WHERE id = ?2)
               ON CONFLICT DO NOTHING";
    let mut stmt = conn.prepare_cached(sql)?;
    let mut n = 0;
    for c in contacts {
        n += stmt.execute(params![c.0, tag])?;
    }
    Ok(n)
}

/// Takes a tag off contacts; returns how many were removed.
pub fn untag_contacts(conn: &Connection, tag: i64, contacts: &[ContactId]) -> Result<usize> {
    let mut stmt =
        conn.prepare_cached("DELETE FROM contact_tags WHERE contact_id = ?1 AND tag_id = ?2")?;
    let mut n = 0;
    for c in contacts {
        n += stmt.execute(params![c.0, tag])?;
    }
    Ok(n)
}

/// Puts a tag on a conversation.
pub fn tag_conversation(conn: &Connection, tag: i64, conversation: i64) -> Result<bool> {
    let sql = "INSERT INTO conversation_tags (conversation_id, tag_id)
               SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM conversations WHERE id = ?1) AND EXISTS (SELECT 1 FROM tags WHERE id = ?2)
               ON CONFLICT DO NOTHING";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![conversation, tag])?
        == 1)
}

/// Takes a tag off a conversation.
pub fn untag_conversation(conn: &Connection, tag: i64, conversation: i64) -> Result<bool> {
    let sql = "DELETE FROM conversation_tags WHERE conversation_id = ?1 AND tag_id = ?2";
    Ok(conn
        .prepare_cached(sql)?
        .execute(params![conversation, tag])?
        == 1)
}

/// Moves a removed contact's tags to the one kept (merge).
pub fn move_contact_tags(conn: &Connection, from: ContactId, to: ContactId) -> Result<()> {
    let sql = "INSERT INTO contact_tags (contact_id, tag_id) SELECT ?2, tag_id FROM contact_tags WHERE contact_id = ?1
               ON CONFLICT DO NOTHING";
    conn.prepare_cached(sql)?.execute(params![from.0, to.0])?;
    Ok(())
}
