//! `POST /contacts/{id}/consent`: an opt-in or opt-out through `Crm::record_consent`.

use crate::app::AppState;
use crate::model::{ContactId, OptIn};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Body of `POST /contacts/{id}/consent`.
#[derive(Deserialize)]
pub struct ConsentForm {
    pub(super) state: String,
    #[serde(default)]
    pub(super) source: String,
}

/// `POST /contacts/{id}/consent`: records an opt-in or opt-out with its source.
pub async fn set_consent(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ConsentForm>,
) -> Result<Response> {
    let opt: OptIn = f
        .state
        .parse()
        .map_err(|e: String| AppError::BadRequest(e))?;
    if opt == OptIn::Unknown {
        return Err(AppError::BadRequest(
            "Record an opt-in or an opt-out.".into(),
        ));
    }
    let consent = crate::crm::consent::Consent {
        state: opt,
        source: f.source,
        fallback: format!("recorded by {}", user.session.user.name),
        by: Some(user.session.user.id),
    };
    state.crm.record_consent(ContactId(id), consent).await?;
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        if opt == OptIn::In {
            "Opt-in recorded."
        } else {
            "Opt-out recorded."
        },
    ))
}
