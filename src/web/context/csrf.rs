//! The session and CSRF layer: loads the session, issues the anonymous CSRF cookie, refuses state-changing requests without the right token or from another site, hands the flash over.

use super::{RequestCtx, client_info};
use crate::app::AppState;
use crate::crypto;
use crate::db::sessions::ActiveSession;
use crate::web::cookies::parse_flash;
use crate::web::error::AppError;
use crate::web::forms::see_other;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum_extra::extract::cookie::CookieJar;
use time::OffsetDateTime;

/// Largest form body read for the CSRF check.
pub(super) const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Paths that authenticate by other means (Meta's HMAC, API keys) and skip CSRF.
pub(super) const CSRF_EXEMPT: &[&str] = &["/webhooks/", "/api/"];

/// True when a browser says the request came from another site.
pub(super) fn is_cross_site(headers: &HeaderMap, public_url: &str) -> bool {
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
    // A page served with `Referrer-Policy: no-referrer` (the one-time-link pages) makes the
    // browser send `Origin: null`; Fetch Metadata still says where the form came from.
    if origin == "null" {
        return headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) != Some("same-origin");
    }
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
pub(super) async fn submitted_token(req: Request) -> Result<(Option<String>, Request), AppError> {
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

    let (session, code_owed) = match two_factor_stage(session, &path, state.clock.now()) {
        Ok(split) => split,
        Err(to) => return see_other(to),
    };
    let page_load = req.method() == Method::GET && !path.starts_with("/api/");
    let (zone, unread) = zone_and_unread(&state, session.as_ref(), page_load).await;
    req.extensions_mut().insert(RequestCtx {
        session,
        code_owed,
        csrf_token,
        flash,
        client,
        zone,
        unread,
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

/// Pages someone who must set up two-factor may still open.
const OPEN_WHILE_ENROLLING: &[&str] = &["/settings/two-factor", "/logout"];

/// Splits off a session that still owes its two-factor code (it opens only the code page, so
/// it is not the request's session), or says where to send someone who must set up two-factor
/// first.
fn two_factor_stage(
    session: Option<ActiveSession>,
    path: &str,
    now: OffsetDateTime,
) -> Result<(Option<ActiveSession>, Option<ActiveSession>), &'static str> {
    match session {
        Some(s) if s.two_factor.pending => Ok((None, Some(s))),
        Some(s) => match two_factor_gate(&s, path, now) {
            Some(to) => Err(to),
            None => Ok((Some(s), None)),
        },
        None => Ok((None, None)),
    }
}

/// Where to send someone who must set up two-factor now (an admin reset it, or the team's grace
/// period is over): the set-up page, whatever they asked for. Never a lock-out: that page and
/// signing out stay open.
fn two_factor_gate(
    session: &ActiveSession,
    path: &str,
    now: OffsetDateTime,
) -> Option<&'static str> {
    let due = session.two_factor.enrol_by.is_some_and(|by| by <= now);
    (due && !path.starts_with("/api/") && !OPEN_WHILE_ENROLLING.iter().any(|p| path.starts_with(p)))
        .then_some("/settings/two-factor")
}

/// The viewer's time zone (their own, else the business's) and, on signed-in page loads, their
/// unread count (for the tab title and the Inbox item).
async fn zone_and_unread(
    state: &AppState,
    session: Option<&ActiveSession>,
    page_load: bool,
) -> (crate::model::Zone, i64) {
    let zone = session
        .and_then(|s| s.user.prefs.timezone.as_deref())
        .and_then(|name| crate::model::Zone::named(name).ok())
        .unwrap_or_else(|| state.zone.clone());
    let unread = match session {
        Some(s) if page_load => {
            let user = s.user.id.0;
            state
                .db
                .read(move |c| crate::db::inbox::unread_for(c, user))
                .await
                .unwrap_or(0)
        }
        _ => 0,
    };
    (zone, unread)
}

#[cfg(test)]
mod tests {
    use super::is_cross_site;
    use axum::http::HeaderMap;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().expect("header"));
        }
        h
    }

    #[test]
    fn origin_null_from_a_no_referrer_page_is_same_site_only_when_fetch_metadata_says_so() {
        let url = "https://crm.loja.example";
        let same = headers(&[("origin", "null"), ("sec-fetch-site", "same-origin")]);
        assert!(
            !is_cross_site(&same, url),
            "a form on our own no-referrer page"
        );
        let unknown = headers(&[("origin", "null")]);
        assert!(
            is_cross_site(&unknown, url),
            "a sandboxed or file page elsewhere"
        );
        let other = headers(&[("origin", "null"), ("sec-fetch-site", "cross-site")]);
        assert!(is_cross_site(&other, url));
        let ours = headers(&[
            ("origin", "https://crm.loja.example"),
            ("host", "crm.loja.example"),
        ]);
        assert!(!is_cross_site(&ours, url));
        let evil = headers(&[
            ("origin", "https://evil.example"),
            ("host", "crm.loja.example"),
        ]);
        assert!(is_cross_site(&evil, url));
    }
}
