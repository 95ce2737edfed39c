//! Where an outbound message is in the outbox.

/// Where an outbound message is in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutboxState {
    /// Waiting to be sent (or for its retry time).
    Queued,
    /// Claimed by the sender, request in flight.
    Sending,
    /// Meta accepted it.
    Sent,
    /// Meta refused it for good (or it could not be sent); a person may retry.
    Failed,
    /// The 24-hour window closed: only a template can reach the customer.
    NeedsTemplate,
    /// FlowCRM stopped mid-send; a status webhook settles it, else it is reported.
    Unknown,
}

impl OutboxState {
    const ALL: [Self; 6] = [
        Self::Queued,
        Self::Sending,
        Self::Sent,
        Self::Failed,
        Self::NeedsTemplate,
        Self::Unknown,
    ];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Queued => "queued",
            Self::Sending => "sending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::NeedsTemplate => "needs_template",
            Self::Unknown => "unknown",
        }
    }

    /// Whether a person may put it back in the queue.
    #[must_use]
    pub fn retryable(self) -> bool {
        matches!(self, Self::Failed | Self::Unknown)
    }
}

impl std::str::FromStr for OutboxState {
    type Err = &'static str;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or("not an outbox state")
    }
}
