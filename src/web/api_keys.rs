//! Settings → API keys (admins): create a key (shown once, on the response page only, never in
//! a cookie or a redirect), list keys with their last use, revoke.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::crm::api_keys;
use crate::crm::contacts::Actor;
use crate::db;
use crate::db::api_keys::ApiKey;
use crate::model::Role;
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The API keys page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/api_keys.html")]
pub struct KeysPage {
    layout: Layout,
    keys: Vec<(ApiKey, String, String)>,
    created: Option<(String, String)>,
    name: String,
    errors: FormErrors,
}

fn date(zone: &crate::model::Zone, t: Option<time::OffsetDateTime>) -> String {
    t.map_or_else(|| "never".into(), |t| crate::web::when::stamp(zone, t))
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    created: Option<(String, String)>,
    name: String,
    errors: FormErrors,
) -> Result<KeysPage> {
    let keys = state.db.read(db::api_keys::list).await?;
    Ok(KeysPage {
        layout: Layout::new(&user.ctx, "API keys", Nav::Settings),
        keys: keys
            .into_iter()
            .map(|k| {
                let (last_use, created) = (
                    date(&user.ctx.zone, k.last_used_at),
                    date(&user.ctx.zone, Some(k.created_at)),
                );
                (k, last_use, created)
            })
            .collect(),
        created,
        name,
        errors,
    })
}

/// `GET /settings/api-keys`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<KeysPage> {
    user.require(AdminAction::ApiKeys)?;
    page(&state, &user, None, String::new(), FormErrors::default()).await
}

/// Body of `POST /settings/api-keys`.
#[derive(Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

fn actor(user: &CurrentUser) -> Actor {
    Actor {
        user: Some(user.session.user.id),
        ip: user.ctx.client.ip.clone(),
    }
}

/// `POST /settings/api-keys`: creates a key and shows it once.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<KeyForm>,
) -> Result<Response> {
    user.require(AdminAction::ApiKeys)?;
    let role: Role = f
        .role
        .parse()
        .map_err(|_| AppError::BadRequest("Choose admin, agent or viewer.".into()))?;
    let random = crate::crypto::random_bytes::<20>().map_err(|e| AppError::Internal(e.into()))?;
    let (actor, now, name) = (actor(&user), state.clock.now(), f.name.clone());
    let result = state
        .db
        .write(move |c| api_keys::create(c, &name, role, &random, &actor, now))
        .await;
    match result {
        Ok(key) => {
            let p = page(
                &state,
                &user,
                Some((key.token, key.prefix)),
                String::new(),
                FormErrors::default(),
            )
            .await?;
            Ok(p.into_response())
        }
        Err(crate::crm::Error::Invalid(errors)) => {
            let p = page(&state, &user, None, f.name, FormErrors(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/api-keys/{id}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    user.require(AdminAction::ApiKeys)?;
    let (actor, now) = (actor(&user), state.clock.now());
    if !state
        .db
        .write(move |c| api_keys::revoke(c, id, &actor, now))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/api-keys",
        FlashKind::Success,
        "Key revoked; requests with it are refused from now on.",
    ))
}
