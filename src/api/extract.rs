//! Extractors whose rejections are problem documents: the API key (with its rate limit), JSON
//! bodies, path ids and query strings.

use super::error::ApiError;
use crate::app::AppState;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::api_keys::{self, KeyIdentity};
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::header;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use std::collections::HashMap;
use std::sync::Mutex;

/// Largest request body.
pub const MAX_BODY: usize = 1024 * 1024;

/// The caller: a valid, unrevoked key under its rate limit.
#[derive(Debug, Clone, Copy)]
pub struct ApiCaller(pub KeyIdentity);

impl ApiCaller {
    /// The key as someone acting, for the rules in `crm::access`.
    #[must_use]
    pub fn who(&self) -> Who {
        Who::key(self.0.role)
    }

    /// Allows an admin-only action (the rule lives in `crm::access`).
    pub fn require(&self, action: AdminAction) -> Result<(), ApiError> {
        access::require(self.who(), action).map_err(ApiError::from)
    }
}

/// Per-key request budgets (GCRA: a burst of `per_minute`, refilled evenly) and the time each
/// key's last use was recorded.
#[derive(Debug, Default)]
pub struct ApiLimits {
    state: Mutex<HashMap<i64, (i128, i64)>>,
}

impl ApiLimits {
    /// Takes one request from the key's budget at `now_ns`; `Err(seconds)` to wait when empty.
    /// Also says whether the key's last-use time is due to be written (once a minute).
    pub fn take(
        &self,
        key: i64,
        per_minute: u32,
        now_ns: i128,
        unix_secs: i64,
    ) -> Result<bool, u64> {
        let interval = 60_000_000_000_i128 / i128::from(per_minute.max(1));
        let burst = interval * i128::from(per_minute.max(1));
        let mut map = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = map.entry(key).or_insert((now_ns, 0));
        let tat = entry.0.max(now_ns);
        if tat - now_ns >= burst {
            let wait = (tat - now_ns - burst + interval + 999_999_999) / 1_000_000_000;
            return Err(u64::try_from(wait).unwrap_or(1));
        }
        entry.0 = tat + interval;
        let touch = unix_secs - entry.1 >= 60;
        if touch {
            entry.1 = unix_secs;
        }
        Ok(touch)
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, t)| t.trim().to_string())
            .ok_or(ApiError::Unauthorized)?;
        let key = state
            .db
            .read(move |c| api_keys::verify(c, &token))
            .await?
            .ok_or(ApiError::Unauthorized)?;
        let now = state.clock.now();
        let touch = state
            .api_limits
            .take(
                key.id,
                state.config.api.requests_per_minute,
                now.unix_timestamp_nanos(),
                now.unix_timestamp(),
            )
            .map_err(ApiError::TooManyRequests)?;
        if touch {
            state
                .db
                .write(move |c| crate::db::api_keys::touch(c, key.id, now))
                .await?;
        }
        Ok(Self(key))
    }
}

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

/// The query string as pairs (repeated keys kept).
#[derive(Debug, Clone, Default)]
pub struct Pairs(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequestParts<S> for Pairs {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        let q = parts.uri.query().unwrap_or_default();
        serde_urlencoded::from_str(q)
            .map(Pairs)
            .map_err(|_| ApiError::BadRequest("The query string is not valid.".into()))
    }
}

impl Pairs {
    /// The last value of `key`.
    #[must_use]
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses an empty value for any of `keys` (the browser pages ignore empty filters; the
    /// API documents typed parameters, so an empty one is an error).
    pub fn no_empty(&self, keys: &[&str]) -> Result<(), ApiError> {
        let empty: Vec<crate::model::FieldError> = self
            .0
            .iter()
            .filter(|(k, v)| keys.contains(&k.as_str()) && v.trim().is_empty())
            .map(|(k, _)| {
                crate::model::FieldError::new(k.clone(), "Give a value or leave the parameter out.")
            })
            .collect();
        if empty.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(empty))
        }
    }

    /// `limit` (1 to 200, default 50).
    pub fn limit(&self) -> Result<u32, ApiError> {
        match self.get("limit") {
            None => Ok(50),
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=200).contains(l))
                .ok_or_else(|| ApiError::field("limit", "Use a whole number from 1 to 200.")),
        }
    }

    /// A `(unix seconds, id)` cursor written `<seconds>_<id>`.
    pub fn time_cursor(&self) -> Result<Option<(time::OffsetDateTime, i64)>, ApiError> {
        let Some(c) = self.get("cursor").filter(|c| !c.is_empty()) else {
            return Ok(None);
        };
        let bad = || ApiError::field("cursor", "Use the next_cursor of the previous page.");
        let (t, id) = c.split_once('_').ok_or_else(bad)?;
        let t = t
            .parse()
            .ok()
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok());
        Ok(Some((t.ok_or_else(bad)?, id.parse().map_err(|_| bad())?)))
    }
}

/// The cursor after a full page.
#[must_use]
pub fn next_time_cursor(
    len: usize,
    limit: u32,
    last: Option<(time::OffsetDateTime, i64)>,
) -> Option<String> {
    (len == limit as usize)
        .then(|| last.map(|(t, id)| format!("{}_{id}", t.unix_timestamp())))
        .flatten()
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
