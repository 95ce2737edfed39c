//! `POST /contacts/{id}/merge` (admins) through `Crm::merge_contacts`.

use super::actor_of;
use crate::app::AppState;
use crate::model::ContactId;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Body of `POST /contacts/{id}/merge`.
#[derive(Deserialize)]
pub struct MergeForm {
    /// The contact to merge into this one (it is removed).
    pub(super) other: i64,
}

/// `POST /contacts/{id}/merge`: moves the other contact's conversations here and removes it.
pub async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> Result<Response> {
    state
        .crm
        .merge_contacts(
            ContactId(id),
            ContactId(f.other),
            user.who(),
            actor_of(&user),
        )
        .await?;
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        "Contacts merged.",
    ))
}
