//! The cookies FlowCRM sets: the session, the anonymous CSRF token and the one-shot flash
//! message. All `HttpOnly; SameSite=Lax; Path=/`, `Secure` (and `__Host-` names) over HTTPS.

use axum::http::HeaderValue;
use axum_extra::extract::cookie::{Cookie, SameSite};
use serde::{Deserialize, Serialize};

/// Kind of a flash message, used as a CSS class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    /// Something worked.
    Success,
    /// Neutral information.
    Info,
    /// Something did not work.
    Error,
}

impl FlashKind {
    /// CSS class suffix.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
            FlashKind::Error => "error",
        }
    }
}

/// A message shown once on the next page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    /// Style.
    pub kind: FlashKind,
    /// Text (escaped when rendered).
    pub message: String,
}

/// Names and attributes of cookies for this install.
#[derive(Debug, Clone)]
pub struct CookieConfig {
    secure: bool,
}

/// Longest flash message carried in a cookie.
const MAX_FLASH: usize = 300;

impl CookieConfig {
    /// Cookie settings for an install reached over HTTPS (`secure`) or plain HTTP.
    #[must_use]
    pub fn new(secure: bool) -> Self {
        Self { secure }
    }

    /// Name of the session cookie.
    #[must_use]
    pub fn session_name(&self) -> &'static str {
        if self.secure {
            "__Host-flowcrm_session"
        } else {
            "flowcrm_session"
        }
    }

    /// Name of the anonymous CSRF cookie (forms shown before login).
    #[must_use]
    pub fn csrf_name(&self) -> &'static str {
        if self.secure {
            "__Host-flowcrm_csrf"
        } else {
            "flowcrm_csrf"
        }
    }

    /// The cookies this app sets, for the privacy notice: all essential, none for analytics or
    /// advertising, and only for the team (customers write on WhatsApp and never get one).
    #[must_use]
    pub fn uses(&self, config: &crate::config::Config) -> Vec<crate::crm::notice::CookieUse> {
        let s = &config.security;
        let use_ = |name: &str, purpose: String| crate::crm::notice::CookieUse {
            name: name.into(),
            purpose,
        };
        vec![
            use_(
                self.session_name(),
                format!(
                    "Keeps a team member signed in; ends after {} minutes without use and at most {} hours after signing in.",
                    s.session_idle_minutes, s.session_max_hours
                ),
            ),
            use_(
                self.csrf_name(),
                "Protects forms against cross-site request forgery.".into(),
            ),
            use_(
                self.flash_name(),
                "Carries a one-line message (\"Saved.\") to the next page; lasts 5 minutes.".into(),
            ),
        ]
    }

    /// Name of the flash cookie.
    #[must_use]
    pub fn flash_name(&self) -> &'static str {
        "flowcrm_flash"
    }

    fn build(
        &self,
        name: &'static str,
        value: String,
        max_age: Option<time::Duration>,
    ) -> HeaderValue {
        let mut c = Cookie::new(name, value);
        c.set_path("/");
        c.set_http_only(true);
        c.set_same_site(SameSite::Lax);
        c.set_secure(self.secure);
        if let Some(age) = max_age {
            c.set_max_age(age);
        }
        HeaderValue::from_str(&c.encoded().to_string())
            .unwrap_or_else(|_| HeaderValue::from_static("flowcrm_invalid=; Max-Age=0"))
    }

    /// `Set-Cookie` for a new session (a browser-session cookie; the server enforces expiry).
    #[must_use]
    pub fn session(&self, token: &str) -> HeaderValue {
        self.build(self.session_name(), token.to_string(), None)
    }

    /// `Set-Cookie` that removes the session cookie.
    #[must_use]
    pub fn clear_session(&self) -> HeaderValue {
        self.build(
            self.session_name(),
            String::new(),
            Some(time::Duration::ZERO),
        )
    }

    /// `Set-Cookie` for an anonymous CSRF token.
    #[must_use]
    pub fn csrf(&self, token: &str) -> HeaderValue {
        self.build(self.csrf_name(), token.to_string(), None)
    }

    /// `Set-Cookie` carrying a flash message for the next page.
    #[must_use]
    pub fn flash(&self, kind: FlashKind, message: &str) -> HeaderValue {
        let message: String = message.chars().take(MAX_FLASH).collect();
        let value = serde_urlencoded::to_string([("k", kind.as_str()), ("m", message.as_str())])
            .unwrap_or_default();
        self.build(self.flash_name(), value, Some(time::Duration::minutes(5)))
    }

    /// `Set-Cookie` that removes the flash cookie.
    #[must_use]
    pub fn clear_flash(&self) -> HeaderValue {
        self.build(self.flash_name(), String::new(), Some(time::Duration::ZERO))
    }
}

/// Reads a flash cookie value; `None` when it is malformed.
#[must_use]
pub fn parse_flash(value: &str) -> Option<Flash> {
    #[derive(Deserialize)]
    struct Raw {
        k: FlashKind,
        m: String,
    }
    let raw: Raw = serde_urlencoded::from_str(value).ok()?;
    Some(Flash {
        kind: raw.k,
        message: raw.m.chars().take(MAX_FLASH).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flash_round_trips_through_a_cookie_value() {
        let c = CookieConfig::new(false);
        let header = c.flash(FlashKind::Success, "Saved; 100% <done>, thanks");
        let text = header.to_str().expect("ascii");
        let value = text
            .strip_prefix("flowcrm_flash=")
            .and_then(|v| v.split(';').next())
            .expect("value");
        let decoded = axum_extra::extract::cookie::Cookie::parse_encoded(format!("x={value}"))
            .expect("cookie");
        let flash = parse_flash(decoded.value()).expect("parse");
        assert_eq!(flash.message, "Saved; 100% <done>, thanks");
        assert_eq!(flash.kind, FlashKind::Success);
    }

    #[test]
    fn https_cookies_are_secure_and_host_prefixed() {
        let c = CookieConfig::new(true);
        let s = c.session("tok");
        let s = s.to_str().expect("ascii");
        assert!(s.starts_with("__Host-flowcrm_session=tok"));
        for attr in ["HttpOnly", "SameSite=Lax", "Path=/", "Secure"] {
            assert!(s.contains(attr), "{attr} missing in {s}");
        }
        assert!(
            !CookieConfig::new(false)
                .session("t")
                .to_str()
                .expect("a")
                .contains("Secure")
        );
    }
}
