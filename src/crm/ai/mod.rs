//! AI assist for agents: one door for every AI feature (summary, reply draft or template pick,
//! rewrite, translate, intent and tag suggestions, the connection test) and for its settings.
//! Private by construction: nothing is sent while AI is off, for a contact who said "no AI" or
//! whose processing is restricted, or past the monthly token cap; only the selected
//! conversation's messages go (newest first within the token budget; notes never), with phone
//! numbers, emails, card numbers, IBANs and the contact's names replaced by placeholders that
//! are put back in what the agent sees; every call is logged without content. The model only
//! drafts: a person edits and sends.

mod assist;
mod call;
mod objection;
mod settings;
mod test;

pub use assist::{Assist, Request};
pub use settings::{FileValues, Settings, SettingsInput, Usage};
pub use test::TestResult;

use crate::ai::{Client, Endpoint};
use crate::model::Zone;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

/// Names in the `settings` table and the secret store.
pub mod names {
    /// The encrypted API key.
    pub const KEY_SECRET: &str = "ai.api_key";
    /// On or off.
    pub const ENABLED: &str = "ai.enabled";
    /// The `/v1` base address.
    pub const BASE_URL: &str = "ai.base_url";
    /// The model.
    pub const MODEL: &str = "ai.model";
    /// Tokens of conversation per request.
    pub const CONTEXT_TOKENS: &str = "ai.context_tokens";
    /// Seconds to wait.
    pub const TIMEOUT_SECS: &str = "ai.timeout_secs";
    /// Tokens per calendar month.
    pub const MONTHLY_CAP: &str = "ai.monthly_token_cap";
}

/// What the API key lookup returns: the key (none: not set) or why it cannot be read.
pub type KeyFuture = Pin<Box<dyn Future<Output = Result<Option<String>, String>> + Send>>;

/// How AI assist runs in this process: the values `flowcrm.toml` fixes, where the key comes
/// from (the file, the environment, or the encrypted store — wired by `app`), and the business
/// time zone (the monthly cap's month).
pub struct Runtime {
    /// Values from `flowcrm.toml` (they win).
    pub file: FileValues,
    /// Looks up the API key in force.
    pub key: Arc<dyn Fn() -> KeyFuture + Send + Sync>,
    /// The business time zone.
    pub zone: Zone,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("file", &self.file)
            .field("zone", &self.zone)
            .finish_non_exhaustive()
    }
}

/// The client kept between calls (its connection pool), for the endpoint it was made for.
pub type CachedClient = Option<Client>;

impl super::Crm {
    /// The runtime, or a default one (AI off unless the browser turned it on; no key).
    fn ai_runtime(&self) -> Arc<Runtime> {
        self.ai.clone().unwrap_or_else(|| {
            Arc::new(Runtime {
                file: FileValues::default(),
                key: Arc::new(|| Box::pin(async { Ok(None) })),
                zone: Zone::utc(),
            })
        })
    }

    /// A client for `endpoint`, reused while the endpoint stays the same.
    async fn ai_client(&self, endpoint: Endpoint) -> super::Result<Client> {
        let mut cached = self.ai_client.lock().await;
        if let Some(c) = cached.as_ref()
            && c.endpoint() == &endpoint
        {
            return Ok(c.clone());
        }
        let client = Client::new(endpoint)
            .map_err(|e| super::Error::Ai(format!("The AI client could not start: {e}")))?;
        *cached = Some(client.clone());
        Ok(client)
    }
}
