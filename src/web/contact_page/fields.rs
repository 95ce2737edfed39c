//! `POST /contacts/{id}/fields`: custom field values through `Crm::save_contact`.

use super::contact_page;
use crate::app::AppState;
use crate::model::ContactId;
use crate::web::contacts::actor_of;
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// `POST /contacts/{id}/fields`: sets the custom field values (`field.<key>` inputs; an
/// unchecked checkbox clears its value).
pub async fn set_fields(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::extract::RawForm(body): axum::extract::RawForm,
) -> Result<Response> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let mut input: Vec<(String, String)> = Vec::new();
    for (k, v) in &pairs {
        if let Some(key) = k.strip_prefix("field.") {
            // A checkbox posts a hidden "false" then "true" when ticked: the last one wins.
            input.retain(|(x, _)| x != key);
            input.push((key.to_string(), v.clone()));
        }
    }
    let save = crate::crm::contacts::ContactSave {
        id: Some(ContactId(id)),
        fields: input.clone(),
        ..Default::default()
    };
    match state
        .crm
        .save_contact(save, user.who(), actor_of(&user))
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Fields saved.",
        )),
        Err(crate::crm::Error::Invalid(errors)) => {
            let page = contact_page(&state, &user, id, Some((input, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
