//! API errors as RFC 9457 problem details (`application/problem+json`), with field details.

use crate::model::FieldError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A problem with one field of the request.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// Field name (`phone`, `fields.tier`, `items[2].quantity` ...).
    pub field: String,
    /// What to fix.
    pub message: String,
}

/// An error response (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the kind of problem.
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the kind.
    pub title: String,
    /// HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// Field problems, for validation errors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// Why an API request failed.
#[derive(Debug)]
pub enum ApiError {
    /// No key, or a wrong or revoked one.
    Unauthorized,
    /// The key's role may not do this (the reason, from `crm::access`).
    Forbidden(&'static str),
    /// No such resource (or route).
    NotFound(&'static str),
    /// The request is malformed (syntax, types, query parameters).
    BadRequest(String),
    /// Well-formed but invalid: field problems.
    Invalid(Vec<FieldError>),
    /// Conflicts with the current state (duplicate, pipeline).
    Conflict(String),
    /// Over the key's rate limit; retry after this many seconds.
    TooManyRequests(u64),
    /// Body over the limit.
    PayloadTooLarge(usize),
    /// Body is not JSON.
    UnsupportedMediaType,
    /// The method is not allowed on this path.
    MethodNotAllowed,
    /// A stored value could not be read back (named); needs repair, never defaulted.
    Corrupt(&'static str),
    /// The store is unavailable (shutting down, disk trouble); retry later.
    Unavailable,
    /// A failure on our side (logged).
    Internal,
}

impl ApiError {
    /// A single field problem.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field.into(), message)])
    }

    fn parts(&self) -> (StatusCode, &'static str, &'static str, String) {
        match self {
            Self::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "unauthorized",
                "Unauthorized",
                "Send a valid API key: `Authorization: Bearer fck_...` (create one in Settings or with `flowcrm api-key create`).".into(),
            ),
            Self::Forbidden(what) => (
                StatusCode::FORBIDDEN,
                "forbidden",
                "Forbidden",
                (*what).to_string(),
            ),
            Self::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "not-found",
                "Not found",
                format!("No such {what}."),
            ),
            Self::BadRequest(d) => (StatusCode::BAD_REQUEST, "bad-request", "Bad request", d.clone()),
            Self::Invalid(_) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "Invalid request",
                "Some fields are not valid; see `errors`.".into(),
            ),
            Self::Conflict(d) => (StatusCode::CONFLICT, "conflict", "Conflict", d.clone()),
            Self::TooManyRequests(s) => (
                StatusCode::TOO_MANY_REQUESTS,
                "rate-limited",
                "Too many requests",
                format!("This key is over its rate limit; retry in {s} s."),
            ),
            Self::PayloadTooLarge(max) => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "too-large",
                "Payload too large",
                format!("Request bodies are limited to {max} bytes."),
            ),
            Self::UnsupportedMediaType => (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "Unsupported media type",
                "Send the body as JSON with `Content-Type: application/json`.".into(),
            ),
            Self::MethodNotAllowed => (
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "Method not allowed",
                "This path does not accept this method; see /api/v1/openapi.json.".into(),
            ),
            Self::Corrupt(what) => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "corrupt",
                "Stored data is corrupt",
                format!("The stored {what} cannot be read; an admin must repair or recreate it."),
            ),
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                "unavailable",
                "Temporarily unavailable",
                "FlowCRM is restarting or its storage is busy; retry in a moment.".into(),
            ),
            Self::Internal => (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error",
                "Something failed on our side; it has been logged.".into(),
            ),
        }
    }
}

/// A JSON response with a content type other than plain `application/json`.
pub fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: &impl Serialize,
) -> Response {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let mut resp = (status, bytes).into_response();
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, kind, title, detail) = self.parts();
        let errors = match &self {
            Self::Invalid(e) => e
                .iter()
                .map(|e| ProblemField {
                    field: e.field.to_string(),
                    message: e.message.clone(),
                })
                .collect(),
            _ => Vec::new(),
        };
        let problem = Problem {
            kind: format!("https://flowcrm.dev/problems/{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut resp = json_response(status, "application/problem+json", &problem);
        match self {
            Self::Unauthorized => {
                resp.headers_mut().insert(
                    header::WWW_AUTHENTICATE,
                    HeaderValue::from_static("Bearer realm=\"flowcrm\""),
                );
            }
            Self::TooManyRequests(s) => {
                if let Ok(v) = HeaderValue::from_str(&s.to_string()) {
                    resp.headers_mut().insert(header::RETRY_AFTER, v);
                }
            }
            _ => {}
        }
        resp
    }
}

impl From<crate::db::Error> for ApiError {
    fn from(e: crate::db::Error) -> Self {
        match e {
            crate::db::Error::Conflict(what) => Self::Conflict(format!("There is already {what}.")),
            crate::db::Error::Corrupt(what) => {
                tracing::error!(what, "api request found corrupt stored data");
                Self::Corrupt(what)
            }
            crate::db::Error::Closed => Self::Unavailable,
            e => {
                tracing::error!(error = ?e, "api request failed");
                Self::Internal
            }
        }
    }
}

/// Result alias for API handlers.
pub type ApiResult<T> = Result<T, ApiError>;

impl From<crate::crm::access::Denied> for ApiError {
    fn from(d: crate::crm::access::Denied) -> Self {
        Self::Forbidden(d.0)
    }
}

impl From<crate::crm::Error> for ApiError {
    fn from(e: crate::crm::Error) -> Self {
        use crate::crm::Error as E;
        match e {
            E::Invalid(errors) => Self::Invalid(errors),
            E::NotFound(what) => Self::NotFound(what),
            E::Denied(why) => Self::Forbidden(why),
            E::Duplicate(other) => Self::Conflict(format!(
                "Contact {other} already has this phone number (or a national variant of it)."
            )),
            E::Conflict(why) => Self::Conflict(why),
            E::WindowClosed => Self::field(
                "type",
                "The 24-hour window is closed: the customer has not written in the last 24 hours. Send an approved template.",
            ),
            E::Template(why) => Self::field("template", why),
            E::NotConnected => Self::Conflict(crate::crm::connection::NOT_CONNECTED.into()),
            E::Meta(_) | E::Google(_) | E::Ai(_) => Self::Unavailable,
            E::ConsentRefused(why) => Self::field("consent", why),
            E::ConsentUnconfirmed(why) => Self::Conflict(format!(
                "{why} Through the API: repeat the request with \"confirm_consent\": true in the template."
            )),
            E::Corrupt(what) => crate::db::Error::Corrupt(what).into(),
            E::Db(e) => e.into(),
        }
    }
}
