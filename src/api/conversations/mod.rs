//! `/api/v1/conversations`: list, get, messages (newest first, cursor), and sending through the
//! outbox with an `Idempotency-Key`.

mod list;
mod send;

use serde::Serialize;
use utoipa::ToSchema;

pub use list::*;
pub use send::*;

/// A conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationOut {
    /// Id.
    pub id: i64,
    /// The customer.
    pub contact_id: i64,
    /// The customer's best name.
    pub contact_name: String,
    /// The customer's phone (E.164), when known.
    pub phone: Option<String>,
    /// The customer's WhatsApp user id (BSUID), when known.
    pub wa_user_id: Option<String>,
    /// open, pending or resolved.
    pub status: String,
    /// Last message either way (RFC 3339).
    pub last_message_at: String,
    /// Customer's last message (RFC 3339): the 24-hour window runs from here.
    pub last_inbound_at: Option<String>,
    /// True while free-form messages may be sent.
    pub window_open: bool,
    /// When the window closes (RFC 3339), if it ever opened.
    pub window_closes_at: Option<String>,
    /// Customer messages not yet seen.
    pub unread: i64,
}

/// A page of conversations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPage {
    /// By last activity, newest first.
    pub data: Vec<ConversationOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}
