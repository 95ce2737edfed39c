//! The API key on a request (`Authorization: Bearer fck_...`), its role, and its per-key rate limit.

use crate::api::error::ApiError;
use crate::app::AppState;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::api_keys::{self, KeyIdentity};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use std::collections::HashMap;
use std::sync::Mutex;

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
        // The operation's rule (crm::access) before anything else about the request.
        let path = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map_or("", |m| m.as_str());
        let path = path.strip_prefix("/api/v1").unwrap_or(path);
        let need = access::api_need(parts.method.as_str(), path);
        access::check_need(need, Who::key(key.role)).map_err(ApiError::from)?;
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
