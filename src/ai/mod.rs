//! The AI endpoint adapter: one chat-completions call to any OpenAI-compatible `/v1` server
//! (`OpenAI`, Ollama, llama.cpp server, vLLM) through `async-openai`, with a timeout, and its
//! failures sorted into kinds the panel can explain. Knows nothing of contacts or redaction:
//! `crm::ai` decides what may be sent.

use crate::model::ai::Answer;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs,
};
use std::fmt;
use std::time::Duration;

/// Where and how to call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The `/v1` base, e.g. `http://127.0.0.1:11434/v1`.
    pub base_url: String,
    /// Bearer key (local servers need none).
    pub api_key: Option<String>,
    /// Model name as the server knows it.
    pub model: String,
    /// Longest wait for one answer.
    pub timeout: Duration,
}

impl Endpoint {
    /// The server's host name (what the AI log and `/privacy` show); the base URL when it has
    /// none.
    #[must_use]
    pub fn host(&self) -> String {
        host_of(&self.base_url)
    }
}

/// The host of an address (`api.openai.com`), or the address itself when it does not parse.
#[must_use]
pub fn host_of(base_url: &str) -> String {
    reqwest::Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_else(|| base_url.to_string())
}

/// Checks a base URL: http(s) with a host.
///
/// # Errors
/// A sentence saying what is wrong.
pub fn check_base_url(base_url: &str) -> Result<(), String> {
    let u = reqwest::Url::parse(base_url.trim()).map_err(|_| {
        format!("\"{base_url}\" is not a web address (like http://127.0.0.1:11434/v1).")
    })?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return Err(format!(
            "\"{base_url}\" must start with http:// or https:// and name a host."
        ));
    }
    Ok(())
}

/// What went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 401/403: the key was refused.
    Auth,
    /// 404: no such model (or a wrong base URL).
    NotFound,
    /// 429: rate limit or the account's quota.
    RateLimit,
    /// 5xx.
    Server,
    /// No answer in time.
    Timeout,
    /// Could not connect.
    Network,
    /// The server answered something that is not a chat completion, or refused the request.
    Invalid,
}

impl ErrorKind {
    /// Stored name (the AI log's outcome).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::NotFound => "not_found",
            Self::RateLimit => "rate_limit",
            Self::Server => "server",
            Self::Timeout => "timeout",
            Self::Network => "network",
            Self::Invalid => "invalid",
        }
    }
}

/// A failed call: its kind, the HTTP status when there was one, the server's own words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// Sorted kind.
    pub kind: ErrorKind,
    /// HTTP status.
    pub status: Option<u16>,
    /// The server's message (cut short).
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.status {
            Some(s) => write!(f, "{} ({s}): {}", self.kind.as_str(), self.message),
            None => write!(f, "{}: {}", self.kind.as_str(), self.message),
        }
    }
}

impl std::error::Error for Error {}

fn err(kind: ErrorKind, status: Option<u16>, message: impl Into<String>) -> Error {
    Error {
        kind,
        status,
        message: crate::model::ai::clip(&message.into(), 300),
    }
}

fn sort(e: OpenAIError) -> Error {
    match e {
        OpenAIError::ApiError(r) => {
            let status = r.status_code.as_u16();
            let kind = match status {
                401 | 403 => ErrorKind::Auth,
                404 => ErrorKind::NotFound,
                429 => ErrorKind::RateLimit,
                500..=599 => ErrorKind::Server,
                _ => ErrorKind::Invalid,
            };
            err(kind, Some(status), r.api_error.message)
        }
        OpenAIError::Reqwest(e) if e.is_timeout() => {
            err(ErrorKind::Timeout, None, "no answer in time")
        }
        OpenAIError::Reqwest(e) => match e.status() {
            Some(s) if s.is_server_error() => {
                err(ErrorKind::Server, Some(s.as_u16()), e.to_string())
            }
            _ => err(ErrorKind::Network, None, e.to_string()),
        },
        OpenAIError::JSONDeserialize(_, body) => err(
            ErrorKind::Invalid,
            None,
            format!(
                "the answer is not a chat completion: {}",
                crate::model::ai::clip(&body, 120)
            ),
        ),
        other => err(ErrorKind::Invalid, None, other.to_string()),
    }
}

/// A client for one endpoint (cheap to clone; shares its connection pool).
#[derive(Clone)]
pub struct Client {
    inner: async_openai::Client<OpenAIConfig>,
    endpoint: Endpoint,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.endpoint.base_url)
            .field("model", &self.endpoint.model)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A client for `endpoint`. Reads no environment variables: the base, key, organisation
    /// and project are exactly what FlowCRM was configured with.
    ///
    /// # Errors
    /// The HTTP client could not be built.
    pub fn new(endpoint: Endpoint) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(endpoint.timeout)
            .connect_timeout(endpoint.timeout.min(Duration::from_secs(10)))
            .build()
            .map_err(|e| err(ErrorKind::Invalid, None, e.to_string()))?;
        let config = OpenAIConfig::new()
            .with_api_base(endpoint.base_url.trim().trim_end_matches('/'))
            .with_api_key(endpoint.api_key.clone().unwrap_or_default())
            .with_org_id("")
            .with_project_id("");
        Ok(Self {
            inner: async_openai::Client::build(http, config),
            endpoint,
        })
    }

    /// The endpoint this client calls.
    #[must_use]
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// One chat completion: a system message, a user message, at most `max_tokens` back.
    ///
    /// # Errors
    /// The sorted failure; an empty answer is `Invalid`.
    pub async fn chat(&self, system: &str, user: &str, max_tokens: u32) -> Result<Answer, Error> {
        let messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(system).into(),
            ChatCompletionRequestUserMessage::from(user).into(),
        ];
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.endpoint.model.clone())
            .messages(messages)
            .max_completion_tokens(max_tokens)
            .n(1)
            .build()
            .map_err(sort)?;
        let chat = self.inner.chat();
        let call = chat.create(request);
        let response = tokio::time::timeout(self.endpoint.timeout, call)
            .await
            .map_err(|_| err(ErrorKind::Timeout, None, "no answer in time"))?
            .map_err(sort)?;
        let text = response
            .choices
            .into_iter()
            .next()
            .and_then(|c| c.message.content)
            .unwrap_or_default();
        if text.trim().is_empty() {
            return Err(err(
                ErrorKind::Invalid,
                None,
                "the model answered with no text",
            ));
        }
        Ok(Answer {
            text: text.trim().to_string(),
            prompt_tokens: response.usage.as_ref().map(|u| u.prompt_tokens),
            completion_tokens: response.usage.as_ref().map(|u| u.completion_tokens),
        })
    }
}
