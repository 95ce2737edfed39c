//! `[smtp]`: the outgoing mail server.

use super::Secret;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// How the SMTP connection is protected.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP (only for a relay on this machine or a test server).
    None,
    /// Plain connection upgraded with STARTTLS (port 587), required.
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
}

impl SmtpSecurity {
    /// The name used in `flowcrm.toml`.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Starttls => "starttls",
            Self::Tls => "tls",
        }
    }
}

/// `[smtp]`: the mail server FlowCRM sends invitations, password resets and alerts through.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    /// Mail server host name; unset: email is off (links are shown to admins instead).
    pub host: Option<String>,
    /// Port; default 25 for `none`, 587 for `starttls`, 465 for `tls`.
    pub port: Option<u16>,
    /// `none`, `starttls` (default) or `tls`.
    pub security: SmtpSecurity,
    /// User name for SMTP AUTH, if the server wants one.
    pub username: Option<String>,
    /// Password for SMTP AUTH. Prefer `flowcrm secret set smtp.password`.
    pub password: Option<Secret>,
    /// Sender address, e.g. `crm@shop.example`.
    pub from_address: Option<String>,
    /// Sender name shown to recipients; default: the business name.
    pub from_name: Option<String>,
    /// A PEM file with a CA certificate to trust besides the system's (a private mail server).
    pub ca_file: Option<PathBuf>,
    /// Attempts before a message is given up (with backoff between them).
    pub max_attempts: u32,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self {
            host: None,
            port: None,
            security: SmtpSecurity::Starttls,
            username: None,
            password: None,
            from_address: None,
            from_name: None,
            ca_file: None,
            max_attempts: 8,
        }
    }
}

impl SmtpConfig {
    /// The port in force.
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port.unwrap_or(match self.security {
            SmtpSecurity::None => 25,
            SmtpSecurity::Starttls => 587,
            SmtpSecurity::Tls => 465,
        })
    }

    /// True when a host and a sender address are set.
    #[must_use]
    pub fn is_configured(&self) -> bool {
        self.host.as_deref().is_some_and(|h| !h.trim().is_empty())
            && self
                .from_address
                .as_deref()
                .is_some_and(|a| !a.trim().is_empty())
    }
}
