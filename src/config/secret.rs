//! `Secret`: a string that never prints. Imports nothing internal.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// A secret string; `Debug` and `Display` print a placeholder, never the value.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    #[must_use]
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself; call only where it is used, never to log it.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

/// Secrets that may be given in the config but belong in the encrypted store.
pub const SECRET_KEYS: &[&str] = &[
    "whatsapp.app_secret",
    "whatsapp.access_token",
    "smtp.password",
    "sheets.service_account",
    "ai.api_key",
];

/// Everything the encrypted store keeps: the secrets above, and the webhook verify token (which
/// the connection page shows, since it is pasted into Meta's dashboard; `flowcrm init` writes it
/// in the config file, where it is not warned about).
pub const STORED_SECRETS: &[&str] = &[
    "whatsapp.app_secret",
    "whatsapp.access_token",
    "whatsapp.verify_token",
    "smtp.password",
    "sheets.service_account",
    "ai.api_key",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_the_value() {
        let s = Secret::new("hunter2-token");
        assert!(!format!("{s:?}").contains("hunter2"));
        assert!(!format!("{s}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2-token");
    }
}
