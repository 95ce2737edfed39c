//! `POST /api/v1/conversations/{id}/messages`: text or a template through `Crm::send`, with an `Idempotency-Key` whose first answer is replayed for 24 hours.

use crate::api::error::{ApiError, ApiResult, Problem, json_response};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::app::AppState;
use crate::crm::send::{Outgoing, SendKey};
use crate::db;
use crate::model::ConversationId;
use crate::model::{Outbound, TemplateHeader, TemplateParam};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// Text to send.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextIn {
    /// 1 to 4096 characters.
    pub body: String,
    /// Show a preview of the first link.
    #[serde(default)]
    pub preview_url: bool,
}

/// An approved template to send.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TemplateIn {
    /// Template name.
    pub name: String,
    /// Language code, e.g. `pt_BR`.
    pub language: String,
    /// Body variables in order.
    #[serde(default)]
    pub body_params: Vec<String>,
    /// Header text variables in order.
    #[serde(default)]
    pub header_params: Vec<String>,
    /// Confirms that the contact may get this template although their consent is unknown and
    /// they have never written (or they opted out and this is not a marketing template). Without
    /// it such a send is refused with 409; the confirmation is recorded in the contact's timeline.
    #[serde(default)]
    pub confirm_consent: bool,
}

/// A message to send.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum SendIn {
    /// Free-form text (only inside the 24-hour window).
    Text {
        /// The text.
        text: TextIn,
    },
    /// An approved template (any time).
    Template {
        /// The template.
        template: TemplateIn,
    },
}

/// Longest `Idempotency-Key`.
pub(super) const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The `Idempotency-Key` header, checked.
pub(super) fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
    let Some(v) = headers.get("idempotency-key") else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .map(str::trim)
        .filter(|k| {
            !k.is_empty()
                && k.len() <= MAX_IDEMPOTENCY_KEY
                && k.bytes().all(|b| b.is_ascii_graphic())
        })
        .map(|k| Some(k.to_string()))
        .ok_or_else(|| {
            ApiError::BadRequest(format!(
                "Idempotency-Key must be 1 to {MAX_IDEMPOTENCY_KEY} printable ASCII characters."
            ))
        })
}

/// Whether the body confirms consent (templates only).
#[must_use]
pub fn confirms_consent(body: &SendIn) -> bool {
    matches!(body, SendIn::Template { template } if template.confirm_consent)
}

/// The message to queue for a request body.
pub fn outbound_of(body: &SendIn) -> Outbound {
    let params = |v: &[String]| -> Vec<TemplateParam> {
        v.iter()
            .map(|t| TemplateParam {
                name: None,
                text: t.clone(),
            })
            .collect()
    };
    match body {
        SendIn::Text { text } => Outbound::Text {
            body: text.body.clone(),
            preview_url: text.preview_url,
        },
        SendIn::Template { template } => Outbound::Template {
            name: template.name.clone(),
            language: template.language.clone(),
            header: (!template.header_params.is_empty()).then(|| TemplateHeader::Text {
                params: params(&template.header_params),
            }),
            body: params(&template.body_params),
            buttons: vec![],
        },
    }
}

