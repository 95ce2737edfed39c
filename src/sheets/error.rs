//! What went wrong talking to Google, sorted into what the sync does about it.

use std::fmt;

/// The kinds of failure the sync tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The key JSON is unusable.
    Key,
    /// Google refused the key (token endpoint) or the token (401).
    Auth,
    /// 403: the spreadsheet is not shared with the service account (or the API is off).
    NotShared,
    /// 404: no such spreadsheet (deleted, or a wrong id).
    NotFound,
    /// 429: over the quota; back off.
    Quota,
    /// 5xx: Google's side; back off.
    Server,
    /// No answer (DNS, connection, timeout).
    Network,
    /// 400: Google did not accept the request.
    Invalid,
}

impl ErrorKind {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Auth => "auth",
            Self::NotShared => "not_shared",
            Self::NotFound => "not_found",
            Self::Quota => "quota",
            Self::Server => "server",
            Self::Network => "network",
            Self::Invalid => "invalid",
        }
    }

    /// A 429 or a 5xx: worth trying again later.
    #[must_use]
    pub fn backs_off(self) -> bool {
        matches!(self, Self::Quota | Self::Server | Self::Network)
    }
}

/// A failed call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind.
    pub kind: ErrorKind,
    /// The HTTP status, when Google answered.
    pub status: Option<u16>,
    /// Google's message (or ours).
    pub message: String,
}

impl Error {
    pub(super) fn key(message: String) -> Self {
        Self {
            kind: ErrorKind::Key,
            status: None,
            message,
        }
    }

    pub(super) fn network(message: String) -> Self {
        Self {
            kind: ErrorKind::Network,
            status: None,
            message,
        }
    }

    /// From an HTTP status and Google's error body (`{"error": {"code", "message", "status"}}`).
    #[must_use]
    pub fn from_status(status: u16, body: Option<&serde_json::Value>) -> Self {
        let error = body.and_then(|b| b.get("error"));
        let message = error
            .and_then(|e| e.get("message"))
            .and_then(|m| m.as_str())
            .or_else(|| error.and_then(|e| e.as_str()))
            .unwrap_or("no message")
            .to_string();
        let kind = match status {
            401 => ErrorKind::Auth,
            403 => ErrorKind::NotShared,
            404 => ErrorKind::NotFound,
            429 => ErrorKind::Quota,
            500..=599 => ErrorKind::Server,
            _ => ErrorKind::Invalid,
        };
        Self {
            kind,
            status: Some(status),
            message,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "Google answered {s}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for Error {}
