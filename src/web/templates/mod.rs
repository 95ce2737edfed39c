//! Message templates: the list with review status, sync from Meta, and a form that submits a
//! new template for review. Changing templates is for admins.

mod submit;

use crate::app::AppState;
use crate::crm;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::CATEGORIES;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::response::Response;

pub use submit::*;

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
    let waba = state.crm.whatsapp_ids().await?.waba_id;
    let result = crm::templates::sync(
        &state.db,
        &state.graph,
        &state.clock,
        token.as_ref(),
        waba.as_deref(),
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
