//! AI assist's settings: on/off, the endpoint, the model, the token budget, the timeout and the
//! monthly cap. `flowcrm.toml` wins, value by value; otherwise the browser's (the `settings`
//! table); otherwise the defaults. Saving checks every field first and keeps nothing on error.

use super::names;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::FieldError;
use rusqlite::Connection;
use std::time::Duration;
use time::OffsetDateTime;

/// Default `/v1` base.
pub const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";
/// Default model.
pub const DEFAULT_MODEL: &str = "gpt-4o-mini";
/// Default tokens of conversation per request.
pub const DEFAULT_CONTEXT: u32 = 6000;
/// Default seconds to wait.
pub const DEFAULT_TIMEOUT: u32 = 60;
/// Default tokens per month.
pub const DEFAULT_CAP: u64 = 1_000_000;

/// The values `flowcrm.toml` (or the environment) sets.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileValues {
    /// `ai.enabled`.
    pub enabled: Option<bool>,
    /// `ai.base_url`.
    pub base_url: Option<String>,
    /// `ai.model`.
    pub model: Option<String>,
    /// `ai.context_tokens`.
    pub context_tokens: Option<u32>,
    /// `ai.timeout_secs`.
    pub timeout_secs: Option<u32>,
    /// `ai.monthly_token_cap`.
    pub monthly_token_cap: Option<u64>,
    /// The key comes from `ai.api_key` (file or environment).
    pub key_in_file: bool,
}

/// The settings in force.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// AI assist is on.
    pub enabled: bool,
    /// The `/v1` base.
    pub base_url: String,
    /// The model.
    pub model: String,
    /// Tokens of conversation one request may send.
    pub context_tokens: u32,
    /// Seconds to wait.
    pub timeout_secs: u32,
    /// Tokens per calendar month (0: no cap).
    pub monthly_token_cap: u64,
    /// Which values `flowcrm.toml` fixes (the form shows them read-only).
    pub from_file: Vec<&'static str>,
}

impl Settings {
    /// The endpoint these settings call, with `key`.
    #[must_use]
    pub fn endpoint(&self, key: Option<String>) -> crate::ai::Endpoint {
        crate::ai::Endpoint {
            base_url: self.base_url.clone(),
            api_key: key,
            model: self.model.clone(),
            timeout: Duration::from_secs(self.timeout_secs.into()),
        }
    }

    /// The endpoint's host.
    #[must_use]
    pub fn host(&self) -> String {
        crate::ai::host_of(&self.base_url)
    }

    /// `OpenAI` itself (which always needs a key).
    #[must_use]
    pub fn needs_key(&self) -> bool {
        let host = self.host();
        host == "openai.com" || host.ends_with(".openai.com")
    }
}

fn stored(conn: &Connection, name: &str) -> db::Result<Option<String>> {
    Ok(db::settings::get(conn, name)?.map(|s| s.value))
}

/// Whether AI assist is on: `ai.enabled` from the file, else the browser's (one row), else off.
fn enabled(conn: &Connection, file: &FileValues) -> db::Result<bool> {
    match file.enabled {
        Some(on) => Ok(on),
        None => Ok(stored(conn, names::ENABLED)?.as_deref() == Some("true")),
    }
}

/// The settings in force.
pub fn settings(conn: &Connection, file: &FileValues) -> Result<Settings> {
    let mut from_file = Vec::new();
    let enabled = enabled(conn, file)?;
    if file.enabled.is_some() {
        from_file.push(names::ENABLED);
    }
    let mut text = |name: &'static str, v: &Option<String>, default: &str| -> db::Result<String> {
        if let Some(v) = v.as_ref().filter(|v| !v.trim().is_empty()) {
            from_file.push(name);
            return Ok(v.trim().to_string());
        }
        Ok(stored(conn, name)?
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| default.to_string()))
    };
    let base_url = text(names::BASE_URL, &file.base_url, DEFAULT_BASE_URL)?;
    let model = text(names::MODEL, &file.model, DEFAULT_MODEL)?;
    let context = text(
        names::CONTEXT_TOKENS,
        &file.context_tokens.map(|n| n.to_string()),
        &DEFAULT_CONTEXT.to_string(),
    )?;
    let timeout = text(
        names::TIMEOUT_SECS,
        &file.timeout_secs.map(|n| n.to_string()),
        &DEFAULT_TIMEOUT.to_string(),
    )?;
    let cap = text(
        names::MONTHLY_CAP,
        &file.monthly_token_cap.map(|n| n.to_string()),
        &DEFAULT_CAP.to_string(),
    )?;
    Ok(Settings {
        enabled,
        base_url,
        model,
        context_tokens: context
            .parse()
            .map_err(|_| Error::Corrupt("ai.context_tokens"))?,
        timeout_secs: timeout
            .parse()
            .map_err(|_| Error::Corrupt("ai.timeout_secs"))?,
        monthly_token_cap: cap
            .parse()
            .map_err(|_| Error::Corrupt("ai.monthly_token_cap"))?,
        from_file,
    })
}

/// What the settings form sends.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    /// On or off.
    pub enabled: bool,
    /// The `/v1` base.
    pub base_url: String,
    /// The model.
    pub model: String,
    /// Tokens of conversation per request.
    pub context_tokens: String,
    /// Seconds to wait.
    pub timeout_secs: String,
    /// Tokens per month (0: no cap).
    pub monthly_token_cap: String,
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display + Copy>(
    text: &str,
    field: &'static str,
    range: (T, T),
    what: &str,
    errors: &mut Vec<FieldError>,
) -> Option<T> {
    let t = text.trim().replace([',', '_', ' '], "");
    match t.parse::<T>() {
        Ok(n) if n >= range.0 && n <= range.1 => Some(n),
        _ => {
            errors.push(FieldError::new(
                field,
                format!(
                    "{what} must be a whole number from {} to {}.",
                    range.0, range.1
                ),
            ));
            None
        }
    }
}

