//! Creating, changing and deleting contacts through `Crm::save_contact` and `Crm::delete_contact`.

use super::{ApiOptIn, ContactOut, contact_out};
use crate::api::actor;
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, ApiJson, Id};
use crate::app::AppState;
use crate::crm::consent::Consent;
use crate::crm::contacts::{Actor, ContactSave};
use crate::db;
use crate::model::{ContactId, FieldError};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// A new contact.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactCreate {
    /// Phone, with country code or in the default region's national form.
    pub phone: String,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Email.
    #[serde(default)]
    pub email: Option<String>,
    /// Consent, recorded in the consent ledger with `opt_in_source`.
    #[serde(default)]
    pub opt_in: Option<ApiOptIn>,
    /// Where the consent was given.
    #[serde(default)]
    pub opt_in_source: Option<String>,
    /// Custom field values by key (an empty string clears).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// Changes to a contact; absent members stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactUpdate {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Email (empty string clears).
    #[serde(default)]
    pub email: Option<String>,
    /// Consent.
    #[serde(default)]
    pub opt_in: Option<ApiOptIn>,
    /// Where the consent was given.
    #[serde(default)]
    pub opt_in_source: Option<String>,
    /// Custom field values by key (an empty string clears).
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
    /// Restrict processing their data (`true`) or lift the restriction (`false`); admin keys.
    /// A restricted contact is left out of list exports, AI, Sheets sync and broadcasts, and
    /// stays reachable for 1:1 conversation.
    #[serde(default)]
    pub restricted: Option<bool>,
}

pub(super) fn consent_of(
    caller: &ApiCaller,
    state: Option<ApiOptIn>,
    source: Option<String>,
) -> Option<Consent> {
    state.map(|o| Consent {
        state: o.into(),
        source: source.unwrap_or_default(),
        fallback: format!("API key {}", caller.0.id),
        by: None,
    })
}

/// Saves through the use case, then reads the contact back as the API shows it. Field errors
/// of custom fields are reported as `fields.<key>`.
pub(super) async fn save_and_show(
    state: &AppState,
    save: ContactSave,
    who: crate::crm::access::Who,
    actor: Actor,
) -> ApiResult<ContactOut> {
    let id = match state.crm.save_contact(save, who, actor).await {
        Ok(id) => id,
        Err(crate::crm::Error::Invalid(e)) => return Err(ApiError::Invalid(prefix_fields(e))),
        Err(e) => return Err(e.into()),
    };
    state
        .db
        .read(move |c| {
            let k = db::contacts::get(c, id)?.ok_or(db::Error::Corrupt("contact"))?;
            contact_out(c, k)
        })
        .await
        .map_err(Into::into)
}

pub(super) fn field_pairs(fields: &BTreeMap<String, String>) -> Vec<(String, String)> {
    fields.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Creates a contact.
#[utoipa::path(
    post,
    path = "/contacts",
    tag = "contacts",
    request_body = ContactCreate,
    responses(
        (status = 201, description = "Created", body = ContactOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The phone belongs to another contact", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<ContactCreate>,
) -> ApiResult<(StatusCode, Json<ContactOut>)> {
    let save = ContactSave {
        id: None,
        name: Some(body.name),
        phone: Some(body.phone),
        email: body.email,
        fields: field_pairs(&body.fields),
        consent: consent_of(&caller, body.opt_in, body.opt_in_source),
        restricted: None,
    };
    let out = save_and_show(&state, save, caller.who(), actor(&caller)).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Field errors of custom fields are reported as `fields.<key>`.
pub(super) fn prefix_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
    errors
        .into_iter()
        .map(|e| {
            let name = e
                .field
                .strip_prefix("field.")
                .map(|k| format!("fields.{k}"));
            match name {
                Some(n) => FieldError::new(n, e.message),
                None => e,
            }
        })
        .collect()
}

/// Changes a contact.
#[utoipa::path(
    patch,
    path = "/contacts/{id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    request_body = ContactUpdate,
    responses(
        (status = 200, description = "Updated", body = ContactOut),
        (status = 400, description = "Malformed body", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The phone belongs to another contact", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn update(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    ApiJson(body): ApiJson<ContactUpdate>,
) -> ApiResult<Json<ContactOut>> {
    let save = ContactSave {
        id: Some(ContactId(id)),
        name: body.name,
        phone: body.phone,
        email: body.email,
        fields: field_pairs(&body.fields),
        consent: consent_of(&caller, body.opt_in, body.opt_in_source),
        restricted: body.restricted,
    };
    let out = save_and_show(&state, save, caller.who(), actor(&caller)).await?;
    Ok(Json(out))
}

/// Deletes a contact with its conversations and messages (admin keys).
#[utoipa::path(
    delete,
    path = "/contacts/{id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn delete(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<StatusCode> {
    state
        .crm
        .delete_contact(ContactId(id), caller.who(), actor(&caller))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
