//! Message templates: the list with review status, sync from Meta, and a form that submits a
//! new template for review. Changing templates is for admins.

use super::cookies::FlashKind;
use super::error::Result;
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::auth::FieldError;
use crate::crm;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::{CATEGORIES, TemplateDraft};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// A template as listed.
pub struct Row {
    name: String,
    language: String,
    category: String,
    status: String,
    reason: String,
    preview: String,
}

/// The templates page (list and, for admins, the new-template form).
#[derive(Template, WebTemplate)]
#[template(path = "templates/index.html")]
pub struct TemplatesPage {
    layout: Layout,
    rows: Vec<Row>,
    is_admin: bool,
    categories: &'static [&'static str],
    form: TemplateForm,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: TemplateForm,
    errors: FormErrors,
) -> Result<TemplatesPage> {
    let rows = state
        .db
        .read(db::templates::list)
        .await?
        .into_iter()
        .map(|t| Row {
            preview: t.components().map_or_else(
                |_| "(the stored components cannot be read; sync templates again)".into(),
                |c| c.preview(),
            ),
            name: t.name,
            language: t.language,
            category: t.category,
            status: t.status.to_string(),
            reason: t.reason.unwrap_or_default(),
        })
        .collect();
    Ok(TemplatesPage {
        layout: Layout::new(&user.ctx, "Templates", Nav::Settings),
        rows,
        is_admin: user.session.user.is_admin(),
        categories: CATEGORIES,
        form,
        errors,
    })
}

/// `GET /templates`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<TemplatesPage> {
    let form = TemplateForm {
        category: "UTILITY".into(),
        language: "en_US".into(),
        ..TemplateForm::default()
    };
    page(&state, &user, form, FormErrors::default()).await
}

/// `POST /templates/sync` (admins).
pub async fn sync(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require(AdminAction::Templates)?;
    let token = state.secret("whatsapp.access_token").await;
    let result = crm::templates::sync(
        &state.db,
        &state.graph,
        &state.clock,
        token.as_ref(),
        state.config.whatsapp.waba_id.as_deref(),
    )
    .await;
    let (kind, message) = match result {
        Ok(n) => (
            FlashKind::Success,
            format!("Synced {n} template(s) from WhatsApp."),
        ),
        Err(e) => (FlashKind::Error, format!("Sync failed: {e}")),
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/templates",
        kind,
        &message,
    ))
}

/// The new-template form, as typed.
#[derive(Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    header: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    footer: String,
    /// One example per line.
    #[serde(default)]
    examples: String,
    /// One quick reply per line.
    #[serde(default)]
    quick_replies: String,
}

fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

fn opt(s: &str) -> Option<String> {
    Some(s.trim().to_string()).filter(|s| !s.is_empty())
}

/// `POST /templates` (admins): submit a new template to Meta.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<TemplateForm>,
) -> Result<Response> {
    user.require(AdminAction::Templates)?;
    let draft = TemplateDraft {
        name: form.name.trim().to_string(),
        language: form.language.trim().to_string(),
        category: form.category.trim().to_ascii_uppercase(),
        header: opt(&form.header),
        body: form.body.trim().to_string(),
        footer: opt(&form.footer),
        examples: lines(&form.examples),
        quick_replies: lines(&form.quick_replies),
    };
    if let Err(problems) = draft.validate() {
        let errors = FormErrors(
            problems
                .into_iter()
                .map(|(field, message)| FieldError::new(field, message))
                .collect(),
        );
        let page = page(&state, &user, form, errors).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let token = state.secret("whatsapp.access_token").await;
    let result = crm::templates::create(
        &state.db,
        &state.graph,
        &state.clock,
        token.as_ref(),
        state.config.whatsapp.waba_id.as_deref(),
        &draft,
        &user.actor(),
    )
    .await;
    match result {
        Ok(t) => Ok(redirect_with_flash(
            &state.cookies,
            "/templates",
            FlashKind::Success,
            &format!("Template {} submitted to WhatsApp: {}.", t.name, t.status),
        )),
        Err(e) => {
            let errors = FormErrors(vec![FieldError {
                field: "submit".into(),
                message: format!("WhatsApp refused it: {e}"),
            }]);
            let page = page(&state, &user, form, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}
