//! Middleware that every request passes: a request id and security headers on every response
//! (errors included), then the session, CSRF check and flash message for the handlers.

use super::cookies::{Flash, parse_flash};
use super::error::AppError;
use crate::app::AppState;
use crate::auth::ClientInfo;
use crate::crypto;
use crate::db::sessions::ActiveSession;
use axum::body::Body;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use std::net::SocketAddr;
use tracing::Instrument;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// The id of the request being handled (empty outside a request).
#[must_use]
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(Clone::clone).unwrap_or_default()
}

/// Largest form body read for the CSRF check.
const MAX_FORM_BYTES: usize = 1024 * 1024;
/// Paths that authenticate by other means (Meta's HMAC, API keys) and skip CSRF.
const CSRF_EXEMPT: &[&str] = &["/webhooks/", "/api/"];
/// Longest User-Agent kept.
const MAX_USER_AGENT: usize = 200;

/// What the middleware learned about the request; handlers read it through `Ctx`.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// The logged-in session, if any.
    pub session: Option<ActiveSession>,
    /// Token that this request's forms must carry.
    pub csrf_token: String,
    /// One-shot message from the previous request.
    pub flash: Option<Flash>,
    /// Client address and browser.
    pub client: ClientInfo,
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

/// True when a browser says the request came from another site.
fn is_cross_site(headers: &HeaderMap, public_url: &str) -> bool {
    if headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == "cross-site")
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    let same_host = host.is_some_and(|h| {
        origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            == Some(h)
    });
    !(same_host || origin == public_url)
}

/// Reads the submitted CSRF token from the header or, for urlencoded forms, the body (which is
/// put back for the handler).
async fn submitted_token(req: Request) -> Result<(Option<String>, Request), AppError> {
    if let Some(v) = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let token = v.to_string();
        return Ok((Some(token), req));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // File uploads cannot be read here without buffering them: their forms carry the token in
    // the query string instead.
    if content_type.starts_with("multipart/form-data") {
        let token = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v)
        });
        return Ok((token, req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::TooLarge)?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf_token"))
        .map(|(_, v)| v);
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// Loads the session, enforces CSRF on state-changing requests and hands out the flash.
pub async fn session_and_csrf(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let cookies = &state.cookies;
    let jar = CookieJar::from_headers(req.headers());
    let client = client_info(&req, state.config.server.trust_proxy);
    let mut set_cookies = Vec::new();

    let session_cookie = jar
        .get(cookies.session_name())
        .map(|c| c.value().to_string());
    let session = match &session_cookie {
        Some(token) => match state.auth.session(token).await {
            Ok(s) => s,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    if session_cookie.is_some() && session.is_none() {
        set_cookies.push((cookies.session_name(), cookies.clear_session()));
    }
    let csrf_token = match (&session, jar.get(cookies.csrf_name())) {
        (Some(s), _) => s.csrf_token.clone(),
        (None, Some(c))
            if c.value().len() == 64 && c.value().bytes().all(|b| b.is_ascii_hexdigit()) =>
        {
            c.value().to_string()
        }
        (None, _) => {
            let Ok(t) = crypto::random_token() else {
                return AppError::Unavailable.into_response();
            };
            set_cookies.push((cookies.csrf_name(), cookies.csrf(&t)));
            t
        }
    };
    let mut flash = None;
    if req.method() == Method::GET
        && let Some(c) = jar.get(cookies.flash_name())
    {
        flash = parse_flash(c.value());
        set_cookies.push((cookies.flash_name(), cookies.clear_flash()));
    }

    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    let path = req.uri().path().to_string();
    if unsafe_method && !CSRF_EXEMPT.iter().any(|p| path.starts_with(p)) {
        if is_cross_site(req.headers(), &state.config.public_url()) {
            return AppError::Csrf.into_response();
        }
        let (token, rebuilt) = match submitted_token(req).await {
            Ok(x) => x,
            Err(e) => return e.into_response(),
        };
        req = rebuilt;
        let valid =
            token.is_some_and(|t| crypto::constant_time_eq(t.as_bytes(), csrf_token.as_bytes()));
        if !valid {
            tracing::warn!(path = %path, "CSRF check failed");
            return AppError::Csrf.into_response();
        }
    }

    req.extensions_mut().insert(RequestCtx {
        session,
        csrf_token,
        flash,
        client,
    });
    let mut resp = next.run(req).await;
    // A cookie the handler set itself (a new session, a new flash) wins over our defaults.
    for (name, value) in set_cookies {
        let prefix = format!("{name}=");
        let handler_set = resp
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .any(|v| v.to_str().is_ok_and(|s| s.starts_with(&prefix)));
        if !handler_set {
            resp.headers_mut().append(header::SET_COOKIE, value);
        }
    }
    resp
}
