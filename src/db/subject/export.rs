//! One contact's data for their export, read in one transaction so the parts agree.

use super::rows;
use crate::db::Result;
use crate::model::ContactId;
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::collections::HashMap;

/// What an export holds: the JSON sections (README, "Contact export format") and the stored
/// media files they name.
#[derive(Debug, Default)]
pub struct Export {
    /// `contact`, `custom_fields`, `tags`, `consent`, `events`, `notes`, `conversations`,
    /// `orders`, `campaigns`, `ai_summaries`, `ai_objection`, `audit`.
    pub sections: Map<String, Value>,
    /// Stored names (under the media directory) of the files the messages name, each with
    /// its place in the archive.
    pub files: Vec<(String, String)>,
    /// Messages exported.
    pub messages: usize,
}

/// The user who did something, by name (or email when unnamed).
const BY: &str = "COALESCE(NULLIF(u.name, ''), u.email)";

/// Reads everything stored about contact `id`; `None` when there is no such contact.
pub fn read_export(conn: &Connection, id: ContactId) -> Result<Option<Export>> {
    let tx = conn.unchecked_transaction()?;
    let Some(mut contact) = rows(&tx, "SELECT * FROM contacts WHERE id = ?1", [id.0])?.pop() else {
        return Ok(None);
    };
    let sql = "SELECT kind, value, added_at FROM contact_aliases WHERE contact_id = ?1
               ORDER BY added_at, value";
    contact.insert("aliases".into(), array(rows(&tx, sql, [id.0])?));
    let mut out = Export::default();
    out.sections
        .insert("contact".into(), Value::Object(contact));
    let sql = "SELECT f.key, f.label, f.kind, v.value FROM contact_field_values v
               JOIN custom_fields f ON f.id = v.field_id WHERE v.contact_id = ?1
               ORDER BY f.position, f.id";
    out.sections
        .insert("custom_fields".into(), array(rows(&tx, sql, [id.0])?));
    let sql = "SELECT t.name, t.color FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
               WHERE ct.contact_id = ?1 ORDER BY t.name";
    out.sections
        .insert("tags".into(), array(rows(&tx, sql, [id.0])?));
    let sql = format!(
        "SELECT e.at, e.state, e.source, {BY} AS by FROM consent_events e
         LEFT JOIN users u ON u.id = e.user_id WHERE e.contact_id = ?1 ORDER BY e.at, e.id"
    );
    out.sections
        .insert("consent".into(), array(rows(&tx, &sql, [id.0])?));
    let sql = format!(
        "SELECT e.at, e.kind, e.detail, {BY} AS by FROM contact_events e
         LEFT JOIN users u ON u.id = e.user_id WHERE e.contact_id = ?1 ORDER BY e.at, e.id"
    );
    out.sections
        .insert("events".into(), array(rows(&tx, &sql, [id.0])?));
    let sql = format!(
        "SELECT n.created_at, n.body, {BY} AS by FROM contact_notes n
         LEFT JOIN users u ON u.id = n.user_id WHERE n.contact_id = ?1 ORDER BY n.created_at, n.id"
    );
    out.sections
        .insert("notes".into(), array(rows(&tx, &sql, [id.0])?));
    let conversations = conversations(&tx, id, &mut out)?;
    out.sections.insert("conversations".into(), conversations);
    out.sections.insert("orders".into(), orders(&tx, id)?);
    let sql = "SELECT conversation_id, created_at, body, model, prompt_version, messages_used,
               messages_total, redactions FROM ai_summaries WHERE contact_id = ?1
               ORDER BY created_at, conversation_id";
    out.sections
        .insert("ai_summaries".into(), array(rows(&tx, sql, [id.0])?));
    // The campaigns they were in: what was sent with which values, or why they were left out.
    let sql = "SELECT c.name AS campaign, c.template_name, r.state, r.reason AS left_out_reason,
               r.params AS variables, r.queued_at, r.error_code, r.charged, r.replied_at,
               r.opted_out_at FROM campaign_recipients r JOIN campaigns c ON c.id = r.campaign_id
               WHERE r.contact_id = ?1 ORDER BY c.id";
    out.sections
        .insert("campaigns".into(), array(rows(&tx, sql, [id.0])?));
    let sql = "SELECT at FROM ai_objections WHERE contact_id = ?1";
    out.sections
        .insert("ai_objection".into(), array(rows(&tx, sql, [id.0])?));
    let sql = format!(
        "SELECT a.at, a.action, a.detail, {BY} AS by FROM audit_log a
         LEFT JOIN users u ON u.id = a.actor_user_id WHERE a.target = 'contact:' || ?1
         ORDER BY a.at, a.id"
    );
    out.sections
        .insert("audit".into(), array(rows(&tx, &sql, [id.0])?));
    Ok(Some(out))
}