/// Sends a message: it is stored in the outbox and sent in order, at Meta's pace.
///
/// With an `Idempotency-Key` header, repeating the request (same key, same body) returns the
/// first response (marked `Idempotent-Replayed: true`) and sends nothing again; the same key
/// with another body is refused. Keys are remembered for 24 hours.
#[utoipa::path(
    post, path = "/conversations/{id}/messages", tag = "conversations",
    params(
        ("id" = i64, Path, description = "Conversation id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Up to 255 printable ASCII characters; makes retries safe"),
    ),
    request_body = SendIn,
    responses(
        (status = 202, description = "Queued for sending", body = crate::api::messages::MessageOut),
        (status = 400, description = "Malformed body or key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An agent key and a conversation assigned to a team member: only its assignee or an admin answers it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "WhatsApp is not connected, or the contact's consent is unknown and `confirm_consent` was not given", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not sendable (window closed, template, limits, consent refused, key reused)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn send(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SendIn>,
) -> ApiResult<Response> {
    let (crm, who) = (state.crm.clone(), caller.who());
    let message = outbound_of(&body);
    let confirm_consent = confirms_consent(&body);
    idempotent(
        &state,
        &caller,
        &headers,
        &id.to_string(),
        &body,
        |key| async move {
            let q = crm
                .send(Outgoing {
                    conversation_id: ConversationId(id),
                    message,
                    reply_to: None,
                    key,
                    author: None,
                    by: Some(who),
                    file: None,
                    confirm_consent,
                })
                .await?;
            Ok((q.message_id, q.duplicate))
        },
    )
    .await
}

/// A send under the caller's `Idempotency-Key`, for every API door that sends: a key seen before
/// replays its first answer (or refuses another request with it); otherwise `queue` sends with
/// the derived outbox key, and the 202 answer is kept under the key for 24 hours. `scope` names
/// what the request is about (it is hashed with the body).
pub async fn idempotent<F, Fut>(
    state: &AppState,
    caller: &ApiCaller,
    headers: &HeaderMap,
    scope: &str,
    body: &SendIn,
    queue: F,
) -> ApiResult<Response>
where
    F: FnOnce(SendKey) -> Fut,
    Fut: std::future::Future<Output = ApiResult<(i64, bool)>>,
{
    let idem = idempotency_key(headers)?;
    let request_hash = Sha256::digest(format!(
        "{scope}\n{}",
        serde_json::to_string(body).unwrap_or_default()
    ))
    .to_vec();
    let key_id = caller.0.id;
    if let Some(k) = idem.clone()
        && let Some(r) = state
            .db
            .read(move |c| db::api_keys::idempotent(c, key_id, &k))
            .await?
    {
        return replayed(&r, &request_hash);
    }
    let (message_id, duplicate) = queue(SendKey::Api {
        key_id,
        key: idem.clone(),
    })
    .await?;
    let now = state.clock.now();
    let (status, json) = state
        .db
        .write(move |c| answer(c, message_id, key_id, idem.as_deref(), request_hash, now))
        .await?;
    Ok(replay(status, &json, duplicate))
}

/// The stored answer for a reused key, or a refusal when the key came with another request.
fn replayed(r: &db::api_keys::Replay, request_hash: &[u8]) -> ApiResult<Response> {
    if r.request_hash != request_hash {
        return Err(ApiError::field(
            "Idempotency-Key",
            "This key was used for a different request; use a new key.",
        ));
    }
    Ok(replay(r.status, &r.body, true))
}

/// The 202 answer for the queued message, kept for 24 h under the caller's key; a concurrent
/// twin with the same key that stored its answer first is replayed instead.
fn answer(
    c: &rusqlite::Connection,
    message_id: i64,
    key_id: i64,
    idem: Option<&str>,
    request_hash: Vec<u8>,
    now: time::OffsetDateTime,
) -> db::Result<(u16, String)> {
    let out = serde_json::to_string(&crate::api::messages::one(c, message_id)?).unwrap_or_default();
    let Some(k) = idem else {
        return Ok((202, out));
    };
    if let Some(r) = db::api_keys::idempotent(c, key_id, k)? {
        return Ok((r.status, r.body));
    }
    let replay = db::api_keys::Replay {
        request_hash,
        status: 202,
        body: out.clone(),
    };
    db::api_keys::remember(c, key_id, k, &replay, now)?;
    Ok((202, out))
}

/// The stored (or just made) answer of a send; `replayed` adds `Idempotent-Replayed: true`.
pub(super) fn replay(status: u16, json: &str, replayed: bool) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let mut resp = json_response(code, "application/json", &value);
    if replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp.into_response()
}
