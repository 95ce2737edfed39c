//! Middleware that every request passes: a request id and security headers on every response
//! (errors included), then the session, CSRF check and flash message for the handlers.

mod csrf;

use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::crypto;
use crate::db::sessions::ActiveSession;
use crate::web::cookies::Flash;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::net::SocketAddr;
use tracing::Instrument;

pub use csrf::*;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled (empty outside a request).
#[must_use]
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Longest User-Agent kept.
const MAX_USER_AGENT: usize = 200;

/// What the middleware learned about the request; handlers read it through `Ctx`.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// The logged-in session, if any.
    pub session: Option<ActiveSession>,
    /// A session whose password was right and whose two-factor code is still owed.
    pub code_owed: Option<ActiveSession>,
    /// Token that this request's forms must carry.
    pub csrf_token: String,
    /// One-shot message from the previous request.
    pub flash: Option<Flash>,
    /// Client address and browser.
    pub client: ClientInfo,
    /// The time zone times are shown in: the person's own, else the business's.
    pub zone: crate::model::Zone,
    /// Conversations with unread messages that are the person's or unassigned (pages only).
    pub unread: i64,
}

/// Outermost layer: request id, tracing span, security headers, default `no-store`.
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = crypto::random_bytes::<8>()
        .map(hex::encode)
        .unwrap_or_default();
    let span =
        tracing::info_span!("request", id = %id, method = %req.method(), path = %req.uri().path());
    let started = std::time::Instant::now();
    let mut resp = REQUEST_ID
        .scope(id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    span.in_scope(|| {
        tracing::debug!(
            status = resp.status().as_u16(),
            ms = started.elapsed().as_millis(),
            "served"
        );
    });
    let h = resp.headers_mut();
    let fixed: [(&str, &str); 6] = [
        (
            "content-security-policy",
            "default-src 'self'; img-src 'self' data: blob:; media-src 'self' blob:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "same-origin"),
        ("x-frame-options", "DENY"),
        ("cross-origin-opener-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        ),
    ];
    for (name, value) in fixed {
        // A handler's stricter policy (e.g. `sandbox` on media files) is kept.
        h.entry(name).or_insert(HeaderValue::from_static(value));
    }
    if state.config.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert("x-request-id", v);
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

fn client_info(req: &Request, trust_proxy: bool) -> ClientInfo {
    let forwarded = trust_proxy
        .then(|| req.headers().get("x-forwarded-for"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty());
    let ip = forwarded.unwrap_or_else(|| {
        req.extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(|| "local".to_string(), |c| c.0.ip().to_string())
    });
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .chars()
        .take(MAX_USER_AGENT)
        .collect();
    ClientInfo { ip, user_agent }
}
