//! Extractors: `Ctx` (what the middleware learned) and `CurrentUser` (login required).

use super::context::RequestCtx;
use super::error::AppError;
use crate::crm::access::{self, AdminAction, Who};
use crate::db::sessions::ActiveSession;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Redirect, Response};

/// The request context; present on every route behind the session middleware.
#[derive(Debug, Clone)]
pub struct Ctx(pub RequestCtx);

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<RequestCtx>()
            .cloned()
            .map(Ctx)
            .ok_or_else(|| AppError::Internal(anyhow::anyhow!("session middleware missing")))
    }
}

/// A logged-in user's request; anonymous visitors are sent to the login page.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    /// The live session (with its user).
    pub session: ActiveSession,
    /// The whole request context.
    pub ctx: RequestCtx,
}

/// Why `CurrentUser` could not be extracted.
#[derive(Debug)]
pub enum LoginRequired {
    /// Not logged in: redirect to the login page, coming back afterwards.
    Redirect(String),
    /// Middleware missing.
    Error(AppError),
}

impl IntoResponse for LoginRequired {
    fn into_response(self) -> Response {
        match self {
            LoginRequired::Redirect(to) => Redirect::to(&to).into_response(),
            LoginRequired::Error(e) => e.into_response(),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for CurrentUser {
    type Rejection = LoginRequired;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Ctx(ctx) = Ctx::from_request_parts(parts, state)
            .await
            .map_err(LoginRequired::Error)?;
        if let Some(session) = ctx.session.clone() {
            return Ok(CurrentUser { session, ctx });
        }
        let here = parts.uri.path_and_query().map_or("/", |p| p.as_str());
        let next = serde_urlencoded::to_string([("next", here)]).unwrap_or_default();
        Err(LoginRequired::Redirect(format!("/login?{next}")))
    }
}

impl CurrentUser {
    /// The signed-in user as someone acting, for the rules in `crm::access`.
    #[must_use]
    pub fn who(&self) -> Who {
        Who::user(self.session.user.id, self.session.user.role)
    }

    /// The signed-in user and their address, for audit entries.
    #[must_use]
    pub fn actor(&self) -> crate::crm::contacts::Actor {
        crate::crm::contacts::Actor {
            user: Some(self.session.user.id),
            ip: self.ctx.client.ip.clone(),
        }
    }

    /// Allows an admin-only action (the rule lives in `crm::access`), else 403 with the reason.
    pub fn require(&self, action: AdminAction) -> Result<(), AppError> {
        Ok(access::require(self.who(), action)?)
    }
}

/// A `next` target that stays on this site (a local path), else the inbox.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if is_local_path(n) => n.to_string(),
        _ => "/inbox".to_string(),
    }
}

/// Whether `n` is a path on this site however a browser reads it. Our own `next` values are
/// request URIs, always printable ASCII, so anything else is refused outright: browsers drop
/// TAB, CR and LF inside URLs (`/\t/evil` becomes `//evil`) and read `\` as `/`. The same checks
/// hold after percent-decoding, so an encoded form cannot smuggle one in either.
fn is_local_path(n: &str) -> bool {
    if !n.bytes().all(|b| b.is_ascii_graphic()) || n.contains('\\') {
        return false;
    }
    let mut form = n.to_string();
    for _ in 0..4 {
        let path = form.split(['?', '#']).next().unwrap_or_default();
        let second = form.chars().nth(1);
        if !form.starts_with('/')
            || matches!(second, Some('/' | '\\'))
            || path.contains('\\')
            || form.chars().any(char::is_control)
        {
            return false;
        }
        let decoded = percent_decode(&form);
        if decoded == form {
            return true;
        }
        form = decoded;
    }
    false
}

/// `%XX` sequences decoded (invalid ones kept as they are; invalid UTF-8 replaced).
fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| char::from(c).to_digit(16);
        if b[i] == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_a_local_path() {
        for good in [
            "/contacts?q=1",
            "/inbox",
            "/contacts?q=ana%20lima&tag=2",
            "/search?q=Ol%C3%A1",
            "/conversations/12#m-40",
        ] {
            assert_eq!(safe_next(Some(good)), good, "{good}");
        }
        assert_eq!(safe_next(None), "/inbox");
    }

    #[test]
    fn next_refuses_every_way_to_leave_the_site() {
        let bad = [
            "//evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r/evil.example",
            "/\r\n/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%0D/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%5c%5cevil.example",
            "/%252F/evil.example",
            "/%25%30%39/evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "\\\\evil.example",
            "/\\/evil.example",
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "https://evil.example",
            "http:evil.example",
            "//",
            " /evil.example",
            "  //evil.example",
            "\t//evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{3000}/evil.example",
            "/\u{0}/evil.example",
            "%2F%2Fevil.example",
            "evil.example",
            "",
            "/x\u{7f}",
            "/%00",
        ];
        assert!(bad.len() >= 20);
        for b in bad {
            assert_eq!(safe_next(Some(b)), "/inbox", "{b:?}");
        }
    }
}
