//! Broadcast campaigns: their states, how a template variable is filled for each contact, why a
//! contact is left out, and which of Meta's pricing markets a phone number belongs to.

mod market;

pub use market::{MARKETS, market_of};

use serde::{Deserialize, Serialize};

/// Where a campaign is in its life. Pause, resume and cancel work at any time before it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CampaignState {
    /// Being prepared; nothing is sent.
    Draft,
    /// Waits for its date and time.
    Scheduled,
    /// Its audience was taken; the sender works through it.
    Sending,
    /// Stopped by a person; resume goes on where it stopped.
    Paused,
    /// Every recipient was handed to the sender, and the sender is done with them.
    Done,
    /// Stopped for good; who had not been sent to is never sent to.
    Cancelled,
}

impl CampaignState {
    /// Every state, in order.
    pub const ALL: [Self; 6] = [
        Self::Draft,
        Self::Scheduled,
        Self::Sending,
        Self::Paused,
        Self::Done,
        Self::Cancelled,
    ];

    /// The stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Scheduled => "scheduled",
            Self::Sending => "sending",
            Self::Paused => "paused",
            Self::Done => "done",
            Self::Cancelled => "cancelled",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// True once nothing more will happen.
    #[must_use]
    pub fn is_final(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled)
    }
}

impl std::fmt::Display for CampaignState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How one template variable is filled for each recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Binding {
    /// A contact field (see [`CONTACT_FIELDS`], or `field:<key>` for a custom field), with the
    /// text used when the contact has no value.
    Field {
        /// The field.
        field: String,
        /// Used when the field is empty; empty: the contact is left out instead.
        #[serde(default)]
        fallback: String,
    },
    /// The same text for everyone.
    Text {
        /// The text.
        text: String,
    },
}

/// The built-in contact fields a variable can take, with their labels.
pub const CONTACT_FIELDS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("first_name", "First name"),
    ("phone", "Phone"),
    ("email", "Email"),
];

impl Binding {
    /// Checks the binding itself: a known field (custom ones are checked by the caller against
    /// the defined fields), fixed text that WhatsApp accepts.
    pub fn check(&self, position: usize) -> Result<(), String> {
        match self {
            Self::Field { field, fallback } => {
                let known = CONTACT_FIELDS.iter().any(|(k, _)| k == field)
                    || field.strip_prefix("field:").is_some_and(|k| !k.is_empty());
                if !known {
                    return Err(format!(
                        "Variable {position}: `{field}` is not a contact field."
                    ));
                }
                if !fallback.is_empty() {
                    let mut e = Vec::new();
                    super::check_param(&mut e, position, fallback);
                    if let Some(first) = e.into_iter().next() {
                        return Err(format!("{first} (fallback)"));
                    }
                }
                Ok(())
            }
            Self::Text { text } => {
                let mut e = Vec::new();
                super::check_param(&mut e, position, text);
                e.into_iter().next().map_or(Ok(()), Err)
            }
        }
    }

    /// The custom field key this binding reads, if any.
    #[must_use]
    pub fn custom_key(&self) -> Option<&str> {
        match self {
            Self::Field { field, .. } => field.strip_prefix("field:"),
            Self::Text { .. } => None,
        }
    }
}

/// The first word of a name (for `first_name`).
#[must_use]
pub fn first_name(name: &str) -> &str {
    name.split_whitespace().next().unwrap_or("")
}

/// Why a contact of the audience does not get the campaign. When several apply, the first in
/// [`LeftOut::ALL`] order is the one recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LeftOut {
    /// Their processing is restricted (GDPR art. 18): broadcasts skip them.
    Restricted,
    /// No phone number or WhatsApp user id to send to.
    NoIdentity,
    /// They opted out.
    OptedOut,
    /// Nobody knows whether they agreed (marketing needs opt-in; utility only when the campaign
    /// allows unknown consent).
    ConsentUnknown,
    /// Another marketing campaign reached them within the frequency cap.
    Capped,
    /// A variable would be empty or refused by WhatsApp for them.
    InvalidVariables,
}

impl LeftOut {
    /// Every reason, in the order they are checked.
    pub const ALL: [Self; 6] = [
        Self::Restricted,
        Self::NoIdentity,
        Self::OptedOut,
        Self::ConsentUnknown,
        Self::Capped,
        Self::InvalidVariables,
    ];

    /// The stored code.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Restricted => "restricted",
            Self::NoIdentity => "no_identity",
            Self::OptedOut => "opted_out",
            Self::ConsentUnknown => "consent_unknown",
            Self::Capped => "capped",
            Self::InvalidVariables => "invalid_variables",
        }
    }

    /// Parses a stored code.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// What a person reads.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Restricted => "Processing restricted",
            Self::NoIdentity => "No WhatsApp number",
            Self::OptedOut => "Opted out",
            Self::ConsentUnknown => "Consent unknown",
            Self::Capped => "Messaged by another campaign recently (frequency cap)",
            Self::InvalidVariables => "A variable is empty or invalid for them",
        }
    }
}

/// Meta's pricing categories a template can have, lower case as in its `pricing` objects.
pub const RATE_CATEGORIES: [&str; 3] = ["marketing", "utility", "authentication"];

/// Whether Meta charges a template of `category` (lower or upper case) sent to someone whose
/// customer-service window is open: marketing and authentication always, utility only outside
/// the window (since July 2025).
#[must_use]
pub fn charged(category: &str, window_open: bool) -> bool {
    !(category.eq_ignore_ascii_case("utility") && window_open)
}

/// Replies and opt-outs count for a campaign this long after its message was queued (72 h).
pub const ATTRIBUTION_SECS: i64 = 72 * 3600;

#[cfg(test)]
mod tests;
