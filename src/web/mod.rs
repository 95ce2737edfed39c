//! The browser UI: THE route table and the middleware stack. Handlers live one file per area
//! and call the use cases (`crm`, `auth`); `db` only for read-only page queries. `AppError`
//! (error.rs) chooses the pages' status codes. Imports `api` (nested router, file responses),
//! `app`, `auth`, `crm`, `db`, `model`, `crypto`, `config`, `clock`, `vault`.

mod api_keys;
pub mod assets;
mod attachments;
mod auth;
mod campaigns;
mod contact_page;
mod contacts;
pub mod context;
mod conversation_work;
mod conversations;
pub mod cookies;
mod crm_routes;
mod data_requests;
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
mod privacy;
mod products;
mod reports;
mod routes;
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
use crate::crm::access::AdminAction::{
    AccountAlerts, AiSettings, Audit, Backups, Connection, DataRequests, Email, ResumeSending,
    SheetsSync, Team, Templates,
};
use crate::crm::access::Need::{Admin, Own, Public, Read, Work};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};
use error::AppError;
pub use routes::RouteRule;
use routes::Routes;

/// Largest request body accepted by the UI (forms).
const BODY_LIMIT: usize = 2 * 1024 * 1024;

async fn not_found() -> AppError {
    AppError::NotFound
}

async fn method_not_allowed() -> AppError {
    AppError::BadRequest("This address does not accept that kind of request.".into())
}

/// Settings: one's own account for everyone, the install's for admins.
fn settings_routes() -> Routes {
    Routes::new()
        .get("/settings", Own, settings::index)
        .get(
            "/settings/alerts",
            Admin(AccountAlerts),
            settings::alerts_page,
        )
        .get("/settings/audit", Admin(Audit), settings::audit_page)
        .get("/settings/backups", Admin(Backups), settings::backups_page)
        .post("/settings/backups", Admin(Backups), settings::backup_now)
        .get("/settings/sheets", Admin(SheetsSync), settings::sheets_page)
        .post("/settings/sheets", Admin(SheetsSync), settings::save_sheets)
        .post(
            "/settings/sheets/key",
            Admin(SheetsSync),
            settings::upload_key,
        )
        .post(
            "/settings/sheets/sync",
            Admin(SheetsSync),
            settings::sync_now,
        )
        .post("/settings/sheets/check", Admin(SheetsSync), settings::check)
        .get("/settings/ai", Admin(AiSettings), settings::ai_page)
        .post("/settings/ai", Admin(AiSettings), settings::save_ai)
        .post("/settings/ai/key", Admin(AiSettings), settings::save_ai_key)
        .post("/settings/ai/test", Admin(AiSettings), settings::test_ai)
        .get("/settings/audit.csv", Admin(Audit), settings::audit_csv)
        .get(
            "/settings/requests",
            Admin(DataRequests),
            data_requests::register_page,
        )
        .post(
            "/settings/requests",
            Admin(DataRequests),
            data_requests::log_request,
        )
        .post(
            "/settings/requests/{id}/close",
            Admin(DataRequests),
            data_requests::close_request,
        )
        .get("/settings/sessions", Own, settings::sessions_page)
        .post(
            "/settings/sessions/end-others",
            Own,
            settings::end_other_sessions,
        )
        .post("/settings/sessions/{id}/end", Own, settings::end_session)
        .post(
            "/settings/email/test",
            Admin(Email),
            settings::send_test_email,
        )
        .post(
            "/settings/alerts/{id}/dismiss",
            Admin(AccountAlerts),
            settings::dismiss_alert,
        )
        .post("/settings/password", Own, settings::change_password)
        .post("/settings/email-address", Own, settings::change_email)
        .post("/settings/preferences", Own, settings::set_preferences)
        .post(
            "/settings/sending/resume",
            Admin(ResumeSending),
            settings::resume_sending,
        )
        .get(
            "/settings/whatsapp",
            Admin(Connection),
            settings::connection_page,
        )
        .post(
            "/settings/whatsapp",
            Admin(Connection),
            settings::save_connection,
        )
        .post(
            "/settings/whatsapp/test",
            Admin(Connection),
            settings::test_connection,
        )
        .post(
            "/settings/whatsapp/subscribe",
            Admin(Connection),
            settings::subscribe,
        )
}

/// The team (admins).
fn team_routes() -> Routes {
    Routes::new()
        .get("/settings/team", Admin(Team), team::index)
        .post("/settings/team", Admin(Team), team::add)
        .post("/settings/team/{id}/role", Admin(Team), team::set_role)
        .post("/settings/team/{id}/disable", Admin(Team), team::disable)
        .post("/settings/team/{id}/enable", Admin(Team), team::enable)
        .post("/settings/team/{id}/delete", Admin(Team), team::delete)
        .post(
            "/settings/team/{id}/reset-link",
            Admin(Team),
            team::reset_link,
        )
        .post(
            "/settings/team/{id}/revoke-links",
            Admin(Team),
            team::revoke_links,
        )
        .post(
            "/settings/team/{id}/end-sessions",
            Admin(Team),
            team::end_sessions,
        )
        .post(
            "/settings/team/{id}/reset-two-factor",
            Admin(Team),
            team::reset_two_factor,
        )
        .post(
            "/settings/team/two-factor",
            Admin(Team),
            team::two_factor_rule,
        )
}

