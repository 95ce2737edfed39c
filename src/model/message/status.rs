//! Delivery statuses of outbound messages and the error object Meta sends with a failure.

use serde::{Deserialize, Serialize};

/// Delivery state of an outbound message, in the order it can only move forward. `failed`
/// ranks below `delivered`: a later `delivered` (multi-device) wins over an earlier failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    /// Accepted by WhatsApp (one tick).
    Sent,
    /// Could not be delivered.
    Failed,
    /// Delivered to the phone (two ticks).
    Delivered,
    /// Read (blue ticks).
    Read,
    /// Voice message played.
    Played,
    /// The customer deleted it on their phone (reported by some API versions).
    Deleted,
}

impl DeliveryStatus {
    /// Parses Meta's status name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "sent" => Self::Sent,
            "failed" => Self::Failed,
            "delivered" => Self::Delivered,
            "read" => Self::Read,
            "played" => Self::Played,
            "deleted" => Self::Deleted,
            _ => return None,
        })
    }

    /// Meta's status name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Delivered => "delivered",
            Self::Read => "read",
            Self::Played => "played",
            Self::Deleted => "deleted",
        }
    }

    /// Position in the forward-only order (1 = sent).
    #[must_use]
    pub fn rank(self) -> i64 {
        match self {
            Self::Sent => 1,
            Self::Failed => 2,
            Self::Delivered => 3,
            Self::Read => 4,
            Self::Played => 5,
            Self::Deleted => 6,
        }
    }
}

/// An error object as Meta sends it in webhooks and API answers.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MetaError {
    /// Numeric code (e.g. 131047).
    pub code: i64,
    /// Short title.
    pub title: String,
    /// Message.
    pub message: String,
    /// `error_data.details`.
    pub details: String,
}
