//! Extractors whose rejections are problem documents: the API key (with its rate limit), JSON
//! bodies, path ids and query strings.

mod caller;
mod query;

use super::error::ApiError;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

pub use caller::*;
pub use query::*;

/// Largest request body.
pub const MAX_BODY: usize = 1024 * 1024;

/// A JSON body: `Content-Type: application/json`, at most `MAX_BODY` bytes, parsed into `T`.
/// Syntax and type errors are 400 with the position; unknown fields are refused.
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let json = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .is_some_and(|m| {
                let m = m.trim().to_ascii_lowercase();
                m == "application/json" || m.ends_with("+json")
            });
        if !json {
            return Err(ApiError::UnsupportedMediaType);
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge(MAX_BODY)
            } else {
                ApiError::BadRequest("The body could not be read.".into())
            }
        })?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| ApiError::BadRequest(format!("The body is not valid JSON: {e}.")))?;
        if !value.is_object() {
            return Err(ApiError::BadRequest(
                "The body must be a JSON object.".into(),
            ));
        }
        serde_json::from_value(value)
            .map(ApiJson)
            .map_err(|e| ApiError::BadRequest(format!("The body is not valid: {e}.")))
    }
}

/// A numeric path id; anything else is 404 (no such resource).
#[derive(Debug, Clone, Copy)]
pub struct Id(pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Id {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("resource"))?;
        raw.parse()
            .map(Id)
            .map_err(|_| ApiError::NotFound("resource"))
    }
}

/// Two numeric path ids.
#[derive(Debug, Clone, Copy)]
pub struct Ids(pub i64, pub i64);

impl<S: Send + Sync> FromRequestParts<S> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        let Path((a, b)) = Path::<(String, String)>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::NotFound("resource"))?;
        match (a.parse(), b.parse()) {
            (Ok(a), Ok(b)) => Ok(Ids(a, b)),
            _ => Err(ApiError::NotFound("resource")),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Pairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q)
            .map(Pairs)
            .map_err(|_| ApiError::BadRequest("The query string is not valid.".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_gets_its_burst_then_waits_for_refill() {
        let limits = ApiLimits::default();
        let sec = 1_000_000_000_i128;
        // 60 a minute: a burst of 60, then one a second.
        for i in 0..60 {
            assert!(limits.take(1, 60, 0, 0).is_ok(), "request {i}");
        }
        assert_eq!(limits.take(1, 60, 0, 0), Err(1));
        assert!(
            limits.take(2, 60, 0, 0).is_ok(),
            "other keys have their own budget"
        );
        assert!(
            limits.take(1, 60, sec, 1).is_ok(),
            "one refilled after a second"
        );
        assert!(limits.take(1, 60, sec, 1).is_err());
        // The last-use time is written at most once a minute.
        assert_eq!(limits.take(3, 600, 0, 100), Ok(true));
        assert_eq!(limits.take(3, 600, 0, 130), Ok(false));
        assert_eq!(limits.take(3, 600, 0, 161), Ok(true));
    }
}