/// One's own two-factor sign-in.
fn two_factor_routes() -> Routes {
    Routes::new()
        .get("/settings/two-factor", Own, settings::two_factor_page)
        .post(
            "/settings/two-factor/start",
            Own,
            settings::start_two_factor,
        )
        .post(
            "/settings/two-factor/confirm",
            Own,
            settings::confirm_two_factor,
        )
        .post(
            "/settings/two-factor/recovery-codes",
            Own,
            settings::new_recovery_codes,
        )
        .post(
            "/settings/two-factor/off",
            Own,
            settings::turn_off_two_factor,
        )
}

/// Signing in and out, one-time links, the inbox and conversations, templates and media.
fn inbox_routes() -> Routes {
    Routes::new()
        .get("/", Read, pages::home)
        .get("/login", Public, auth::login_form)
        .post("/login", Public, auth::login)
        .get("/login/two-factor", Public, auth::code_form)
        .post("/login/two-factor", Public, auth::code_submit)
        .get("/password/forgot", Public, password_reset::forgot_form)
        .post("/password/forgot", Public, password_reset::forgot_submit)
        .post("/logout", Own, auth::logout)
        .get("/setup/{token}", Public, setup::form)
        .post("/setup/{token}", Public, setup::submit)
        .get(
            "/meta/data-deletion/{code}",
            Public,
            data_requests::status_page,
        )
        .get("/privacy", Public, privacy::page)
        .get("/account/{token}", Public, team::account_form)
        .post("/account/{token}", Public, team::account_submit)
        .get("/inbox", Read, inbox::index)
        .get("/inbox/unread", Read, unread::unread)
        .get("/events", Read, events::stream)
        .get("/search", Read, search::index)
        .get("/conversations/{id}", Read, conversations::show)
        .post(
            "/conversations/{id}/messages",
            Work,
            conversations::send_text,
        )
        .post(
            "/conversations/{id}/template",
            Work,
            conversations::send_template,
        )
        .post("/conversations/{id}/reactions", Work, conversations::react)
        .post(
            "/conversations/{id}/ai/summary",
            Work,
            conversations::ai_summary,
        )
        .post(
            "/conversations/{id}/ai/draft",
            Work,
            conversations::ai_draft,
        )
        .post(
            "/conversations/{id}/ai/rewrite",
            Work,
            conversations::ai_rewrite,
        )
        .post(
            "/conversations/{id}/ai/translate",
            Work,
            conversations::ai_translate,
        )
        .post(
            "/conversations/{id}/ai/suggest",
            Work,
            conversations::ai_suggest,
        )
        .post(
            "/conversations/{id}/assign",
            Work,
            conversation_work::assign,
        )
        .post(
            "/conversations/{id}/seen",
            Work,
            conversation_work::mark_seen,
        )
        .post(
            "/conversations/{id}/status",
            Work,
            conversation_work::set_status,
        )
        .post(
            "/conversations/{id}/notes",
            Work,
            conversation_work::add_note,
        )
        .post_with(
            "/conversations/{id}/attachments",
            Work,
            post(attachments::create).layer(DefaultBodyLimit::max(attachments::MAX_UPLOAD)),
        )
        .post("/messages/{id}/retry", Work, conversations::retry)
        .get("/templates", Read, templates::index)
        .post("/templates", Admin(Templates), templates::create)
        .post("/templates/sync", Admin(Templates), templates::sync)
        .get("/media/{id}", Read, media::show)
}

/// Every page route with its rule (for the tests that walk them all).
#[must_use]
pub fn route_rules() -> Vec<RouteRule> {
    all_routes().finish().1.to_vec()
}

fn all_routes() -> Routes {
    inbox_routes()
        .merge(crm_routes::crm_routes())
        .merge(crm_routes::contact_data_routes())
        .merge(crm_routes::campaign_routes())
        .merge(crm_routes::report_routes())
        .merge(settings_routes())
        .merge(team_routes())
        .merge(two_factor_routes())
}

/// The whole app: pages (behind the session and CSRF layer), webhooks, the API, static files.
pub fn router(state: AppState) -> Router {
    let (pages, _) = all_routes().finish();
    let pages = pages
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
        .route("/meta/data-deletion", post(data_requests::meta_callback))
        .nest("/api/v1", crate::api::router())
        .merge(pages)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(from_fn_with_state(state.clone(), context::security_headers))
        .with_state(state)
}
