//! `GET /api/v1/contacts` (the contacts query resolved by `crm::filters`) and `GET /api/v1/contacts/{id}`.

use super::{ApiOptIn, ApiSort, ContactOut, ContactPage, contact_out, contact_with};
use crate::api::error::{ApiError, ApiResult, Problem};
use crate::api::extract::{ApiCaller, Id, Pairs};
use crate::app::AppState;
use crate::crm::filters::{self, Mode};
use crate::db;
use crate::db::contacts::ContactCursor;
use crate::model::{Contact, ContactId};
use axum::Json;
use axum::extract::State;

/// A contact with its tags and field values.
/// Contacts as the API shows them, their tags loaded in one query.
pub(super) fn contacts_out(
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

/// List and search contacts.
///
/// Filters are the contacts page's: `q` (name, phone digits, email), `tag` (any of, repeat),
/// `tag_all` (all of, repeat), `field=key:op:value` (op: eq, ne, contains, gt, lt, set,
/// unset; repeat), `opt_in`, `has_orders`, `restricted`, `inbound_days`, `segment`, `sort`. Pages are stable
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
        ("restricted" = Option<bool>, Query, description = "Processing restricted (or not)"),
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
        "restricted",
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
    let now = crate::model::Now {
        at: state.clock.now(),
        zone: state.zone.clone(),
    };
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
            let rows = db::contacts::list(c, &filter, after.as_ref(), limit, &now)?;
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