fn array(rows: Vec<Map<String, Value>>) -> Value {
    Value::Array(rows.into_iter().map(Value::Object).collect())
}

/// Rows grouped by the integer column `key` (which is removed from each row).
fn grouped(rows: Vec<Map<String, Value>>, key: &str) -> HashMap<i64, Vec<Value>> {
    let mut out: HashMap<i64, Vec<Value>> = HashMap::new();
    for mut r in rows {
        if let Some(k) = r.remove(key).and_then(|v| v.as_i64()) {
            out.entry(k).or_default().push(Value::Object(r));
        }
    }
    out
}

fn id_of(row: &Map<String, Value>) -> i64 {
    row.get("id").and_then(Value::as_i64).unwrap_or_default()
}

/// The contact's conversations, each with its tags, notes and messages (each message with its
/// attachment, delivery statuses and earlier versions).
fn conversations(conn: &Connection, id: ContactId, out: &mut Export) -> Result<Value> {
    let sql = format!(
        "SELECT c.id, c.phone_number_id, c.status, {BY} AS assignee, c.last_inbound_at,
                c.last_message_at, c.created_at, c.updated_at
         FROM conversations c LEFT JOIN users u ON u.id = c.assignee_id
         WHERE c.contact_id = ?1 ORDER BY c.created_at, c.id"
    );
    let conversations = rows(conn, &sql, [id.0])?;
    let sql = "SELECT ct.conversation_id, t.name FROM conversation_tags ct
               JOIN tags t ON t.id = ct.tag_id JOIN conversations c ON c.id = ct.conversation_id
               WHERE c.contact_id = ?1 ORDER BY t.name";
    let mut tags = grouped(rows(conn, sql, [id.0])?, "conversation_id");
    let sql = format!(
        "SELECT n.conversation_id, n.created_at, n.body, {BY} AS by FROM conversation_notes n
         JOIN conversations c ON c.id = n.conversation_id LEFT JOIN users u ON u.id = n.user_id
         WHERE c.contact_id = ?1 ORDER BY n.created_at, n.id"
    );
    let mut notes = grouped(rows(conn, &sql, [id.0])?, "conversation_id");
    let mut messages = messages(conn, id, out)?;
    let mut list = Vec::with_capacity(conversations.len());
    for mut c in conversations {
        let cid = id_of(&c);
        c.insert(
            "tags".into(),
            Value::Array(tags.remove(&cid).unwrap_or_default()),
        );
        c.insert(
            "notes".into(),
            Value::Array(notes.remove(&cid).unwrap_or_default()),
        );
        c.insert(
            "messages".into(),
            Value::Array(messages.remove(&cid).unwrap_or_default()),
        );
        list.push(Value::Object(c));
    }
    Ok(Value::Array(list))
}

