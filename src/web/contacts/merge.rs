//! Merging two contacts (admins): `GET /contacts/{id}/merge?other=N` shows both side by side with
//! what survives; `POST /contacts/{id}/merge` with `confirm` merges through
//! `Crm::merge_contacts` (without `confirm` it shows the preview first).

use super::actor_of;
use crate::app::AppState;
use crate::crm::merge_preview::MergePreview;
use crate::model::ContactId;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{redirect_with_flash, see_other};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// The confirmation page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/merge.html")]
pub struct MergePage {
    layout: Layout,
    p: MergePreview,
}

/// Query of `GET /contacts/{id}/merge`.
#[derive(Deserialize)]
pub struct MergeQuery {
    /// The contact to merge into this one.
    other: i64,
}

/// `GET /contacts/{id}/merge?other=N`: both contacts and the result, to confirm.
pub async fn merge_preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(q): Query<MergeQuery>,
) -> Result<MergePage> {
    let p = state
        .crm
        .merge_preview(ContactId(id), ContactId(q.other), user.who())
        .await?;
    Ok(MergePage {
        layout: Layout::new(&user.ctx, "Merge contacts", Nav::Contacts),
        p,
    })
}

/// Body of `POST /contacts/{id}/merge`.
#[derive(Deserialize)]
pub struct MergeForm {
    /// The contact to merge into this one (it is removed).
    pub(super) other: i64,
    /// Set by the confirmation page.
    #[serde(default)]
    pub(super) confirm: Option<String>,
}

/// `POST /contacts/{id}/merge`: with `confirm`, moves the other contact's conversations, orders,
/// notes, tags and fields here and removes it; without, shows what it would do.
pub async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> Result<Response> {
    if f.confirm.is_none() {
        return Ok(see_other(&format!(
            "/contacts/{id}/merge?other={}",
            f.other
        )));
    }
    match state
        .crm
        .merge_contacts(
            ContactId(id),
            ContactId(f.other),
            user.who(),
            actor_of(&user),
        )
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Contacts merged.",
        )),
        Err(crate::crm::Error::NotFound(_)) => Err(AppError::NotFound),
        Err(e) => Err(e.into()),
    }
}
