//! Custom fields (admins): the definitions page, create, change label/options, delete.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::crm::contacts::Actor;
use crate::crm::fields::{self, FieldInput};
use crate::db;
use crate::model::{CustomField, FIELD_KINDS, FieldKind};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The custom fields page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/fields.html")]
pub struct FieldsPage {
    layout: Layout,
    fields: Vec<CustomField>,
    kinds: &'static [FieldKind],
    form: FieldForm,
    errors: FormErrors,
}

/// Body of the field forms.
#[derive(Deserialize, Default, Clone)]
pub struct FieldForm {
    #[serde(default)]
    key: String,
    #[serde(default)]
    label: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    options: String,
}

impl FieldForm {
    fn input(&self) -> FieldInput {
        FieldInput {
            key: self.key.clone(),
            label: self.label.clone(),
            kind: self.kind.clone(),
            options: self.options.clone(),
        }
    }
}

fn actor(user: &CurrentUser) -> Actor {
    Actor {
        user: Some(user.session.user.id),
        ip: user.ctx.client.ip.clone(),
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: FieldForm,
    errors: FormErrors,
) -> Result<FieldsPage> {
    Ok(FieldsPage {
        layout: Layout::new(&user.ctx, "Custom fields", Nav::Settings),
        fields: state.db.read(db::custom_fields::list).await?,
        kinds: FIELD_KINDS,
        form,
        errors,
    })
}

/// `GET /settings/fields`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<FieldsPage> {
    user.require(AdminAction::CustomFields)?;
    page(&state, &user, FieldForm::default(), FormErrors::default()).await
}

/// `POST /settings/fields`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<FieldForm>,
) -> Result<Response> {
    user.require(AdminAction::CustomFields)?;
    let (input, actor, now) = (f.input(), actor(&user), state.clock.now());
    let result = state
        .db
        .write(move |c| fields::define(c, &input, &actor, now))
        .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/fields",
            FlashKind::Success,
            &format!("Field “{}” created.", f.label.trim()),
        )),
        Err(crate::crm::Error::Invalid(errors)) => {
            let page = page(&state, &user, f, FormErrors(errors)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/fields/{id}`: new label or options.
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<FieldForm>,
) -> Result<Response> {
    user.require(AdminAction::CustomFields)?;
    let (input, actor, now) = (f.input(), actor(&user), state.clock.now());
    let result = state
        .db
        .write(move |c| fields::redefine(c, id, &input, &actor, now))
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/fields",
            FlashKind::Success,
            "Field saved.",
        )),
        Err(e @ crate::crm::Error::Invalid(_)) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/fields",
            FlashKind::Error,
            &e.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/fields/{id}/delete`.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    user.require(AdminAction::CustomFields)?;
    let (actor, now) = (actor(&user), state.clock.now());
    if !state
        .db
        .write(move |c| fields::remove(c, id, &actor, now))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/fields",
        FlashKind::Success,
        "Field deleted with its values.",
    ))
}
