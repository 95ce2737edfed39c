//! An in-process fake OpenAI-compatible server (`POST /v1/chat/completions`) on a real port. It
//! checks the request as the real API would — a bearer key when one is required, JSON with a
//! non-empty `model`, a `messages` array of `{role, content}` with known roles and string
//! content, a positive `max_completion_tokens` or `max_tokens`, `n` of 1 when given — answers
//! 400/401 in `OpenAI`'s error shape otherwise, and records every accepted prompt. It answers
//! with scripted replies (or an echo of the task), reports `usage.prompt_tokens` as about a
//! token per four characters (or a scripted smaller number, like a server that truncates),
//! and can be slowed down.
#![allow(dead_code)] // each test crate uses part of it

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct Inner {
    /// Accepted request bodies.
    pub prompts: Vec<Value>,
    /// Every request, accepted or not.
    pub requests: usize,
    /// Next answers: (HTTP status, content text for 200 or the error body).
    pub script: VecDeque<(u16, String)>,
    /// Report this many prompt tokens (a truncating server).
    pub truncate_to: Option<u32>,
    /// Leave `usage` out.
    pub no_usage: bool,
    /// Wait this long before answering.
    pub delay: Duration,
}

#[derive(Clone)]
pub struct FakeAi {
    pub inner: Arc<Mutex<Inner>>,
    /// The `/v1` base to configure.
    pub base: String,
    /// The key the fake requires (none: any or no key).
    pub key: Option<String>,
}

fn error(status: u16, message: &str, kind: &str, code: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(
            json!({"error": {"message": message, "type": kind, "param": null, "code": code}}),
        ),
    )
        .into_response()
}

/// The request shape the real endpoint checks; the problem when it is wrong.
fn check(body: &Value) -> Result<(), String> {
    let model = body["model"].as_str().unwrap_or_default();
    if model.is_empty() {
        return Err("you must provide a model parameter".into());
    }
    let messages = body["messages"]
        .as_array()
        .ok_or("messages must be an array")?;
    if messages.is_empty() {
        return Err("messages must not be empty".into());
    }
    for m in messages {
        let role = m["role"].as_str().unwrap_or_default();
        if !["system", "developer", "user", "assistant"].contains(&role) {
            return Err(format!("invalid role {role:?}"));
        }
        if !m["content"].is_string() {
            return Err("content must be a string".into());
        }
    }
    let max = body
        .get("max_completion_tokens")
        .or_else(|| body.get("max_tokens"));
    if let Some(m) = max
        && m.as_u64().is_none_or(|n| n == 0)
    {
        return Err("max_completion_tokens must be a positive integer".into());
    }
    if body.get("n").is_some_and(|n| n.as_u64() != Some(1)) {
        return Err("n must be 1".into());
    }
    Ok(())
}

/// The text of all messages of a recorded request.
pub fn prompt_text(body: &Value) -> String {
    body["messages"]
        .as_array()
        .map(|ms| {
            ms.iter()
                .map(|m| m["content"].as_str().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

async fn completions(State(fake): State<FakeAi>, headers: HeaderMap, body: String) -> Response {
    let (delay, scripted, truncate_to, no_usage) = {
        let mut i = fake.inner.lock().expect("lock");
        i.requests += 1;
        (i.delay, i.script.pop_front(), i.truncate_to, i.no_usage)
    };
    if let Some(key) = &fake.key {
        let auth = headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        if auth != format!("Bearer {key}") {
            return error(
                401,
                "Incorrect API key provided.",
                "invalid_request_error",
                "invalid_api_key",
            );
        }
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/json") {
        return error(
            400,
            "Content-Type must be application/json",
            "invalid_request_error",
            "",
        );
    }
    let Ok(req) = serde_json::from_str::<Value>(&body) else {
        return error(
            400,
            "We could not parse the JSON body of your request.",
            "invalid_request_error",
            "",
        );
    };
    if let Err(why) = check(&req) {
        return error(400, &why, "invalid_request_error", "");
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    let text = prompt_text(&req);
    fake.inner.lock().expect("lock").prompts.push(req.clone());
    let content = match scripted {
        Some((200, c)) => c,
        Some((status, body)) => {
            return (
                StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
                [("content-type", "application/json")],
                body,
            )
                .into_response();
        }
        None => "Hello [NAME_1], thanks for writing. We will call you at [PHONE_1].".to_string(),
    };
    let sent = u32::try_from(text.chars().count().div_ceil(4)).unwrap_or(u32::MAX);
    let prompt_tokens = truncate_to.map_or(sent, |t| t.min(sent));
    let completion_tokens = u32::try_from(content.chars().count().div_ceil(4)).unwrap_or(0);
    let mut answer = json!({
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_767_225_600,
        "model": req["model"],
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
    });
    if !no_usage {
        answer["usage"] = json!({"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens, "total_tokens": prompt_tokens + completion_tokens});
    }
    axum::Json(answer).into_response()
}

impl FakeAi {
    /// Starts the fake; `key` is the API key it requires.
    pub async fn start(key: Option<&str>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let fake = Self {
            inner: Arc::default(),
            base: format!("http://{addr}/v1"),
            key: key.map(str::to_string),
        };
        let app = Router::new()
            .route("/v1/chat/completions", post(completions))
            .with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake ai") });
        fake
    }

    /// Answer the next call with `content`.
    pub fn reply(&self, content: &str) {
        self.inner
            .lock()
            .expect("lock")
            .script
            .push_back((200, content.to_string()));
    }

    /// Answer the next call with an error.
    pub fn fail(&self, status: u16, body: &Value) {
        self.inner
            .lock()
            .expect("lock")
            .script
            .push_back((status, body.to_string()));
    }

    /// Accepted prompts so far.
    pub fn prompts(&self) -> Vec<Value> {
        self.inner.lock().expect("lock").prompts.clone()
    }

    /// Requests so far (accepted or not).
    pub fn requests(&self) -> usize {
        self.inner.lock().expect("lock").requests
    }
}
