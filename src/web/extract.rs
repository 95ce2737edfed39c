//! Extractors: `Ctx` (what the middleware learned) and `CurrentUser` (login required).

use super::context::RequestCtx;
use crate::db::sessions::ActiveSession;
use crate::error::AppError;
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
    /// Refuses non-admins with 403.
    pub fn require_admin(&self) -> Result<(), AppError> {
        if self.session.user.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// A `next` target that stays on this site (a local path), else the inbox.
#[must_use]
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/inbox".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_must_be_a_local_path() {
        assert_eq!(safe_next(Some("/contacts?q=1")), "/contacts?q=1");
        for bad in ["//evil.com", "https://evil.com", "/\\evil.com", "evil"] {
            assert_eq!(safe_next(Some(bad)), "/inbox", "{bad}");
        }
        assert_eq!(safe_next(None), "/inbox");
    }
}
