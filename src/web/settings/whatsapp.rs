//! `/settings/whatsapp` (admins): connect WhatsApp from the browser. The ids and secrets are
//! stored through `Crm::save_connection` (secrets sealed by the vault, never shown again), "Test
//! connection" and "Subscribe" call the Graph API through the crm use cases.

use crate::app::AppState;
use crate::config::Secret;
use crate::crm::access::{self, AdminAction};
use crate::crm::connection::{self, ConnectionInput, TestReport, ValueState};
use crate::crypto;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// One value of the connection as the page shows it.
pub struct ValueRow {
    pub(super) value: String,
    pub(super) in_file: bool,
    pub(super) status: String,
}

/// The connection page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/whatsapp.html")]
pub struct ConnectionPage {
    layout: Layout,
    connected: bool,
    callback_url: String,
    https: bool,
    verify_token: Option<String>,
    suggested_verify_token: String,
    phone_number_id: ValueRow,
    waba_id: ValueRow,
    app_id: ValueRow,
    access_token: ValueRow,
    app_secret: ValueRow,
    verify: ValueRow,
    errors: FormErrors,
    report: Option<std::result::Result<TestReport, String>>,
}

fn row(s: Option<&ValueState>, zone: &crate::model::Zone) -> ValueRow {
    let Some(s) = s else {
        return ValueRow {
            value: String::new(),
            in_file: false,
            status: "not set".into(),
        };
    };
    let status = match (&s.set, s.in_file) {
        (_, true) => "set in flowcrm.toml (change it there)".to_string(),
        (Some((at, Some(by))), false) => {
            format!("set on {} by {by}", crate::web::when::stamp(zone, *at))
        }
        (Some((at, None)), false) => format!(
            "set on {} from the command line",
            crate::web::when::stamp(zone, *at)
        ),
        (None, false) => "not set".to_string(),
    };
    ValueRow {
        value: s.shown.clone().unwrap_or_default(),
        in_file: s.in_file,
        status,
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    errors: FormErrors,
    report: Option<std::result::Result<TestReport, String>>,
) -> Result<ConnectionPage> {
    access::require(user.who(), AdminAction::Connection)?;
    let (file, config) = (state.crm.whatsapp.clone(), state.config.clone());
    let states = state
        .db
        .read(move |c| connection::states(c, &file, &config))
        .await?;
    let get = |name: &str| states.iter().find(|(n, _)| *n == name).map(|(_, s)| s);
    let verify_token = state.secret("whatsapp.verify_token").await;
    Ok(ConnectionPage {
        layout: Layout::new(&user.ctx, "WhatsApp connection", Nav::Settings),
        connected: state.crm.connected().await?,
        callback_url: format!("{}/webhooks/whatsapp", state.config.public_url()),
        https: state.config.is_https(),
        verify_token: verify_token.map(|s| s.expose().to_string()),
        suggested_verify_token: crypto::random_token().map_err(|e| AppError::Internal(e.into()))?,
        phone_number_id: row(get(connection::PHONE_NUMBER_ID), &user.ctx.zone),
        waba_id: row(get(connection::WABA_ID), &user.ctx.zone),
        app_id: row(get(connection::APP_ID), &user.ctx.zone),
        access_token: row(get("whatsapp.access_token"), &user.ctx.zone),
        app_secret: row(get("whatsapp.app_secret"), &user.ctx.zone),
        verify: row(get("whatsapp.verify_token"), &user.ctx.zone),
        errors,
        report,
    })
}

/// `GET /settings/whatsapp`.
pub async fn connection_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<ConnectionPage> {
    page(&state, &user, FormErrors::default(), None).await
}

/// Body of `POST /settings/whatsapp`.
#[derive(Deserialize)]
pub struct ConnectionForm {
    #[serde(default)]
    phone_number_id: String,
    #[serde(default)]
    waba_id: String,
    #[serde(default)]
    app_id: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    app_secret: String,
    #[serde(default)]
    verify_token: String,
}

/// `POST /settings/whatsapp`: stores the ids and the secrets typed (blank keeps a secret).
pub async fn save_connection(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<ConnectionForm>,
) -> Result<Response> {
    let input = ConnectionInput {
        phone_number_id: f.phone_number_id.trim().to_string(),
        waba_id: f.waba_id.trim().to_string(),
        app_id: f.app_id.trim().to_string(),
        secrets: vec![
            ("whatsapp.access_token", Secret::new(f.access_token.trim())),
            ("whatsapp.app_secret", Secret::new(f.app_secret.trim())),
            ("whatsapp.verify_token", Secret::new(f.verify_token.trim())),
        ],
    };
    let vault = state.vault.clone();
    let seal = move |name: &str, v: &Secret| vault.seal(name, v).map_err(|e| e.to_string());
    let actor = user.actor();
    match state
        .crm
        .save_connection(input, seal, user.who(), actor)
        .await
    {
        Ok(()) => {
            state.forget_secrets().await;
            Ok(redirect_with_flash(
                &state.cookies,
                "/settings/whatsapp",
                FlashKind::Success,
                "Saved. Use Test connection to check it with Meta.",
            ))
        }
        Err(crate::crm::Error::Invalid(errors)) => {
            Ok(page(&state, &user, FormErrors(errors), None)
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/whatsapp/test`: asks the Graph API about the number and the WABA.
pub async fn test_connection(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<ConnectionPage> {
    access::require(user.who(), AdminAction::Connection)?;
    let report = match crate::web::conversations::meta_link(&state).await {
        None => Err(connection::NOT_CONNECTED.to_string()),
        Some(link) => {
            let waba = state.crm.whatsapp_ids().await?.waba_id;
            match state
                .crm
                .test_connection(&link, waba.as_deref(), user.who())
                .await
            {
                Ok(r) => Ok(r),
                Err(crate::crm::Error::Meta(why)) => Err(why),
                Err(e) => return Err(e.into()),
            }
        }
    };
    page(&state, &user, FormErrors::default(), Some(report)).await
}

/// `POST /settings/whatsapp/subscribe`: subscribes the app to the WABA's webhooks.
pub async fn subscribe(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    access::require(user.who(), AdminAction::Connection)?;
    let waba = state.crm.whatsapp_ids().await?.waba_id;
    let (Some(link), Some(waba)) = (crate::web::conversations::meta_link(&state).await, waba)
    else {
        return Ok(redirect_with_flash(
            &state.cookies,
            "/settings/whatsapp",
            FlashKind::Error,
            "Set the WABA id and the access token first.",
        ));
    };
    let actor = user.actor();
    let (kind, text) = match state
        .crm
        .subscribe_webhooks(&link, &waba, user.who(), actor)
        .await
    {
        Ok(()) => (
            FlashKind::Success,
            "Subscribed: Meta now sends this WABA's messages to the callback URL.".to_string(),
        ),
        Err(crate::crm::Error::Meta(why)) => (FlashKind::Error, why),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/whatsapp",
        kind,
        &text,
    ))
}
