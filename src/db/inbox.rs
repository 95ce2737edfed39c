//! The inbox queries: conversation list rows (for the page and the API), the recent timeline,
//! search, notes, and the assignment, status and seen updates.

use super::{Result, from_ts, to_ts};
use crate::model::ConversationStatus;
use rusqlite::{Connection, OptionalExtension, params};
use time::OffsetDateTime;

/// One row of the conversation list.
#[derive(Debug, Clone)]
pub struct ConversationRow {
    /// Conversation id.
    pub id: i64,
    /// The contact.
    pub contact_id: i64,
    /// The contact's phone (E.164), when known.
    pub phone: Option<String>,
    /// The contact's WhatsApp user id (BSUID), when known.
    pub bsuid: Option<String>,
    /// Best name of the contact.
    pub contact_name: String,
    /// Phone or user id.
    pub contact_handle: String,
    /// Last message's one-line text.
    pub preview: String,
    /// Last activity.
    pub last_message_at: OffsetDateTime,
    /// Customer's last message.
    pub last_inbound_at: Option<OffsetDateTime>,
    /// Unread customer messages.
    pub unread: i64,
    /// Open, pending or resolved.
    pub status: ConversationStatus,
    /// Assigned team member's name, if any.
    pub assignee: Option<String>,
    /// Assigned team member's id, if any.
    pub assignee_id: Option<i64>,
}

/// Whose conversations a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Assigned to this user.
    Mine(i64),
    /// Assigned to nobody.
    Unassigned,
    /// Everyone's.
    All,
}

/// State of the 24-hour window, as a filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowFilter {
    /// More than two hours left.
    Open,
    /// Less than two hours left.
    Closing,
    /// Closed or never opened.
    Closed,
}

/// Which conversations a list shows.
#[derive(Debug, Clone, Copy)]
pub struct InboxFilter {
    /// Whose.
    pub view: View,
    /// Open, pending or resolved.
    pub status: Option<ConversationStatus>,
    /// Of this contact.
    pub contact: Option<i64>,
    /// Carrying this tag.
    pub tag: Option<i64>,
    /// Window state (relative to `now`).
    pub window: Option<WindowFilter>,
    /// The time the window filter is computed at.
    pub now: OffsetDateTime,
}

/// Conversations by last activity, newest first, after the `(time, id)` cursor.
pub fn conversations(
    conn: &Connection,
    f: &InboxFilter,
    before: Option<(OffsetDateTime, i64)>,
    limit: u32,
) -> Result<Vec<ConversationRow>> {
    query(conn, f, None, before, limit)
}

/// One conversation as a list row (`now` for nothing but the filter's clock).
pub fn conversation_row(
    conn: &Connection,
    id: i64,
    now: OffsetDateTime,
) -> Result<Option<ConversationRow>> {
    let all = InboxFilter {
        view: View::All,
        status: None,
        tag: None,
        window: None,
        contact: None,
        now,
    };
    Ok(query(conn, &all, Some(id), None, 1)?.pop())
}

