//! `/api/v1/conversations`: list, get, messages (newest first, cursor), and sending through the
//! outbox with an `Idempotency-Key`.

use super::error::{ApiError, ApiResult, Problem, json_response};
use super::extract::{ApiCaller, ApiJson, Id, Pairs, next_time_cursor};
use super::rfc3339;
use crate::app::AppState;
use crate::crm::send::{Outgoing, SendKey};
use crate::db;
use crate::model::{Outbound, TemplateHeader, TemplateParam};
use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

/// A conversation.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationOut {
    /// Id.
    pub id: i64,
    /// The customer.
    pub contact_id: i64,
    /// The customer's best name.
    pub contact_name: String,
    /// The customer's phone (E.164), when known.
    pub phone: Option<String>,
    /// The customer's WhatsApp user id (BSUID), when known.
    pub wa_user_id: Option<String>,
    /// open, pending or resolved.
    pub status: String,
    /// Last message either way (RFC 3339).
    pub last_message_at: String,
    /// Customer's last message (RFC 3339): the 24-hour window runs from here.
    pub last_inbound_at: Option<String>,
    /// True while free-form messages may be sent.
    pub window_open: bool,
    /// When the window closes (RFC 3339), if it ever opened.
    pub window_closes_at: Option<String>,
    /// Customer messages not yet seen.
    pub unread: i64,
}

/// A page of conversations.
#[derive(Debug, Serialize, ToSchema)]
pub struct ConversationPage {
    /// By last activity, newest first.
    pub data: Vec<ConversationOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

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

fn conversation_out(c: &db::inbox::ConversationRow, now: time::OffsetDateTime) -> ConversationOut {
    let closes = c.last_inbound_at.map(|t| t + crate::model::SERVICE_WINDOW);
    ConversationOut {
        window_open: closes.is_some_and(|t| now < t),
        window_closes_at: closes.map(rfc3339),
        id: c.id,
        contact_id: c.contact_id,
        contact_name: c.contact_name.clone(),
        phone: c.phone.clone(),
        wa_user_id: c.bsuid.clone(),
        status: c.status.as_str().to_string(),
        last_message_at: rfc3339(c.last_message_at),
        last_inbound_at: c.last_inbound_at.map(rfc3339),
        unread: c.unread,
    }
}

/// Conversations by last activity.
#[utoipa::path(
    get, path = "/conversations", tag = "conversations",
    params(
        ("contact_id" = Option<i64>, Query, description = "Only this contact's conversations"),
        ("status" = Option<String>, Query, pattern = "^(open|pending|resolved)$", description = "open, pending or resolved"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    responses(
        (status = 200, description = "A page of conversations", body = ConversationPage),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad cursor or limit", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    q: Pairs,
) -> ApiResult<Json<ConversationPage>> {
    let (limit, before, now) = (q.limit()?, q.time_cursor()?, state.clock.now());
    q.no_empty(&["contact_id", "status"])?;
    let contact = match q.get("contact_id") {
        Some(v) => Some(
            v.parse::<i64>()
                .map_err(|_| ApiError::field("contact_id", "Use a contact id."))?,
        ),
        None => None,
    };
    let status = match q.get("status") {
        Some(v) => Some(v.parse().map_err(|e: &str| ApiError::field("status", e))?),
        None => None,
    };
    let filter = db::inbox::InboxFilter {
        view: db::inbox::View::All,
        status,
        tag: None,
        window: None,
        contact,
        now,
    };
    let rows = state
        .db
        .read(move |c| db::inbox::conversations(c, &filter, before, limit))
        .await?;
    let next = next_time_cursor(
        rows.len(),
        limit,
        rows.last().map(|c| (c.last_message_at, c.id)),
    );
    Ok(Json(ConversationPage {
        data: rows.iter().map(|c| conversation_out(c, now)).collect(),
        next_cursor: next,
    }))
}

/// One conversation.
#[utoipa::path(
    get, path = "/conversations/{id}", tag = "conversations",
    params(("id" = i64, Path, description = "Conversation id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationOut),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ConversationOut>> {
    let now = state.clock.now();
    state
        .db
        .read(move |c| db::inbox::conversation_row(c, id, now))
        .await?
        .map(|r| Json(conversation_out(&r, now)))
        .ok_or(ApiError::NotFound("conversation"))
}

/// Longest `Idempotency-Key`.
const MAX_IDEMPOTENCY_KEY: usize = 255;

/// The `Idempotency-Key` header, checked.
fn idempotency_key(headers: &HeaderMap) -> ApiResult<Option<String>> {
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

/// The message to queue for a request body.
fn outbound_of(body: &SendIn) -> Outbound {
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
        (status = 202, description = "Queued for sending", body = super::messages::MessageOut),
        (status = 400, description = "Malformed body or key", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An agent key and a conversation assigned to a team member: only its assignee or an admin answers it", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conversation", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not sendable (window closed, template, limits, key reused)", body = Problem, content_type = "application/problem+json"),
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
    let idem = idempotency_key(&headers)?;
    let message = outbound_of(&body);
    let request_hash = Sha256::digest(format!(
        "{id}\n{}",
        serde_json::to_string(&body).unwrap_or_default()
    ))
    .to_vec();
    let key_id = caller.0.id;
    if let Some(k) = idem.clone()
        && let Some(r) = state
            .db
            .read(move |c| db::api_keys::idempotent(c, key_id, &k))
            .await?
    {
        if r.request_hash != request_hash {
            return Err(ApiError::field(
                "Idempotency-Key",
                "This key was used for a different request; use a new key.",
            ));
        }
        return Ok(replay(r.status, &r.body, true));
    }
    let queued = state
        .crm
        .send(Outgoing {
            conversation_id: id,
            message,
            reply_to: None,
            key: SendKey::Api {
                key_id,
                key: idem.clone(),
            },
            author: None,
            by: Some(caller.who()),
            file: None,
        })
        .await?;
    let now = state.clock.now();
    let (status, json) = state
        .db
        .write(move |c| -> crate::db::Result<_> {
            let out = serde_json::to_string(&super::messages::one(c, queued.message_id)?)
                .unwrap_or_default();
            let Some(k) = &idem else {
                return Ok((202, out));
            };
            // A concurrent twin with the same key stored its answer first: replay that one.
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
        })
        .await?;
    Ok(replay(status, &json, queued.duplicate))
}

/// The stored (or just made) answer of a send; `replayed` adds `Idempotent-Replayed: true`.
fn replay(status: u16, json: &str, replayed: bool) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::ACCEPTED);
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let mut resp = json_response(code, "application/json", &value);
    if replayed {
        resp.headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    resp.into_response()
}