/// Checks the form; the problems, one per field.
fn check(
    input: &SettingsInput,
) -> std::result::Result<[(&'static str, String); 6], Vec<FieldError>> {
    let mut errors = Vec::new();
    if let Err(e) = crate::ai::check_base_url(&input.base_url) {
        errors.push(FieldError::new("base_url", e));
    }
    if input.model.trim().is_empty() || input.model.trim().len() > 200 {
        errors.push(FieldError::new(
            "model",
            "Name the model as the server knows it (for example gpt-4o-mini or llama3.2).",
        ));
    }
    let context = number(
        &input.context_tokens,
        "context_tokens",
        (500u32, 2_000_000),
        "The token budget",
        &mut errors,
    );
    let timeout = number(
        &input.timeout_secs,
        "timeout_secs",
        (1u32, 600),
        "The timeout",
        &mut errors,
    );
    let cap = number(
        &input.monthly_token_cap,
        "monthly_token_cap",
        (0u64, 1_000_000_000_000),
        "The monthly cap",
        &mut errors,
    );
    match (context, timeout, cap) {
        (Some(c), Some(t), Some(m)) if errors.is_empty() => Ok([
            (names::ENABLED, input.enabled.to_string()),
            (
                names::BASE_URL,
                input.base_url.trim().trim_end_matches('/').to_string(),
            ),
            (names::MODEL, input.model.trim().to_string()),
            (names::CONTEXT_TOKENS, c.to_string()),
            (names::TIMEOUT_SECS, t.to_string()),
            (names::MONTHLY_CAP, m.to_string()),
        ]),
        _ => Err(errors),
    }
}

/// Tokens and calls this month, and the newest calls.
#[derive(Debug, Clone)]
pub struct Usage {
    /// Tokens (in + out) since the 1st of this month (business time zone).
    pub tokens: u64,
    /// Calls since then.
    pub calls: u64,
    /// The newest calls, with the asker's name.
    pub recent: Vec<(db::ai::Call, Option<String>)>,
}

/// The start of `now`'s calendar month in `zone`.
pub(super) fn month_start(zone: &crate::model::Zone, now: OffsetDateTime) -> OffsetDateTime {
    let local = zone.local(now).date();
    zone.day_start(local.replace_day(1).unwrap_or(local))
}

impl Crm {
    /// The settings in force (admins: the settings page; agents: the panel asks [`Crm::ai_enabled`]).
    pub async fn ai_settings(&self, who: Who) -> Result<Settings> {
        access::require(who, AdminAction::AiSettings)?;
        let file = self.ai_runtime().file.clone();
        self.db.read(move |c| settings(c, &file)).await
    }

    /// What the conversation page's AI panel needs, in one read: whether AI assist is on (its
    /// buttons show only then) and the conversation's stored summary.
    pub async fn ai_panel(&self, conversation: i64) -> Result<(bool, Option<db::ai::Summary>)> {
        let file = self.ai_runtime().file.clone();
        self.db
            .read(move |c| Ok((enabled(c, &file)?, db::ai::summary(c, conversation)?)))
            .await
    }

    /// The endpoint's host when AI assist is on (the privacy notice lists it).
    pub(crate) async fn ai_host(&self) -> Result<Option<String>> {
        let file = self.ai_runtime().file.clone();
        let s = self.db.read(move |c| settings(c, &file)).await?;
        Ok(s.enabled.then(|| s.host()))
    }

    /// Whether an API key is set (file, environment or store); a key that cannot be read is
    /// an error that says so.
    pub async fn ai_key_set(&self, who: Who) -> Result<bool> {
        access::require(who, AdminAction::AiSettings)?;
        Ok((self.ai_runtime().key)()
            .await
            .map_err(Error::Ai)?
            .is_some())
    }

    /// Saves the browser's settings (admins): every field checked; nothing kept on error;
    /// values `flowcrm.toml` fixes are left alone. Audited.
    pub async fn save_ai_settings(&self, who: Who, input: SettingsInput) -> Result<()> {
        access::require(who, AdminAction::AiSettings)?;
        let values = check(&input).map_err(Error::Invalid)?;
        let file = self.ai_runtime().file.clone();
        let now = self.clock.now();
        let by = who.user.map(|u| u.0);
        self.db
            .write(move |c| {
                let fixed = settings(c, &file)?.from_file;
                for (name, value) in &values {
                    if !fixed.contains(name) {
                        db::settings::put(c, name, value, by, now)?;
                    }
                }
                let detail = format!(
                    "enabled: {}; endpoint: {}; model: {}",
                    values[0].1,
                    crate::ai::host_of(&values[1].1),
                    values[2].1
                );
                db::audit::record(
                    c,
                    &db::audit::Entry {
                        at: now,
                        actor: who.user,
                        action: "ai.settings".into(),
                        target: "ai".into(),
                        ip: String::new(),
                        detail,
                    },
                )?;
                Ok(())
            })
            .await
    }

    /// Tokens and calls this month and the newest `limit` calls (admins).
    pub async fn ai_usage(&self, who: Who, limit: u32) -> Result<Usage> {
        access::require(who, AdminAction::AiSettings)?;
        let since = month_start(&self.ai_runtime().zone, self.clock.now());
        self.db
            .read(move |c| {
                let (tokens, calls) = db::ai::used_since(c, since)?;
                Ok(Usage {
                    tokens,
                    calls,
                    recent: db::ai::recent_calls(c, limit)?,
                })
            })
            .await
    }
}
