//! The JSON API under `/api/v1`: API keys with roles and per-key rate limits, problem+json
//! errors, body limits, and an OpenAPI 3.1 document generated from the handlers
//! (`/api/v1/openapi.json`), so the document and the routes cannot drift apart; unknown query
//! parameters are refused from the same document. Handlers call the `crm` use cases and read
//! with `db`; they never re-implement a rule.

mod campaigns;
mod contacts;
mod conversations;
pub mod error;
pub mod extract;
pub mod files;
mod messages;
mod orders;
mod query_check;
mod reports;
mod tags;

use crate::app::AppState;
use crate::crm::contacts::Actor;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use error::{ApiError, json_response};
use extract::{ApiCaller, MAX_BODY};
use std::sync::Arc;
use utoipa::Modify;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

/// The document's fixed parts; paths and schemas come from the routes.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "FlowCRM API",
        description = "Contacts, tags, custom fields, conversations, messages, orders and templates of one FlowCRM. Authenticate with `Authorization: Bearer <API key>`; errors are `application/problem+json`.",
        version = "1"
    ),
    servers((url = "/api/v1")),
    modifiers(&BearerKey, &CommonResponses),
    components(schemas(contacts::ApiSort, contacts::ApiOptIn, orders::ApiOrderStatus)),
    tags(
        (name = "contacts"), (name = "tags"), (name = "custom fields"),
        (name = "conversations"), (name = "orders"), (name = "templates"), (name = "campaigns"), (name = "reports")
    )
)]
struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let mut http = Http::new(HttpAuthScheme::Bearer);
        http.description =
            Some("An API key (`fck_...`) from Settings or `flowcrm api-key create`.".into());
        components.add_security_scheme("api_key", SecurityScheme::Http(http));
    }
}

/// Responses every operation can give: 401 and 429 (the key and its rate limit), and for
/// operations with a body 400, 413 and 415.
struct CommonResponses;

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{Content, Ref, RefOr, ResponseBuilder};
        let problem = |text: &str| -> RefOr<utoipa::openapi::Response> {
            RefOr::T(
                ResponseBuilder::new()
                    .description(text)
                    .content(
                        "application/problem+json",
                        Content::new(Some(Ref::from_schema_name("Problem"))),
                    )
                    .build(),
            )
        };
        for item in openapi.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for op in ops.into_iter().flatten() {
                let responses = &mut op.responses.responses;
                let mut add = |code: &str, text: &str| {
                    responses
                        .entry(code.into())
                        .or_insert_with(|| problem(text));
                };
                add("401", "No valid API key");
                add("429", "Over the key's rate limit (see Retry-After)");
                if op.request_body.is_some() {
                    add("400", "Malformed body");
                    add("413", "Body over 1 MiB");
                    add("415", "Body is not JSON");
                }
            }
        }
    }
}

fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(contacts::list, contacts::create))
        .routes(routes!(contacts::get, contacts::update, contacts::delete))
        .routes(routes!(contacts::add_tag, contacts::remove_tag))
        .routes(routes!(contacts::message))
        .routes(routes!(contacts::export))
        .routes(routes!(contacts::erase))
        .routes(routes!(contacts::erasure))
        .routes(routes!(tags::list, tags::create))
        .routes(routes!(tags::update, tags::delete))
        .routes(routes!(tags::list_fields, tags::create_field))
        .routes(routes!(tags::delete_field))
        .routes(routes!(conversations::list))
        .routes(routes!(conversations::get))
        .routes(routes!(messages::list, conversations::send))
        .routes(routes!(messages::media))
        .routes(routes!(orders::list, orders::create))
        .routes(routes!(orders::get, orders::update))
        .routes(routes!(orders::templates))
        .routes(routes!(campaigns::list, campaigns::create))
        .routes(routes!(campaigns::get))
        .routes(routes!(campaigns::preview))
        .routes(routes!(campaigns::change_state))
        .routes(routes!(campaigns::recipients))
        .routes(routes!(reports::report))
        .routes(routes!(reports::conversations))
}

/// The OpenAPI document (paths relative to the `/api/v1` server).
#[must_use]
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = routes().into_openapi();
    CommonResponses.modify(&mut doc);
    doc
}

async fn not_found() -> ApiError {
    ApiError::NotFound("route; see /api/v1/openapi.json")
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The API router, to nest under `/api/v1`.
pub fn router() -> Router<AppState> {
    let (router, mut doc) = routes().split_for_parts();
    // The routes' paths are merged after the modifiers ran: add the common responses now.
    CommonResponses.modify(&mut doc);
    let accepted = Arc::new(query_check::Accepted::from_doc(&doc));
    let doc = Arc::new(serde_json::to_value(&doc).unwrap_or_default());
    router
        .route_layer(axum::middleware::from_fn(move |m, req, next| {
            query_check::refuse_unknown(Arc::clone(&accepted), m, req, next)
        }))
        .route(
            "/openapi.json",
            get(move || {
                let doc = Arc::clone(&doc);
                async move { json_response(StatusCode::OK, "application/json", &*doc) }
            }),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_BODY))
}

/// The key as the audit log names it.
fn actor(caller: &ApiCaller) -> Actor {
    Actor {
        user: None,
        ip: format!("api-key:{}", caller.0.id),
    }
}

/// A time as RFC 3339.
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
