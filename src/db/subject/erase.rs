//! Erasing one contact from every table that holds them (the list in
//! `../shared/reference/security-and-erasure.md` C.3). What identifies them is `identity`; the
//! record that stays is `journal`.

use crate::db::Result;
use crate::model::ContactId;
use rusqlite::{Connection, params};

pub use super::identity::{Identity, identity};
pub use super::journal::{Erasure, erasure_by_code, insert_erasure, is_erased, journal};

/// What an erasure removed, per kind (the receipt shows these).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    /// Conversations.
    pub conversations: usize,
    /// Messages (with their earlier versions and outbox rows).
    pub messages: usize,
    /// Attachments (rows; the files are removed after the commit).
    pub media: usize,
    /// Delivery statuses.
    pub statuses: usize,
    /// Outbox rows (messages waiting or sent).
    pub outbox: usize,
    /// Contact and conversation notes.
    pub notes: usize,
    /// Tag links (contact and conversations).
    pub tag_links: usize,
    /// Custom field values.
    pub field_values: usize,
    /// Consent ledger entries.
    pub consent_entries: usize,
    /// Contact history events.
    pub events: usize,
    /// Raw webhook payloads, events and dead letters that named them.
    pub raw_payloads: usize,
    /// Audit entries whose detail named them (the entry stays, without the detail).
    pub audit_details: usize,
    /// Emails in the mail log that named them.
    pub mails: usize,
    /// Stored API answers that named them.
    pub api_answers: usize,
    /// Data requests whose subject named them (the request stays, subject replaced).
    pub requests: usize,
    /// Orders kept for accounting with the customer removed.
    pub orders_kept: usize,
    /// Orders deleted.
    pub orders_deleted: usize,
    /// AI summaries of their conversations.
    pub ai_summaries: usize,
}

fn exec(conn: &Connection, sql: &str, p: impl rusqlite::Params) -> Result<usize> {
    Ok(conn.prepare_cached(sql)?.execute(p)?)
}

fn count(conn: &Connection, sql: &str, id: ContactId) -> Result<usize> {
    let n: i64 = conn.prepare_cached(sql)?.query_row([id.0], |r| r.get(0))?;
    Ok(usize::try_from(n).unwrap_or_default())
}

/// The contact's conversations (a subquery on `?1`).
const CONVERSATIONS: &str = "SELECT id FROM conversations WHERE contact_id = ?1";

/// What one batch of an erasure removed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Batch {
    /// Messages (with versions, outbox rows and media rows by cascade).
    pub messages: usize,
    /// Their attachments' rows.
    pub media: usize,
    /// Their outbox rows.
    pub outbox: usize,
    /// Their delivery statuses.
    pub statuses: usize,
    /// Stored media file names to delete after the commit.
    pub files: Vec<String>,
}

