//! `GET /api/v1/conversations` (by contact and status) and `GET /api/v1/conversations/{id}`.

use super::{ConversationOut, ConversationPage};
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, Id, Pairs, next_time_cursor};
use crate::api::rfc3339;
use crate::app::AppState;
use crate::db;
use axum::Json;
use axum::extract::State;

pub(super) fn conversation_out(
    c: &db::inbox::ConversationRow,
    now: time::OffsetDateTime,
) -> ConversationOut {
    let closes = crate::model::window_closes_at(c.last_inbound_at);
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