/// The contact's messages grouped by conversation id.
fn messages(
    conn: &Connection,
    id: ContactId,
    out: &mut Export,
) -> Result<HashMap<i64, Vec<Value>>> {
    const OF_CONTACT: &str = "JOIN messages m ON m.id = x.message_id
                              JOIN conversations c ON c.id = m.conversation_id
                              WHERE c.contact_id = ?1";
    let sql = format!(
        "SELECT x.message_id, x.mime_type, x.sha256, x.filename, x.state, x.stored_name, x.size,
                x.received_at, x.removed_at FROM media x {OF_CONTACT}"
    );
    let mut media = grouped(rows(conn, &sql, [id.0])?, "message_id");
    let sql = format!(
        "SELECT x.message_id, x.body, x.content, x.replaced_at FROM message_versions x
         {OF_CONTACT} ORDER BY x.replaced_at, x.id"
    );
    let mut versions = grouped(rows(conn, &sql, [id.0])?, "message_id");
    let sql = "SELECT m.id AS message_id, s.status, s.at, s.error_code, s.error_title,
                      s.error_message, s.pricing_category, s.pricing_type, s.pricing_model, s.billable,
                      s.conversation_origin
               FROM message_statuses s JOIN messages m ON m.wamid = s.wamid
               JOIN conversations c ON c.id = m.conversation_id
               WHERE c.contact_id = ?1 ORDER BY s.at, s.id";
    let mut statuses = grouped(rows(conn, sql, [id.0])?, "message_id");
    let sql = "SELECT m.* FROM messages m JOIN conversations c ON c.id = m.conversation_id
               WHERE c.contact_id = ?1 ORDER BY m.sent_at, m.id";
    let mut by_conversation: HashMap<i64, Vec<Value>> = HashMap::new();
    for mut m in rows(conn, sql, [id.0])? {
        let mid = id_of(&m);
        let file = media.remove(&mid).and_then(|mut v| v.pop()).map(|mut d| {
            if let Some(place) = archived_file(&d) {
                out.files.push(place.clone());
                d["file"] = Value::String(place.0);
            }
            d
        });
        m.insert("media".into(), file.unwrap_or(Value::Null));
        m.insert(
            "statuses".into(),
            Value::Array(statuses.remove(&mid).unwrap_or_default()),
        );
        m.insert(
            "versions".into(),
            Value::Array(versions.remove(&mid).unwrap_or_default()),
        );
        let cid = m
            .get("conversation_id")
            .and_then(Value::as_i64)
            .unwrap_or_default();
        by_conversation
            .entry(cid)
            .or_default()
            .push(Value::Object(m));
        out.messages += 1;
    }
    Ok(by_conversation)
}

/// Where a stored, not removed attachment goes in the archive: (`media/<stored name>`, stored
/// name).
fn archived_file(media: &Value) -> Option<(String, String)> {
    let stored = media.get("stored_name")?.as_str()?;
    let kept = media.get("state")?.as_str()? == "stored" && media.get("removed_at")?.is_null();
    let plain = !stored.contains(['/', '\\']) && !stored.starts_with('.');
    (kept && plain).then(|| (format!("media/{stored}"), stored.to_string()))
}

/// The contact's orders (by the contact or one of their conversations) with lines and history.
fn orders(conn: &Connection, id: ContactId) -> Result<Value> {
    const OF_CONTACT: &str = "o.contact_id = ?1
        OR o.conversation_id IN (SELECT id FROM conversations WHERE contact_id = ?1)";
    let sql = format!("SELECT o.* FROM orders o WHERE {OF_CONTACT} ORDER BY o.created_at, o.id");
    let orders = rows(conn, &sql, [id.0])?;
    let sql = format!(
        "SELECT i.order_id, i.product_retailer_id, i.name, i.quantity, i.unit_price_minor
         FROM order_items i JOIN orders o ON o.id = i.order_id WHERE {OF_CONTACT} ORDER BY i.id"
    );
    let mut items = grouped(rows(conn, &sql, [id.0])?, "order_id");
    let sql = format!(
        "SELECT h.order_id, h.at, h.from_status, h.to_status, {BY} AS by FROM order_history h
         JOIN orders o ON o.id = h.order_id LEFT JOIN users u ON u.id = h.user_id
         WHERE {OF_CONTACT} ORDER BY h.at, h.id"
    );
    let mut history = grouped(rows(conn, &sql, [id.0])?, "order_id");
    let list = orders
        .into_iter()
        .map(|mut o| {
            let oid = id_of(&o);
            o.insert(
                "items".into(),
                Value::Array(items.remove(&oid).unwrap_or_default()),
            );
            o.insert(
                "history".into(),
                Value::Array(history.remove(&oid).unwrap_or_default()),
            );
            Value::Object(o)
        })
        .collect();
    Ok(Value::Array(list))
}
