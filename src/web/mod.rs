//! The browser UI: THE route table and the middleware stack. Handlers live one file per area
//! and call the use cases (`crm`, `auth`); `db` only for read-only page queries. `AppError`
//! (error.rs) chooses the pages' status codes. Imports `api` (nested router, file responses),
//! `app`, `auth`, `crm`, `db`, `model`, `crypto`, `config`, `clock`, `vault`.

mod api_keys;
pub mod assets;
mod attachments;
mod auth;
mod contact_page;
mod contacts;
pub mod context;
mod conversation_work;
mod conversations;
pub mod cookies;
pub mod error;
mod events;
mod export;
pub mod extract;
mod fields;
pub mod forms;
mod health;
mod import;
mod inbox;
pub mod layout;
mod media;
mod order_form;
mod orders;
mod pages;
mod password_reset;
mod products;
mod search;
mod segments;
mod settings;
mod setup;
mod tags;
mod team;
mod templates;
mod timeline;
mod unread;
mod webhooks;
pub mod when;

use crate::app::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use error::AppError;

/// Largest request body accepted by the UI (forms).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn method_not_allowed() -> AppError {
    AppError::BadRequest("This address does not accept that kind of request.".into())
}

/// Pages about contacts, segments, custom fields, orders and products.
fn crm_routes() -> Router<AppState> {
    Router::new()
        .route("/contacts", get(contacts::index))
        .route(
            "/contacts/new",
            get(contacts::new_form).post(contacts::create),
        )
        .route("/contacts/{id}", get(contact_page::show))
        .route(
            "/contacts/{id}/edit",
            get(contacts::edit_form).post(contacts::update),
        )
        .route(
            "/contacts/{id}/merge",
            get(contacts::merge_preview).post(contacts::merge),
        )
        .route(
            "/contacts/{id}/message",
            get(contact_page::message_form)
                .post(contact_page::send_message)
                .layer(DefaultBodyLimit::max(attachments::MAX_UPLOAD)),
        )
        .route("/contacts/{id}/fields", post(contact_page::set_fields))
        .route("/contacts/{id}/consent", post(contact_page::set_consent))
        .route("/contacts/{id}/notes", post(contact_page::add_note))
        .route(
            "/contacts/{id}/notes/{note}/delete",
            post(contact_page::delete_note),
        )
        .route("/segments", get(segments::index).post(segments::create))
        .route("/segments/{id}", post(segments::rename))
        .route("/segments/{id}/delete", post(segments::delete))
        .route(
            "/settings/api-keys",
            get(api_keys::index).post(api_keys::create),
        )
        .route("/settings/api-keys/{id}/revoke", post(api_keys::revoke))
        .route("/settings/fields", get(fields::index).post(fields::create))
        .route("/settings/fields/{id}", post(fields::update))
        .route("/settings/fields/{id}/delete", post(fields::delete))
        .route("/contacts/tags", post(tags::tag_contacts))
        .route("/contacts/export.csv", get(export::contacts))
        .route(
            "/contacts/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::MAX_CSV)),
        )
        .route("/orders/export.csv", get(export::orders))
        .route("/tags", get(tags::index).post(tags::create))
        .route("/tags/{id}", post(tags::update))
        .route("/tags/{id}/delete", post(tags::delete))
        .route("/conversations/{id}/tags", post(tags::tag_conversation))
        .route("/orders", get(orders::index))
        .route(
            "/orders/new",
            get(order_form::new_form).post(order_form::create),
        )
        .route("/orders/{id}", get(orders::show))
        .route(
            "/orders/{id}/edit",
            get(order_form::edit_form).post(order_form::update),
        )
        .route("/orders/{id}/status", post(orders::change_status))
        .route("/orders/by-message/{id}", get(orders::by_message))
        .route("/products", get(products::index).post(products::save))
        .route("/products/{id}/delete", post(products::delete))
        .route(
            "/products/import",
            post(products::import).layer(DefaultBodyLimit::max(import::MAX_CSV)),
        )
}

