//! A campaign's forms: send (now or at its time), pause, resume, cancel, delete a draft, the
//! test send, and the recipients CSV. Each calls its `crm::campaigns` use case.

use super::show::{StageQuery, page};
use crate::app::AppState;
use crate::crm::{self, campaigns::Action};
use crate::model::campaign::CampaignState;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::export::{audit, cell, csv_response};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Body of `POST /campaigns/{id}/state`.
#[derive(Debug, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    action: String,
}

/// `POST /campaigns/{id}/state`: send, pause, resume or cancel.
pub async fn change_state(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StateForm>,
) -> Result<Response> {
    let back = format!("/campaigns/{id}");
    let Some(action) = Action::parse(&f.action) else {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Choose send, pause, resume or cancel.",
        ));
    };
    let result = state
        .crm
        .campaign_action(user.who(), user.actor(), id, action, state.zone.clone())
        .await;
    let (kind, message) = match result {
        Ok(CampaignState::Sending) => (
            FlashKind::Success,
            "Sending: the funnel below fills as WhatsApp reports.".to_string(),
        ),
        Ok(CampaignState::Scheduled) => (
            FlashKind::Success,
            "Scheduled: it goes out at its time.".into(),
        ),
        Ok(CampaignState::Paused) => (
            FlashKind::Success,
            "Paused: nothing more goes out until you resume.".into(),
        ),
        Ok(CampaignState::Cancelled) => {
            (FlashKind::Success, "Cancelled: nobody else gets it.".into())
        }
        Ok(other) => (FlashKind::Success, format!("The campaign is {other}.")),
        Err(crm::Error::Invalid(e)) => (
            FlashKind::Error,
            format!(
                "It cannot be sent yet: {}",
                e.iter()
                    .map(|x| x.message.as_str())
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
        ),
        Err(e @ (crm::Error::Conflict(_) | crm::Error::Template(_) | crm::Error::NotConnected)) => {
            (FlashKind::Error, e.to_string())
        }
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(&state.cookies, &back, kind, &message))
}

/// `POST /campaigns/{id}/delete`: deletes a draft.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    match state
        .crm
        .delete_campaign(user.who(), user.actor(), id)
        .await
    {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/campaigns",
            FlashKind::Success,
            "Draft deleted.",
        )),
        Err(e @ crm::Error::Conflict(_)) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/campaigns/{id}"),
            FlashKind::Error,
            &e.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// Body of `POST /campaigns/{id}/test`.
#[derive(Debug, Deserialize)]
pub struct TestForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    key: String,
    #[serde(default)]
    confirm_consent: Option<String>,
}

/// `POST /campaigns/{id}/test`: sends the campaign's message to one chosen number now and
/// lands in that conversation, or comes back with why.
pub async fn test_send(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<TestForm>,
) -> Result<Response> {
    let result = state
        .crm
        .test_campaign(
            user.who(),
            id,
            &f.to,
            f.key.clone(),
            f.confirm_consent.is_some(),
        )
        .await;
    let errors = match result {
        Ok(s) => {
            return Ok(redirect_with_flash(
                &state.cookies,
                &format!("/conversations/{}", s.conversation_id),
                FlashKind::Success,
                "Test message queued; it appears here as WhatsApp reports it.",
            ));
        }
        Err(crm::Error::Invalid(e)) => e,
        Err(e @ (crm::Error::NotFound(_) | crm::Error::Denied(_) | crm::Error::Db(_))) => {
            return Err(e.into());
        }
        Err(e) => vec![crate::model::FieldError::new("to", e.to_string())],
    };
    let p = page(
        &state,
        &user,
        id,
        StageQuery::default(),
        (f.key, FormErrors(errors), f.to),
    )
    .await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
}

/// `GET /campaigns/{id}/recipients.csv?stage=`: the recipients at a stage (admins: a list
/// export), audited.
pub async fn recipients_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Query(query): Query<StageQuery>,
) -> Result<Response> {
    let at_stage = query.stage_or_all();
    let rows = state.crm.campaign_rows(user.who(), id, at_stage).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    for r in &rows {
        w.write_record(r.iter().map(|x| cell(x)))
            .map_err(|e| AppError::Internal(e.into()))?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit(
        &state,
        &user,
        "export.campaign",
        rows.len().saturating_sub(1),
    )
    .await?;
    Ok(csv_response(
        &format!("campaign-{id}-{}.csv", at_stage.as_str()),
        body,
        false,
    ))
}
