//! `/api/v1/contacts`: list and search with the contacts filter, get, create, update, delete,
//! and tags on a contact.

use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiCaller, ApiJson, Id, Ids, Pairs};
use super::{actor, rfc3339};
use crate::app::AppState;
use crate::crm::consent::Consent;
use crate::crm::contacts::{Actor, ContactSave};
use crate::crm::fields;
use crate::crm::filters::{self, Mode};
use crate::db;
use crate::db::contacts::ContactCursor;
use crate::model::{Contact, ContactId, FieldError, OptIn};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// Consent state.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ApiOptIn {
    /// Never recorded.
    Unknown,
    /// Opted in.
    In,
    /// Opted out.
    Out,
}

impl From<OptIn> for ApiOptIn {
    fn from(o: OptIn) -> Self {
        match o {
            OptIn::Unknown => Self::Unknown,
            OptIn::In => Self::In,
            OptIn::Out => Self::Out,
        }
    }
}

impl From<ApiOptIn> for OptIn {
    fn from(o: ApiOptIn) -> Self {
        match o {
            ApiOptIn::Unknown => Self::Unknown,
            ApiOptIn::In => Self::In,
            ApiOptIn::Out => Self::Out,
        }
    }
}

/// Order of a contact list.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ApiSort {
    /// Newest first.
    Newest,
    /// Oldest first.
    Oldest,
    /// By name.
    Name,
}

/// A tag.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TagOut {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// Colour.
    pub color: String,
}

/// A contact.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactOut {
    /// Id.
    pub id: i64,
    /// Name the business gave (may be empty).
    pub name: String,
    /// Name from the customer's WhatsApp profile (may be empty).
    pub whatsapp_name: String,
    /// Best name to show.
    pub display_name: String,
    /// Phone in E.164, when known.
    pub phone: Option<String>,
    /// WhatsApp business-scoped user id, when known.
    pub bsuid: Option<String>,
    /// Email, when known.
    pub email: Option<String>,
    /// Consent to receive messages.
    pub opt_in: ApiOptIn,
    /// First seen (RFC 3339).
    pub created_at: String,
    /// Tags.
    pub tags: Vec<TagOut>,
    /// Custom field values by key (canonical text: numbers `12.5`, dates `2026-03-31`,
    /// checkboxes `true`/`false`).
    pub fields: BTreeMap<String, String>,
}

/// A page of contacts.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactPage {
    /// Contacts.
    pub data: Vec<ContactOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

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
}

/// A contact with its tags and field values.
/// Contacts as the API shows them, their tags loaded in one query.
fn contacts_out(
    conn: &rusqlite::Connection,
    contacts: Vec<Contact>,
) -> db::Result<Vec<ContactOut>> {
    let ids: Vec<ContactId> = contacts.iter().map(|c| c.id).collect();
    let mut tags = db::tags::for_contacts(conn, &ids)?;
    contacts
        .into_iter()
        .map(|c| {
            let t = tags.remove(&c.id).unwrap_or_default();
            contact_with(conn, c, t)
        })
        .collect()
}

/// A contact as the API shows it.
pub fn contact_out(conn: &rusqlite::Connection, c: Contact) -> db::Result<ContactOut> {
    let tags = db::tags::for_contact(conn, c.id)?;
    contact_with(conn, c, tags)
}

fn contact_with(
    conn: &rusqlite::Connection,
    c: Contact,
    tags: Vec<crate::model::Tag>,
) -> db::Result<ContactOut> {
    let tags = tags
        .into_iter()
        .map(|t| TagOut {
            id: t.id,
            name: t.name,
            color: t.color,
        })
        .collect();
    let fields = fields::values_of(conn, c.id)?
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| (f.key, v)))
        .collect();
    Ok(ContactOut {
        id: c.id.0,
        display_name: c.display_name(),
        name: c.name,
        whatsapp_name: c.profile_name,
        phone: c.phone.map(|p| p.to_string()),
        bsuid: c.bsuid,
        email: c.email,
        opt_in: c.opt_in.into(),
        created_at: rfc3339(c.created_at),
        tags,
        fields,
    })
}

