//! Conversations: one per contact and business number.

use super::ContactId;
use time::{Duration, OffsetDateTime};

/// How long the customer-service window stays open after the customer's last message.
pub const SERVICE_WINDOW: Duration = Duration::hours(24);

/// A conversation with a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Row id.
    pub id: i64,
    /// The customer.
    pub contact_id: ContactId,
    /// Business number id.
    pub phone_number_id: String,
    /// open, pending, resolved.
    pub status: String,
    /// Customer's last message: the 24-hour window clock.
    pub last_inbound_at: Option<OffsetDateTime>,
    /// Last message either way.
    pub last_message_at: OffsetDateTime,
    /// Customer messages not yet seen.
    pub unread_count: i64,
    /// Assigned team member (user id), if any.
    pub assignee_id: Option<i64>,
}

impl Conversation {
    /// When free-form replies stop being allowed, if the window ever opened.
    #[must_use]
    pub fn window_closes_at(&self) -> Option<OffsetDateTime> {
        self.last_inbound_at.map(|t| t + SERVICE_WINDOW)
    }

    /// True while free-form replies are allowed.
    #[must_use]
    pub fn window_open(&self, now: OffsetDateTime) -> bool {
        self.window_closes_at().is_some_and(|t| now < t)
    }
}
