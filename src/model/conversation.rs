//! Conversations: one per contact and business number.

use super::ContactId;
use time::{Duration, OffsetDateTime};

/// How long the customer-service window stays open after the customer's last message.
pub const SERVICE_WINDOW: Duration = Duration::hours(24);

/// Where a conversation stands for the team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ConversationStatus {
    /// Needs attention (new conversations, and every new customer message reopens one).
    #[default]
    Open,
    /// Waiting on something (the customer, a delivery).
    Pending,
    /// Done.
    Resolved,
}

impl ConversationStatus {
    /// Every status, in display order.
    pub const ALL: [Self; 3] = [Self::Open, Self::Pending, Self::Resolved];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Pending => "pending",
            Self::Resolved => "resolved",
        }
    }
}

impl std::str::FromStr for ConversationStatus {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
            .ok_or("Use open, pending or resolved.")
    }
}

impl std::fmt::Display for ConversationStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// When free-form replies stop being allowed, given the customer's last message (if any).
#[must_use]
pub fn window_closes_at(last_inbound: Option<OffsetDateTime>) -> Option<OffsetDateTime> {
    last_inbound.map(|t| t + SERVICE_WINDOW)
}

/// A conversation with a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    /// Row id.
    pub id: i64,
    /// The customer.
    pub contact_id: ContactId,
    /// Business number id.
    pub phone_number_id: String,
    /// Open, pending or resolved.
    pub status: ConversationStatus,
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
        window_closes_at(self.last_inbound_at)
    }

    /// True while free-form replies are allowed.
    #[must_use]
    pub fn window_open(&self, now: OffsetDateTime) -> bool {
        self.window_closes_at().is_some_and(|t| now < t)
    }
}
