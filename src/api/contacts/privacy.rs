//! A contact's data rights through the API (admin keys): `GET /contacts/{id}/export` (the ZIP),
//! `POST /contacts/{id}/erase` (the receipt) and `GET /erasures/{code}`.

use crate::api::error::{ApiResult, Problem};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::api::files::zip_download;
use crate::api::{actor, rfc3339};
use crate::app::AppState;
use crate::config::ErasedOrders;
use crate::crm::subject::{Erase, Receipt};
use crate::db::subject::erase::Counts;
use crate::model::ContactId;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Everything stored about a contact as a ZIP: `contact.json` (format in the README, "Contact
/// export") and `media/` with their files (admin keys; audited).
#[utoipa::path(
    get, path = "/contacts/{id}/export", tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 200, description = "The ZIP", content_type = "application/zip", body = Vec<u8>),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn export(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<Response> {
    let scratch = state.crm.export_scratch()?;
    let (file, s) = state
        .crm
        .export_contact(ContactId(id), caller.who(), actor(&caller), scratch)
        .await?;
    Ok(zip_download(file, &s.name, s.size))
}

/// An erasure as asked for.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Must be `ERASE`: erasing cannot be undone.
    pub confirm: String,
    /// Why (kept in the erasure record, at most 500 characters).
    pub reason: String,
    /// The code of an open data request this answers; it is closed with the receipt.
    #[serde(default)]
    pub request: Option<String>,
}

/// What an erasure removed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErasureReceipt {
    /// The receipt's code.
    pub code: String,
    /// When (RFC 3339).
    pub erased_at: String,
    /// Why.
    pub reason: String,
    /// `keep` (orders kept without personal data) or `delete`.
    pub orders: String,
    /// Counts per kind of what was removed.
    #[schema(value_type = Object)]
    pub removed: Counts,
}

fn receipt_out(r: Receipt) -> ErasureReceipt {
    ErasureReceipt {
        code: r.code,
        erased_at: rfc3339(r.at),
        reason: r.reason,
        orders: match r.orders {
            ErasedOrders::Keep => "keep",
            ErasedOrders::Delete => "delete",
        }
        .into(),
        removed: r.counts,
    }
}

/// Erases a contact from every store (admin keys): messages, media files, notes, tags, fields,
/// statuses, outbox, raw webhook payloads naming them, search index, audit details, consent;
/// orders are kept without personal data or deleted (`privacy.erased_orders`).
#[utoipa::path(
    post, path = "/contacts/{id}/erase", tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    request_body = EraseRequest,
    responses(
        (status = 200, description = "Erased; the receipt", body = ErasureReceipt),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No confirmation or reason, or an unknown request code", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn erase(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    ApiJson(body): ApiJson<EraseRequest>,
) -> ApiResult<Json<ErasureReceipt>> {
    let input = Erase {
        confirm: body.confirm,
        reason: body.reason,
        request: body.request,
    };
    let r = state
        .crm
        .erase_contact(ContactId(id), input, caller.who(), actor(&caller))
        .await?;
    Ok(Json(receipt_out(r)))
}

/// An erasure's receipt by its code (admin keys).
#[utoipa::path(
    get, path = "/erasures/{code}", tag = "contacts",
    params(("code" = String, Path, description = "The receipt's code")),
    responses(
        (status = 200, description = "The receipt", body = ErasureReceipt),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such erasure", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn erasure(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(code): Path<String>,
) -> ApiResult<Json<ErasureReceipt>> {
    let r = state.crm.erasure_receipt(&code, caller.who()).await?;
    Ok(Json(receipt_out(r)))
}