fn query(
    conn: &Connection,
    f: &InboxFilter,
    only: Option<i64>,
    before: Option<(OffsetDateTime, i64)>,
    limit: u32,
) -> Result<Vec<ConversationRow>> {
    let sql = "SELECT c.id, COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, k.bsuid, ''),
                      COALESCE(k.phone, k.username, k.bsuid, ''),
                      COALESCE((SELECT body FROM messages m WHERE m.conversation_id = c.id
                                ORDER BY m.sent_at DESC, m.id DESC LIMIT 1), ''),
                      c.last_message_at, c.last_inbound_at, c.unread_count, c.status,
                      COALESCE(NULLIF(u.name, ''), u.email), c.assignee_id,
                      c.contact_id, k.phone, k.bsuid
               FROM conversations c JOIN contacts k ON k.id = c.contact_id
               LEFT JOIN users u ON u.id = c.assignee_id
               WHERE (?1 IS NULL OR c.last_message_at < ?1 OR (c.last_message_at = ?1 AND c.id < ?2))
                 AND (?4 = 'all' OR (?4 = 'mine' AND c.assignee_id = ?5) OR (?4 = 'unassigned' AND c.assignee_id IS NULL))
                 AND (?6 IS NULL OR c.status = ?6)
                 AND (?7 IS NULL OR EXISTS (SELECT 1 FROM conversation_tags t WHERE t.conversation_id = c.id AND t.tag_id = ?7))
                 AND (?8 IS NULL
                      OR (?8 = 'open' AND c.last_inbound_at > ?9)
                      OR (?8 = 'closing' AND c.last_inbound_at > ?10 AND c.last_inbound_at <= ?9)
                      OR (?8 = 'closed' AND (c.last_inbound_at IS NULL OR c.last_inbound_at <= ?10)))
                 AND (?11 IS NULL OR c.contact_id = ?11)
                 AND (?12 IS NULL OR c.id = ?12)
               ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?3";
    let (t, id) = before.map_or((None, 0), |(t, id)| (Some(to_ts(t)), id));
    let (view, me) = match f.view {
        View::Mine(u) => ("mine", u),
        View::Unassigned => ("unassigned", 0),
        View::All => ("all", 0),
    };
    let window = f.window.map(|w| match w {
        WindowFilter::Open => "open",
        WindowFilter::Closing => "closing",
        WindowFilter::Closed => "closed",
    });
    // Open: more than 2 h left, i.e. the last inbound is newer than now - 22 h.
    let open_after = to_ts(f.now - time::Duration::hours(22));
    let closed_before = to_ts(f.now - time::Duration::hours(24));
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(
        params![
            t,
            id,
            limit,
            view,
            me,
            f.status.map(ConversationStatus::as_str),
            f.tag,
            window,
            open_after,
            closed_before,
            f.contact,
            only
        ],
        |r| {
            Ok(ConversationRow {
                id: r.get(0)?,
                contact_id: r.get(10)?,
                phone: r.get(11)?,
                bsuid: r.get(12)?,
                contact_name: r.get(1)?,
                contact_handle: r.get(2)?,
                preview: r.get(3)?,
                last_message_at: from_ts(r.get(4)?),
                last_inbound_at: r.get::<_, Option<i64>>(5)?.map(from_ts),
                unread: r.get(6)?,
                status: super::parsed(r, 7)?,
                assignee: r.get(8)?,
                assignee_id: r.get(9)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The newest `limit` messages of a conversation, oldest first.
pub fn recent_messages(
    conn: &Connection,
    conversation_id: i64,
    limit: u32,
) -> Result<Vec<super::messages::TimelineItem>> {
    super::messages::timeline(conn, conversation_id, limit)
}

/// Marks a conversation's messages as seen; `true` when some were unread.
pub fn mark_seen(conn: &Connection, conversation_id: i64) -> Result<bool> {
    let sql = "UPDATE conversations SET unread_count = 0 WHERE id = ?1 AND unread_count <> 0";
    Ok(conn.prepare_cached(sql)?.execute([conversation_id])? == 1)
}

/// The newest customer message of a conversation (to mark as read at Meta).
pub fn last_inbound_wamid(conn: &Connection, conversation_id: i64) -> Result<Option<String>> {
    use rusqlite::OptionalExtension;
    let sql = "SELECT wamid FROM messages WHERE conversation_id = ?1 AND direction = 'in'
               ORDER BY sent_at DESC, id DESC LIMIT 1";
    Ok(conn
        .prepare_cached(sql)?
        .query_row([conversation_id], |r| r.get(0))
        .optional()?)
}

/// Assigns a conversation (or with `None` releases it).
pub fn assign(conn: &Connection, id: i64, user: Option<i64>, now: OffsetDateTime) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE conversations SET assignee_id = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, user, to_ts(now)])?
        == 1)
}

/// Opens a resolved or pending conversation again (the customer wrote); whether it was.
pub fn reopen(conn: &Connection, id: i64, now: OffsetDateTime) -> Result<bool> {
    let sql = "UPDATE conversations SET status = 'open', updated_at = ?2
               WHERE id = ?1 AND status <> 'open'";
    Ok(conn.prepare_cached(sql)?.execute(params![id, to_ts(now)])? == 1)
}

/// Sets a conversation's status.
pub fn set_status(
    conn: &Connection,
    id: i64,
    status: ConversationStatus,
    now: OffsetDateTime,
) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE conversations SET status = ?2, updated_at = ?3 WHERE id = ?1")?
        .execute(params![id, status.as_str(), to_ts(now)])?
        == 1)
}

/// An internal note on a conversation.
#[derive(Debug, Clone)]
pub struct ConversationNote {
    /// Row id.
    pub id: i64,
    /// Author's name or email, if the author still exists.
    pub author: Option<String>,
    /// Text.
    pub body: String,
    /// Written at.
    pub created_at: OffsetDateTime,
}

