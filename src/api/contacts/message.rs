//! `POST /api/v1/contacts/{id}/messages`: message a contact through `Crm::start_conversation`
//! (creates or reopens the conversation), idempotent like the conversation send.

use crate::api::conversations::{SendIn, confirms_consent, idempotent, outbound_of};
use crate::api::error::{ApiResult, Problem};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::app::AppState;
use crate::crm::start::Start;
use crate::model::ContactId;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;

/// Messages a contact: an approved template at any time, or text while the customer's 24-hour
/// window is open. The business number's conversation with the contact is created when missing
/// and reopened when resolved; the answer's `conversation_id` names it.
///
/// Consent: a contact who opted out is refused marketing templates (422, recorded in their
/// timeline). A template to a contact whose consent is unknown and who has never written (or a
/// non-marketing template to one who opted out) needs `"confirm_consent": true` in the template;
/// without it the answer is 409.
///
/// With an `Idempotency-Key` header, repeating the request returns the first response (marked
/// `Idempotent-Replayed: true`) and sends nothing again.
#[utoipa::path(
    post, path = "/contacts/{id}/messages", tag = "contacts",
    params(
        ("id" = i64, Path, description = "Contact id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Up to 255 printable ASCII characters; makes retries safe"),
    ),
    request_body = SendIn,
    responses(
        (status = 202, description = "Queued for sending", body = crate::api::messages::MessageOut),
        (status = 400, description = "Malformed body or key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An agent key and a conversation assigned to a team member", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "WhatsApp is not connected, or the contact's consent is unknown and `confirm_consent` was not given", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not sendable (no WhatsApp number, window closed, template, limits, consent refused, key reused)", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn message(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SendIn>,
) -> ApiResult<Response> {
    let (crm, who) = (state.crm.clone(), caller.who());
    let message = outbound_of(&body);
    let confirm_consent = confirms_consent(&body);
    let scope = format!("contact:{id}");
    idempotent(&state, &caller, &headers, &scope, &body, |key| async move {
        let started = crm
            .start_conversation(Start {
                contact_id: ContactId(id),
                message,
                key,
                author: None,
                by: who,
                confirm_consent,
                file: None,
            })
            .await?;
        Ok((started.queued.message_id, started.queued.duplicate))
    })
    .await
}