/// Removes up to `limit` of contact `id`'s messages with their statuses, edits, media rows,
/// versions and outbox rows (each message through its delete trigger, so the search index
/// forgets it with FTS5 secure-delete, the costly part). An erasure runs this in short
/// transactions until none is left, so webhooks keep being stored meanwhile.
pub fn erase_messages(conn: &Connection, id: ContactId, limit: u32) -> Result<Batch> {
    const IDS: &str = "SELECT value FROM json_each(?1)";
    let sql = "SELECT json_group_array(m.id) FROM (SELECT m.id FROM messages m
               JOIN conversations c ON c.id = m.conversation_id WHERE c.contact_id = ?1 LIMIT ?2) m";
    let ids: String = conn
        .prepare_cached(sql)?
        .query_row(params![id.0, limit], |r| r.get(0))?;
    let n = |sql: &str| -> Result<usize> {
        let v: i64 = conn.prepare_cached(sql)?.query_row([&ids], |r| r.get(0))?;
        Ok(usize::try_from(v).unwrap_or_default())
    };
    let mut b = Batch {
        media: n(&format!(
            "SELECT COUNT(*) FROM media WHERE message_id IN ({IDS})"
        ))?,
        outbox: n(&format!(
            "SELECT COUNT(*) FROM outbox WHERE message_id IN ({IDS})"
        ))?,
        ..Batch::default()
    };
    let sql = format!(
        "SELECT stored_name FROM media WHERE message_id IN ({IDS}) AND stored_name IS NOT NULL"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    b.files = stmt
        .query_map([&ids], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let wamids = format!("SELECT wamid FROM messages WHERE id IN ({IDS})");
    b.statuses = exec(
        conn,
        &format!("DELETE FROM message_statuses WHERE wamid IN ({wamids})"),
        [&ids],
    )?;
    exec(
        conn,
        &format!("DELETE FROM message_changes WHERE target_wamid IN ({wamids})"),
        [&ids],
    )?;
    exec(
        conn,
        &format!("DELETE FROM message_changes WHERE wamid IN ({wamids})"),
        [&ids],
    )?;
    b.messages = exec(
        conn,
        &format!("DELETE FROM messages WHERE id IN ({IDS})"),
        [&ids],
    )?;
    Ok(b)
}

/// Counts what is theirs before it goes (the receipt).
fn count_rows(conn: &Connection, id: ContactId) -> Result<Counts> {
    let of_messages = format!("SELECT id FROM messages WHERE conversation_id IN ({CONVERSATIONS})");
    let n = |sql: &str| count(conn, sql, id);
    Ok(Counts {
        conversations: n("SELECT COUNT(*) FROM conversations WHERE contact_id = ?1")?,
        media: n(&format!(
            "SELECT COUNT(*) FROM media WHERE message_id IN ({of_messages})"
        ))?,
        outbox: n(&format!(
            "SELECT COUNT(*) FROM outbox WHERE message_id IN ({of_messages})"
        ))?,
        notes: n("SELECT COUNT(*) FROM contact_notes WHERE contact_id = ?1")?
            + n(&format!(
                "SELECT COUNT(*) FROM conversation_notes WHERE conversation_id IN ({CONVERSATIONS})"
            ))?,
        tag_links: n("SELECT COUNT(*) FROM contact_tags WHERE contact_id = ?1")?
            + n(&format!(
                "SELECT COUNT(*) FROM conversation_tags WHERE conversation_id IN ({CONVERSATIONS})"
            ))?,
        field_values: n("SELECT COUNT(*) FROM contact_field_values WHERE contact_id = ?1")?,
        consent_entries: n("SELECT COUNT(*) FROM consent_events WHERE contact_id = ?1")?,
        events: n("SELECT COUNT(*) FROM contact_events WHERE contact_id = ?1")?,
        ..Counts::default()
    })
}

/// Deletes their rows: statuses and edits (keyed by message id, not row), orders (kept without
/// the customer, or deleted), messages (through their delete trigger, so the search index
/// forgets them; media rows, versions and outbox rows by cascade), conversations and the
/// contact (notes, tags, fields, consent, events and aliases by cascade).
fn delete_rows(
    conn: &Connection,
    id: ContactId,
    ident: &Identity,
    keep_orders: bool,
    c: &mut Counts,
) -> Result<()> {
    let of_messages = format!("SELECT id FROM messages WHERE conversation_id IN ({CONVERSATIONS})");
    let wamids = format!("SELECT wamid FROM messages WHERE id IN ({of_messages})");
    c.statuses = exec(
        conn,
        &format!("DELETE FROM message_statuses WHERE wamid IN ({wamids})"),
        [id.0],
    )?;
    for p in &ident.phones {
        let sql = "DELETE FROM message_statuses WHERE recipient_id = ?1";
        c.statuses += exec(conn, sql, [p.trim_start_matches('+')])?;
    }
    let sql = format!(
        "DELETE FROM message_changes WHERE target_wamid IN ({wamids}) OR wamid IN ({wamids})"
    );
    exec(conn, &sql, [id.0])?;
    let of_orders = format!("contact_id = ?1 OR conversation_id IN ({CONVERSATIONS})");
    if keep_orders {
        let sql = format!(
            "UPDATE orders SET contact_id = NULL, conversation_id = NULL, message_id = NULL,
             note = '' WHERE {of_orders}"
        );
        c.orders_kept = exec(conn, &sql, [id.0])?;
    } else {
        c.orders_deleted = exec(
            conn,
            &format!("DELETE FROM orders WHERE {of_orders}"),
            [id.0],
        )?;
    }
    c.messages = exec(
        conn,
        &format!("DELETE FROM messages WHERE id IN ({of_messages})"),
        [id.0],
    )?;
    c.ai_summaries = super::super::ai::delete_summaries(conn, id)?;
    exec(
        conn,
        "DELETE FROM ai_objections WHERE contact_id = ?1",
        [id.0],
    )?;
    exec(
        conn,
        "DELETE FROM conversations WHERE contact_id = ?1",
        [id.0],
    )?;
    exec(conn, "DELETE FROM contacts WHERE id = ?1", [id.0])?;
    Ok(())
}

/// Removes the copies that name them elsewhere: raw webhook data (by number or user id only),
/// audit details, mail and stored API answers (also by name), and the subject of data requests
/// and audit targets (by number, user id or email only).
fn delete_copies(
    conn: &Connection,
    id: ContactId,
    ident: &Identity,
    replacement: &str,
    c: &mut Counts,
) -> Result<()> {
    for needle in ident.ids() {
        let bytes = needle.as_bytes();
        c.raw_payloads += exec(
            conn,
            "DELETE FROM webhook_payloads WHERE instr(body, ?1) > 0",
            [bytes],
        )? + exec(
            conn,
            "DELETE FROM webhook_dead_letters WHERE instr(body, ?1) > 0",
            [bytes],
        )? + exec(
            conn,
            "DELETE FROM webhook_events WHERE instr(value, ?1) > 0",
            [&needle],
        )?;
    }
    let target = format!("contact:{}", id.0);
    let sql = "UPDATE audit_log SET detail = '' WHERE target = ?1 AND detail <> ''";
    c.audit_details = exec(conn, sql, [&target])?;
    for needle in ident.unique() {
        let sql = "UPDATE audit_log SET target = ?2 WHERE instr(target, ?1) > 0";
        exec(conn, sql, params![needle, target])?;
        let sql = "UPDATE data_requests SET subject = ?2 WHERE instr(subject, ?1) > 0";
        c.requests += exec(conn, sql, params![needle, replacement])?;
    }
    for needle in ident.needles() {
        let sql = "UPDATE audit_log SET detail = '' WHERE instr(detail, ?1) > 0";
        c.audit_details += exec(conn, sql, [&needle])?;
        let sql = "DELETE FROM mail_outbox WHERE instr(subject, ?1) > 0 OR instr(text_body, ?1) > 0
                   OR instr(html_body, ?1) > 0 OR instr(to_address, ?1) > 0";
        c.mails += exec(conn, sql, [&needle])?;
        let sql = "DELETE FROM api_idempotency WHERE instr(body, ?1) > 0";
        c.api_answers += exec(conn, sql, [&needle])?;
    }
    Ok(())
}

/// Removes contact `id` and everything that is theirs (see [`Counts`]); with `keep_orders`
/// their orders stay with the customer, conversation, message and note removed, else they are
/// deleted; data requests naming them get `replacement` as subject. Runs in the caller's
/// transaction. Returns the counts and the stored media file names to delete after the commit.
pub fn erase(
    conn: &Connection,
    id: ContactId,
    ident: &Identity,
    keep_orders: bool,
    replacement: &str,
) -> Result<(Counts, Vec<String>)> {
    let files = super::super::media::stored_names_for_contact(conn, id)?;
    let mut c = count_rows(conn, id)?;
    delete_rows(conn, id, ident, keep_orders, &mut c)?;
    delete_copies(conn, id, ident, replacement, &mut c)?;
    Ok((c, files))
}
