//! Customers: `Contact` and its id.

use super::{OptIn, PhoneE164};
use std::fmt;
use time::OffsetDateTime;

/// Primary key of a contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ContactId(pub i64);

impl fmt::Display for ContactId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A customer, identified by phone and/or WhatsApp business-scoped user id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// Primary key.
    pub id: ContactId,
    /// Phone in E.164, when known.
    pub phone: Option<PhoneE164>,
    /// Business-scoped user id, when known.
    pub bsuid: Option<String>,
    /// WhatsApp username, when the customer has one.
    pub username: Option<String>,
    /// Name from the customer's WhatsApp profile.
    pub profile_name: String,
    /// Name the business gave.
    pub name: String,
    /// Email address, when the business knows it.
    pub email: Option<String>,
    /// First seen.
    pub created_at: OffsetDateTime,
    /// Consent to receive messages.
    pub opt_in: OptIn,
    /// Since when processing their data is restricted (only 1:1 conversation), if it is.
    pub restricted_at: Option<OffsetDateTime>,
}

impl Contact {
    /// The best name to show.
    #[must_use]
    pub fn display_name(&self) -> String {
        [&self.name, &self.profile_name]
            .into_iter()
            .find(|n| !n.trim().is_empty())
            .cloned()
            .or_else(|| self.phone.as_ref().map(ToString::to_string))
            .or_else(|| self.username.clone())
            .or_else(|| self.bsuid.clone())
            .unwrap_or_default()
    }
}
