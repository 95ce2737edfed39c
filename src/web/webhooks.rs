//! Meta's webhook: `GET` is the verification handshake, `POST` carries signed events. The POST
//! answers 200 only after its events committed (group commit in the writer).

use crate::app::AppState;
use crate::crypto;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Largest body accepted: Meta sends up to 3 MB; a little margin on top.
pub const MAX_BODY: usize = 3 * 1024 * 1024 + 256 * 1024;

/// `GET /webhooks/whatsapp?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…`.
pub async fn verify(State(state): State<AppState>, RawQuery(query): RawQuery) -> Response {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(query.as_deref().unwrap_or("")).unwrap_or_default();
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let Some(expected) = state.secret("whatsapp.verify_token").await else {
        tracing::warn!("webhook verification refused: whatsapp.verify_token is not set");
        return StatusCode::FORBIDDEN.into_response();
    };
    let expected = expected.expose();
    let token_ok = get("hub.verify_token")
        .is_some_and(|t| crypto::constant_time_eq(t.as_bytes(), expected.as_bytes()));
    if let (Some("subscribe"), true, Some(challenge)) =
        (get("hub.mode"), token_ok, get("hub.challenge"))
    {
        tracing::info!("webhook verified by Meta");
        let plain = [(header::CONTENT_TYPE, "text/plain; charset=utf-8")];
        return (plain, challenge.to_string()).into_response();
    }
    tracing::warn!("webhook verification refused: wrong mode or token");
    StatusCode::FORBIDDEN.into_response()
}

/// `POST /webhooks/whatsapp`.
pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(secret) = state.secret("whatsapp.app_secret").await else {
        tracing::error!(
            "webhook refused: whatsapp.app_secret is not set (Settings → WhatsApp, or flowcrm secret set whatsapp.app_secret)"
        );
        return StatusCode::SERVICE_UNAVAILABLE.into_response();
    };
    let signature = headers
        .get("x-hub-signature-256")
        .and_then(|v| v.to_str().ok());
    if !crypto::verify_webhook_signature(secret.expose().as_bytes(), &body, signature) {
        tracing::warn!(
            present = signature.is_some(),
            "webhook refused: invalid signature"
        );
        return (StatusCode::UNAUTHORIZED, "invalid signature").into_response();
    }
    let keep_raw = state.config.whatsapp.raw_payload_days > 0;
    match state.crm.receive_webhook(body, keep_raw).await {
        Ok(_) => StatusCode::OK.into_response(),
        Err(e) => {
            tracing::error!(error = ?e, "webhook could not be stored; Meta will retry");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
