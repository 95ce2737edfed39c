//! `GET /healthz`: 200 when the database answers reads and writes, else 503. With `?detail`,
//! also the newest good backup's time and age and whether the last attempt failed (no paths,
//! no names: the endpoint is public).

use crate::app::AppState;
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::time::Duration;

/// `GET /healthz[?detail]`.
pub async fn healthz(
    State(state): State<AppState>,
    Query(q): Query<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    match tokio::time::timeout(Duration::from_secs(3), state.db.ping()).await {
        Ok(Ok(())) => {
            let mut body = json!({ "status": "ok", "version": env!("CARGO_PKG_VERSION") });
            if q.contains_key("detail") {
                body["backup"] = backup(&state).await;
            }
            (StatusCode::OK, Json(body))
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
        Err(_) => {
            tracing::warn!("health check timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable" })),
            )
        }
    }
}

async fn backup(state: &AppState) -> Value {
    match state.crm.backup_health().await {
        Ok(h) => {
            let now = state.clock.now();
            let rfc = |t: time::OffsetDateTime| {
                t.format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default()
            };
            json!({
                "last_ok_at": h.last_ok.map(rfc),
                "last_ok_age_seconds": h.last_ok.map(|t| (now - t).whole_seconds().max(0)),
                "last_attempt_failed": h.failing,
            })
        }
        Err(e) => {
            tracing::warn!(error = %e, "backup health could not be read");
            json!({ "error": "unavailable" })
        }
    }
}
