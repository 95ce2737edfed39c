//! `POST /templates`: submitting a new template to Meta for review.

use super::page;
use crate::app::AppState;
use crate::auth::FieldError;
use crate::crm;
use crate::crm::access::AdminAction;
use crate::model::TemplateDraft;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The new-template form, as typed.
#[derive(Deserialize, Default)]
pub struct TemplateForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) language: String,
    #[serde(default)]
    pub(super) category: String,
    #[serde(default)]
    pub(super) header: String,
    #[serde(default)]
    pub(super) body: String,
    #[serde(default)]
    pub(super) footer: String,
    /// One example per line.
    #[serde(default)]
    pub(super) examples: String,
    /// One quick reply per line.
    #[serde(default)]
    pub(super) quick_replies: String,
}

pub(super) fn lines(s: &str) -> Vec<String> {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

pub(super) fn opt(s: &str) -> Option<String> {
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
    let waba = state.crm.whatsapp_ids().await?.waba_id;
    let result = crm::templates::create(
        &state.db,
        &state.graph,
        &state.clock,
        token.as_ref(),
        waba.as_deref(),
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
