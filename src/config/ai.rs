//! `[ai]`: AI assist's provider — any OpenAI-compatible `/v1` endpoint (`OpenAI`, Ollama,
//! llama.cpp server, vLLM). Off by default. Each value set here wins over the one set in
//! Settings → AI assist (the page shows it read-only).

use super::Secret;
use serde::{Deserialize, Serialize};

/// `[ai]`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct AiConfig {
    /// Turn AI assist on or off (unset: the browser's choice; off until someone turns it on).
    pub enabled: Option<bool>,
    /// The `/v1` base address, e.g. `http://127.0.0.1:11434/v1` for Ollama.
    pub base_url: Option<String>,
    /// The model name as the server knows it.
    pub model: Option<String>,
    /// The API key (local servers need none). Prefer `flowcrm secret set ai.api_key`.
    pub api_key: Option<Secret>,
    /// The most tokens one request's conversation may take.
    pub context_tokens: Option<u32>,
    /// Seconds to wait for an answer.
    pub timeout_secs: Option<u32>,
    /// Tokens (in + out) allowed per calendar month; 0 = no cap.
    pub monthly_token_cap: Option<u64>,
}