/// Adds a note to a conversation.
pub fn add_note(
    conn: &Connection,
    conversation: i64,
    user: Option<i64>,
    body: &str,
    now: OffsetDateTime,
) -> Result<i64> {
    conn.prepare_cached(
        "INSERT INTO conversation_notes (conversation_id, user_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![conversation, user, body, to_ts(now)])?;
    Ok(conn.last_insert_rowid())
}

/// A conversation's notes, oldest first.
pub fn notes(conn: &Connection, conversation: i64) -> Result<Vec<ConversationNote>> {
    let sql = "SELECT n.id, COALESCE(NULLIF(u.name, ''), u.email), n.body, n.created_at
               FROM conversation_notes n LEFT JOIN users u ON u.id = n.user_id
               WHERE n.conversation_id = ?1 ORDER BY n.created_at, n.id";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([conversation], |r| {
        Ok(ConversationNote {
            id: r.get(0)?,
            author: r.get(1)?,
            body: r.get(2)?,
            created_at: from_ts(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A message search hit.
#[derive(Debug, Clone)]
pub struct SearchHit {
    /// Message id.
    pub message_id: i64,
    /// Its conversation.
    pub conversation_id: i64,
    /// Contact's best name.
    pub contact_name: String,
    /// Text around the match; the matched words are wrapped in U+E000 / U+E001 markers.
    pub snippet: String,
    /// Sent at.
    pub sent_at: OffsetDateTime,
}

/// Messages whose text matches `query` (an FTS5 expression of quoted terms), newest first by
/// arrival (row id: the index walks backwards and stops at `limit`), before message `before`.
pub fn search_messages(
    conn: &Connection,
    query: &str,
    before: Option<i64>,
    limit: u32,
) -> Result<Vec<SearchHit>> {
    let sql = "SELECT m.id, m.conversation_id,
                      COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, k.username, k.bsuid, ''),
                      f.snip, m.sent_at
               FROM (SELECT rowid AS rid, snippet(messages_fts, 0, char(57344), char(57345), '…', 12) AS snip
                     FROM messages_fts WHERE messages_fts MATCH ?1 AND (?2 IS NULL OR rowid < ?2)
                     ORDER BY rowid DESC LIMIT ?3) f
               JOIN messages m ON m.id = f.rid
               JOIN conversations c ON c.id = m.conversation_id JOIN contacts k ON k.id = c.contact_id
               ORDER BY f.rid DESC";
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map(params![query, before, limit], |r| {
        Ok(SearchHit {
            message_id: r.get(0)?,
            conversation_id: r.get(1)?,
            contact_name: r.get(2)?,
            snippet: r.get(3)?,
            sent_at: from_ts(r.get(4)?),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// True when some conversation is assigned to this user.
pub fn has_assigned(conn: &Connection, user: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM conversations WHERE assignee_id = ?1)")?
        .query_row([user], |r| r.get(0))?)
}

/// Most unread conversations counted for the tab title and the Inbox item ("99+" above): every
/// page load counts, so the count stops early instead of walking every unread conversation.
pub const UNREAD_CAP: i64 = 100;

/// Conversations with unread customer messages that are `user`'s or unassigned, counted up to
/// [`UNREAD_CAP`].
pub fn unread_for(conn: &Connection, user: i64) -> Result<i64> {
    let sql = "SELECT COUNT(*) FROM (SELECT 1 FROM conversations WHERE unread_count > 0
               AND (assignee_id IS NULL OR assignee_id = ?1) LIMIT 100)";
    Ok(conn.prepare_cached(sql)?.query_row([user], |r| r.get(0))?)
}

/// What a new-message notification shows for conversation `id` when it is `user`'s or
/// unassigned and its newest message is an unread customer message: (contact name, text).
pub fn notification(conn: &Connection, id: i64, user: i64) -> Result<Option<(String, String)>> {
    let sql = "SELECT COALESCE(NULLIF(k.name, ''), NULLIF(k.profile_name, ''), k.phone, ''),
                      (SELECT m.body FROM messages m WHERE m.conversation_id = c.id
                       ORDER BY m.sent_at DESC, m.id DESC LIMIT 1),
                      (SELECT m.direction FROM messages m WHERE m.conversation_id = c.id
                       ORDER BY m.sent_at DESC, m.id DESC LIMIT 1)
               FROM conversations c JOIN contacts k ON k.id = c.contact_id
               WHERE c.id = ?1 AND c.unread_count > 0 AND (c.assignee_id IS NULL OR c.assignee_id = ?2)";
    let row: Option<(String, Option<String>, Option<String>)> = conn
        .prepare_cached(sql)?
        .query_row(params![id, user], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    Ok(row.and_then(|(name, body, dir)| {
        (dir.as_deref() == Some("in")).then(|| (name, body.unwrap_or_default()))
    }))
}