fn consent_of(
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
async fn save_and_show(state: &AppState, save: ContactSave, actor: Actor) -> ApiResult<ContactOut> {
    let id = match state.crm.save_contact(save, actor).await {
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

/// List and search contacts.
///
/// Filters are the contacts page's: `q` (name, phone digits, email), `tag` (any of, repeat),
/// `tag_all` (all of, repeat), `field=key:op:value` (op: eq, ne, contains, gt, lt, set,
/// unset; repeat), `opt_in`, `has_orders`, `inbound_days`, `segment`, `sort`. Pages are stable
/// while new contacts arrive.
#[utoipa::path(
    get,
    path = "/contacts",
    tag = "contacts",
    params(
        ("q" = Option<String>, Query, description = "Search text (name, phone, email)"),
        ("tag" = Option<Vec<i64>>, Query, description = "Has any of these tag ids"),
        ("tag_all" = Option<Vec<i64>>, Query, description = "Has all of these tag ids"),
        ("field" = Option<Vec<String>>, Query, description = "Custom field condition key:op:value", pattern = "^[a-z][a-z0-9_]*:(eq|ne|contains|gt|lt|set|unset):.*$"),
        ("opt_in" = Option<ApiOptIn>, Query, description = "Consent state"),
        ("has_orders" = Option<bool>, Query, description = "Has (or has no) orders"),
        ("inbound_days" = Option<u32>, Query, minimum = 1, maximum = 3650, description = "Wrote within this many days (1-3650)"),
        ("segment" = Option<i64>, Query, description = "Use a saved segment's filter"),
        ("sort" = Option<ApiSort>, Query, description = "newest (default), oldest or name"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
        ("limit" = Option<u32>, Query, minimum = 1, maximum = 200, description = "1 to 200 (default 50)"),
    ),
    responses(
        (status = 200, description = "A page of contacts", body = ContactPage),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad filter", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    _caller: ApiCaller,
    q: Pairs,
) -> ApiResult<Json<ContactPage>> {
    let limit = q.limit()?;
    q.no_empty(&[
        "tag",
        "tag_all",
        "field",
        "opt_in",
        "has_orders",
        "inbound_days",
        "segment",
        "sort",
    ])?;
    let after = match q.get("cursor").filter(|c| !c.is_empty()) {
        Some(c) => Some(c.parse::<ContactCursor>().map_err(|()| {
            ApiError::field("cursor", "Use the next_cursor of the previous page.")
        })?),
        None => None,
    };
    let now = state.clock.now();
    let pairs = q.0;
    let (rows, next) = state
        .db
        .read(move |c| -> ApiResult<_> {
            let filter = filters::resolve(c, &pairs, Mode::Strict)?.filter;
            let name_sort = filter.sort == crate::model::ContactSort::Name;
            if after
                .as_ref()
                .is_some_and(|a| matches!(a, ContactCursor::Name(..)) != name_sort)
            {
                return Err(ApiError::field(
                    "cursor",
                    "This cursor belongs to another sort order.",
                ));
            }
            let rows = db::contacts::list(c, &filter, after.as_ref(), limit, now)?;
            let next = (rows.len() == limit as usize)
                .then(|| rows.last().map(|(_, k)| k.to_string()))
                .flatten();
            let contacts: Vec<Contact> = rows.into_iter().map(|(r, _)| r.contact).collect();
            Ok((contacts_out(c, contacts)?, next))
        })
        .await?;
    Ok(Json(ContactPage {
        data: rows,
        next_cursor: next,
    }))
}

/// One contact.
#[utoipa::path(
    get,
    path = "/contacts/{id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id")),
    responses(
        (status = 200, description = "The contact", body = ContactOut),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<ContactOut>> {
    state
        .db
        .read(move |c| {
            db::contacts::get(c, ContactId(id))?
                .map(|k| contact_out(c, k))
                .transpose()
        })
        .await?
        .map(Json)
        .ok_or(ApiError::NotFound("contact"))
}

fn field_pairs(fields: &BTreeMap<String, String>) -> Vec<(String, String)> {
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
    };
    let out = save_and_show(&state, save, actor(&caller)).await?;
    Ok((StatusCode::CREATED, Json(out)))
}

/// Field errors of custom fields are reported as `fields.<key>`.
fn prefix_fields(errors: Vec<FieldError>) -> Vec<FieldError> {
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
    };
    let out = save_and_show(&state, save, actor(&caller)).await?;
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

/// Puts a tag on a contact (no change when it has it).
#[utoipa::path(
    put,
    path = "/contacts/{id}/tags/{tag_id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id"), ("tag_id" = i64, Path, description = "Tag id")),
    responses(
        (status = 204, description = "The contact has the tag"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact or tag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn add_tag(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Ids(id, tag): Ids,
) -> ApiResult<StatusCode> {
    tag_op(&state, id, tag, true).await
}

/// Takes a tag off a contact (no change when it does not have it).
#[utoipa::path(
    delete,
    path = "/contacts/{id}/tags/{tag_id}",
    tag = "contacts",
    params(("id" = i64, Path, description = "Contact id"), ("tag_id" = i64, Path, description = "Tag id")),
    responses(
        (status = 204, description = "The contact does not have the tag"),
        (status = 401, description = "No valid key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such contact or tag", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn remove_tag(
    State(state): State<AppState>,
    _caller: ApiCaller,
    Ids(id, tag): Ids,
) -> ApiResult<StatusCode> {
    tag_op(&state, id, tag, false).await
}

async fn tag_op(state: &AppState, id: i64, tag: i64, add: bool) -> ApiResult<StatusCode> {
    state
        .db
        .write(move |c| -> crate::db::Result<_> {
            if db::contacts::get(c, ContactId(id))?.is_none() {
                return Ok(Err(ApiError::NotFound("contact")));
            }
            if !db::tags::exists(c, tag)? {
                return Ok(Err(ApiError::NotFound("tag")));
            }
            if add {
                db::tags::tag_contacts(c, tag, &[ContactId(id)])?;
            } else {
                db::tags::untag_contacts(c, tag, &[ContactId(id)])?;
            }
            Ok(Ok(StatusCode::NO_CONTENT))
        })
        .await?
}