/// Settings, the team, alerts, email, sessions and the audit log.
fn settings_routes() -> Router<AppState> {
    Router::new()
        .route("/settings", get(settings::index))
        .route("/settings/alerts", get(settings::alerts_page))
        .route("/settings/audit", get(settings::audit_page))
        .route("/settings/audit.csv", get(settings::audit_csv))
        .route("/settings/sessions", get(settings::sessions_page))
        .route(
            "/settings/sessions/end-others",
            post(settings::end_other_sessions),
        )
        .route("/settings/sessions/{id}/end", post(settings::end_session))
        .route("/settings/email/test", post(settings::send_test_email))
        .route(
            "/settings/alerts/{id}/dismiss",
            post(settings::dismiss_alert),
        )
        .route("/settings/password", post(settings::change_password))
        .route("/settings/preferences", post(settings::set_preferences))
        .route("/settings/sending/resume", post(settings::resume_sending))
        .route(
            "/settings/whatsapp",
            get(settings::connection_page).post(settings::save_connection),
        )
        .route("/settings/whatsapp/test", post(settings::test_connection))
        .route("/settings/whatsapp/subscribe", post(settings::subscribe))
        .route("/settings/team", get(team::index).post(team::add))
        .route("/settings/team/{id}/role", post(team::set_role))
        .route("/settings/team/{id}/disable", post(team::disable))
        .route("/settings/team/{id}/enable", post(team::enable))
        .route("/settings/team/{id}/delete", post(team::delete))
        .route("/settings/team/{id}/reset-link", post(team::reset_link))
        .route("/settings/team/{id}/revoke-links", post(team::revoke_links))
        .route("/settings/team/{id}/end-sessions", post(team::end_sessions))
        .route(
            "/settings/team/{id}/reset-two-factor",
            post(team::reset_two_factor),
        )
        .route("/settings/team/two-factor", post(team::two_factor_rule))
        .route("/settings/two-factor", get(settings::two_factor_page))
        .route(
            "/settings/two-factor/start",
            post(settings::start_two_factor),
        )
        .route(
            "/settings/two-factor/confirm",
            post(settings::confirm_two_factor),
        )
        .route(
            "/settings/two-factor/recovery-codes",
            post(settings::new_recovery_codes),
        )
        .route(
            "/settings/two-factor/off",
            post(settings::turn_off_two_factor),
        )
}

/// Every route of the app, with its middleware.
pub fn router(state: AppState) -> Router {
    let pages = Router::new()
        .route("/", get(pages::home))
        .route("/login", get(auth::login_form).post(auth::login))
        .route(
            "/password/forgot",
            get(password_reset::forgot_form).post(password_reset::forgot_submit),
        )
        .route(
            "/login/two-factor",
            get(auth::code_form).post(auth::code_submit),
        )
        .route("/logout", post(auth::logout))
        .route("/setup/{token}", get(setup::form).post(setup::submit))
        .route("/inbox", get(inbox::index))
        .route("/inbox/unread", get(unread::unread))
        .route("/events", get(events::stream))
        .route("/search", get(search::index))
        .route("/conversations/{id}", get(conversations::show))
        .route(
            "/conversations/{id}/messages",
            post(conversations::send_text),
        )
        .route(
            "/conversations/{id}/template",
            post(conversations::send_template),
        )
        .route("/conversations/{id}/reactions", post(conversations::react))
        .route(
            "/conversations/{id}/assign",
            post(conversation_work::assign),
        )
        .route(
            "/conversations/{id}/seen",
            post(conversation_work::mark_seen),
        )
        .route(
            "/conversations/{id}/status",
            post(conversation_work::set_status),
        )
        .route(
            "/conversations/{id}/notes",
            post(conversation_work::add_note),
        )
        .route(
            "/conversations/{id}/attachments",
            post(attachments::create).layer(DefaultBodyLimit::max(attachments::MAX_UPLOAD)),
        )
        .route("/messages/{id}/retry", post(conversations::retry))
        .route("/templates", get(templates::index).post(templates::create))
        .route("/templates/sync", post(templates::sync))
        .merge(crm_routes())
        .merge(settings_routes())
        .route(
            "/account/{token}",
            get(team::account_form).post(team::account_submit),
        )
        .route("/media/{id}", get(media::show))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(from_fn_with_state(state.clone(), context::session_and_csrf));
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/static/{*path}", get(assets::serve))
        .route(
            "/webhooks/whatsapp",
            get(webhooks::verify)
                .post(webhooks::receive)
                .layer(DefaultBodyLimit::max(webhooks::MAX_BODY)),
        )
        .nest("/api/v1", crate::api::router())
        .merge(pages)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), context::security_headers))
        .with_state(state)
}
