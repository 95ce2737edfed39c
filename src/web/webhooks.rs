//! Meta's webhook: `GET` is the verification handshake, `POST` carries signed events. The POST
//! answers 200 only after its events committed (group commit in the writer).

use crate::app::AppState;
use crate::crm;
use crate::crypto;
use crate::db;
use crate::whatsapp::webhook;
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
    let Some(expected) = state.config.whatsapp.verify_token.as_deref() else {
        tracing::warn!("webhook verification refused: whatsapp.verify_token is not set");
        return StatusCode::FORBIDDEN.into_response();
    };
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
            "webhook refused: whatsapp.app_secret is not set (flowcrm secret set whatsapp.app_secret)"
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
    let now = state.clock.now();
    let events = match webhook::parse(&body) {
        Ok(events) => events,
        Err(e) => {
            tracing::warn!(error = %e, "signed webhook body could not be parsed; kept as a dead letter");
            let why = e.to_string();
            let result = state
                .db
                .write(move |c| db::webhook_log::insert_dead_letter(c, &why, &body, now))
                .await;
            return match result {
                Ok(()) => StatusCode::OK.into_response(),
                Err(e) => stored_failed(&e),
            };
        }
    };
    let keep_raw = state.config.whatsapp.raw_payload_days > 0;
    match store(&state, events, keep_raw.then_some(body), now).await {
        Ok(outcome) => {
            if outcome.media > 0 {
                state.media_wakeup.notify_one();
            }
            for c in &outcome.conversations {
                state.crm.changed(*c);
            }
            tracing::debug!(?outcome, "webhook stored");
            StatusCode::OK.into_response()
        }
        Err(e) => stored_failed(&e),
    }
}

/// Events committed per writer job. A large POST is stored in several short jobs, so ordinary
/// webhooks queued behind it keep their acknowledgement latency; it is answered only after the
/// last one committed. A crash part way loses nothing: Meta retries the whole POST, messages and
/// statuses already stored are recognised (by wamid, by their key) and stored once; only the
/// raw body and non-message events of that POST may then be kept twice.
const EVENTS_PER_JOB: usize = 25;

async fn store(
    state: &AppState,
    events: Vec<webhook::Event>,
    mut raw: Option<Bytes>,
    now: time::OffsetDateTime,
) -> Result<crm::inbound::Outcome, db::Error> {
    let mut total = crm::inbound::Outcome::default();
    let mut rest = events.into_iter().peekable();
    loop {
        let chunk: Vec<_> = rest.by_ref().take(EVENTS_PER_JOB).collect();
        let raw = raw.take();
        total += state
            .db
            .write(move |c| crm::inbound::record(c, &chunk, raw.as_deref(), now))
            .await?;
        if rest.peek().is_none() {
            return Ok(total);
        }
    }
}

/// Not stored: answer 500 so Meta retries later.
fn stored_failed(e: &db::Error) -> Response {
    tracing::error!(error = ?e, "webhook could not be stored; Meta will retry");
    StatusCode::INTERNAL_SERVER_ERROR.into_response()
}
