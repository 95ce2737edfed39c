//! `AppError`: the one place that chooses HTTP status codes for the browser UI. Internal errors
//! are logged once with their cause chain; the browser sees a friendly page with a request id.

use super::layout::Layout;
use askama::Template;
use askama_web::WebTemplate;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// An error that ends a request with an error page.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// No such page or record.
    #[error("not found")]
    NotFound,
    /// Logged in, but not allowed.
    #[error("forbidden")]
    Forbidden,
    /// Logged in, but not allowed, with the reason to show.
    #[error("forbidden: {0}")]
    ForbiddenBecause(String),
    /// A state-changing request without a valid CSRF token or from another site.
    #[error("csrf check failed")]
    Csrf,
    /// Request body over the limit.
    #[error("request body too large")]
    TooLarge,
    /// Malformed request.
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Conflicts with what is stored; the reason to show.
    #[error("conflict: {0}")]
    Conflict(String),
    /// Well-formed but not possible (a closed window, an unapproved template); the reason.
    #[error("refused: {0}")]
    Refused(String),
    /// A stored value could not be read back (named); shown, logged, never defaulted.
    #[error("corrupt stored {0}")]
    Corrupt(&'static str),
    /// The store is unavailable (shutting down, disk trouble).
    #[error("service unavailable")]
    Unavailable,
    /// Anything unexpected; logged, never shown.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Result alias for handlers.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    heading: &'static str,
    message: String,
    request_id: String,
}

impl From<crate::db::Error> for AppError {
    fn from(e: crate::db::Error) -> Self {
        match e {
            crate::db::Error::Closed => AppError::Unavailable,
            crate::db::Error::Corrupt(what) => AppError::Corrupt(what),
            other => AppError::Internal(other.into()),
        }
    }
}

impl From<crate::auth::Error> for AppError {
    fn from(e: crate::auth::Error) -> Self {
        match e {
            crate::auth::Error::NotFound => AppError::NotFound,
            crate::auth::Error::Link(p) => AppError::Refused(p.0),
            crate::auth::Error::Db(d) => d.into(),
            other => AppError::Internal(other.into()),
        }
    }
}

impl AppError {
    fn parts(&self) -> (StatusCode, &'static str, String) {
        match self {
            AppError::NotFound => (
                StatusCode::NOT_FOUND,
                "Page not found",
                "There is nothing at this address. Check the link, or go back to the inbox.".into(),
            ),
            AppError::Forbidden => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Your account does not have permission for this page. Ask an admin if you need it."
                    .into(),
            ),
            AppError::ForbiddenBecause(why) => (StatusCode::FORBIDDEN, "Not allowed", why.clone()),
            AppError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "This form could not be verified (it may be stale or came from another site). \
                 Go back, reload the page and try again."
                    .into(),
            ),
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than FlowCRM accepts here.".into(),
            ),
            AppError::BadRequest(why) => (StatusCode::BAD_REQUEST, "Bad request", why.clone()),
            AppError::Conflict(why) => (StatusCode::CONFLICT, "Conflict", why.clone()),
            AppError::Refused(why) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "Not possible",
                why.clone(),
            ),
            AppError::Corrupt(what) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Stored data is corrupt",
                format!(
                    "The stored {what} cannot be read, so FlowCRM will not guess at it. An admin \
                     must repair or recreate it; quote the request id below."
                ),
            ),
            AppError::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "Temporarily unavailable",
                "FlowCRM is restarting or its storage is busy. Try again in a moment.".into(),
            ),
            AppError::Internal(_) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "Something went wrong",
                "An unexpected error happened. It has been logged; quote the request id below \
                 when you report it."
                    .into(),
            ),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let request_id = super::context::current_request_id();
        match &self {
            AppError::Internal(e) => {
                tracing::error!(request_id = %request_id, error = ?e, "request failed");
            }
            AppError::Corrupt(what) => {
                tracing::error!(request_id = %request_id, what, "request found corrupt stored data");
            }
            _ => {}
        }
        let (status, heading, message) = self.parts();
        let page = ErrorPage {
            layout: Layout::bare(heading),
            status: status.as_u16(),
            heading,
            message,
            request_id,
        };
        let mut resp = (status, page).into_response();
        resp.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        resp
    }
}

impl From<crate::crm::access::Denied> for AppError {
    fn from(d: crate::crm::access::Denied) -> Self {
        AppError::ForbiddenBecause(d.0.into())
    }
}

impl From<crate::crm::access::AccessError> for AppError {
    fn from(e: crate::crm::access::AccessError) -> Self {
        use crate::crm::access::AccessError;
        match e {
            AccessError::Denied(d) => d.into(),
            AccessError::NotFound => AppError::NotFound,
            AccessError::Db(e) => e.into(),
        }
    }
}

impl From<crate::crm::Error> for AppError {
    fn from(e: crate::crm::Error) -> Self {
        use crate::crm::Error as E;
        match e {
            E::NotFound(_) => AppError::NotFound,
            E::Denied(why) => AppError::ForbiddenBecause(why.into()),
            E::Duplicate(_) | E::Conflict(_) => AppError::Conflict(e.to_string()),
            E::Invalid(_)
            | E::WindowClosed
            | E::Template(_)
            | E::NotConnected
            | E::Meta(_)
            | E::Google(_)
            | E::Ai(_)
            | E::ConsentRefused(_)
            | E::ConsentUnconfirmed(_) => AppError::Refused(e.to_string()),
            E::Corrupt(what) => AppError::Corrupt(what),
            E::Db(e) => e.into(),
        }
    }
}
