//! `/api/v1/campaigns`: create, preview, send (now or at `scheduled_at`), pause, resume and
//! cancel broadcasts, and read their funnel, cost and recipients — the same use cases as the
//! Campaigns page (`crm::campaigns`). Reading is for every key; changes are admin keys'.

use super::actor;
use super::error::{ApiError, ApiResult, Problem};
use super::extract::{ApiCaller, ApiJson, Id, Pairs};
use crate::app::AppState;
use crate::crm::campaigns::{Action, Input, Preview};
use crate::db::campaigns::Stage;
use crate::model::campaign::Binding;
use crate::model::{FieldError, TemplateHeader};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

mod out;
pub use out::*;

/// A template variable: a contact field (`name`, `first_name`, `phone`, `email`,
/// `field:<custom key>`) with a fallback, or fixed `text`. Exactly one of `field` and `text`.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableIn {
    /// Contact field.
    pub field: Option<String>,
    /// Used when the contact's field is empty.
    pub fallback: Option<String>,
    /// Fixed text.
    pub text: Option<String>,
}

/// A media header uploaded to WhatsApp beforehand.
#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderIn {
    /// image, video or document.
    pub format: String,
    /// Meta's media id from the upload.
    pub media_id: String,
    /// Document file name.
    pub filename: Option<String>,
}

/// A campaign to create.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CampaignIn {
    /// Name (unique).
    pub name: String,
    /// Approved template name.
    pub template_name: String,
    /// Its language code (e.g. `pt_BR`).
    pub template_language: String,
    /// One per body variable, in order.
    #[serde(default)]
    pub variables: Vec<VariableIn>,
    /// Media header, for templates with one.
    pub header: Option<HeaderIn>,
    /// Segment ids whose contacts get it.
    pub include_segments: Vec<i64>,
    /// Segment ids whose contacts never do.
    #[serde(default)]
    pub exclude_segments: Vec<i64>,
    /// Utility templates only: contacts whose consent is unknown get it too.
    #[serde(default)]
    pub allow_unknown_consent: bool,
    /// When it goes out (RFC 3339); absent: when it is sent.
    pub scheduled_at: Option<String>,
}

/// A change of state.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionIn {
    /// send (now, or at `scheduled_at`), pause, resume or cancel.
    pub action: String,
}

fn input(body: CampaignIn) -> Result<Input, ApiError> {
    let mut e = Vec::new();
    let mut variables = Vec::new();
    for (i, v) in body.variables.into_iter().enumerate() {
        match (v.field, v.text) {
            (Some(field), None) => variables.push(Binding::Field {
                field,
                fallback: v.fallback.unwrap_or_default(),
            }),
            (None, Some(text)) if v.fallback.is_none() => variables.push(Binding::Text { text }),
            _ => e.push(FieldError::new(
                "variables",
                format!(
                    "Variable {}: give either `field` (with an optional `fallback`) or `text`.",
                    i + 1
                ),
            )),
        }
    }
    let header = body.header.map(|h| match h.format.as_str() {
        "image" => Ok(TemplateHeader::Image {
            media_id: h.media_id,
        }),
        "video" => Ok(TemplateHeader::Video {
            media_id: h.media_id,
        }),
        "document" => Ok(TemplateHeader::Document {
            media_id: h.media_id,
            filename: h.filename,
        }),
        _ => Err(FieldError::new(
            "header",
            "`format` is image, video or document.",
        )),
    });
    let header = match header.transpose() {
        Ok(h) => h,
        Err(x) => {
            e.push(x);
            None
        }
    };
    let rfc = &time::format_description::well_known::Rfc3339;
    let parsed = body
        .scheduled_at
        .as_deref()
        .map(|t| time::OffsetDateTime::parse(t, rfc));
    let scheduled_at = if let Some(Err(_)) = parsed {
        e.push(FieldError::new(
            "scheduled_at",
            "Use an RFC 3339 time, e.g. 2026-12-24T09:00:00-03:00.",
        ));
        None
    } else {
        parsed.and_then(Result::ok)
    };
    if !e.is_empty() {
        return Err(ApiError::Invalid(e));
    }
    Ok(Input {
        name: body.name,
        template_name: body.template_name,
        template_language: body.template_language,
        variables,
        header,
        include: body.include_segments,
        exclude: body.exclude_segments,
        allow_unknown: body.allow_unknown_consent,
        scheduled_at,
    })
}

/// Campaigns, newest first (50 per page).
#[utoipa::path(
    get, path = "/campaigns", tag = "campaigns",
    params(("before" = Option<i64>, Query, minimum = 1, description = "Campaigns with a smaller id than this")),
    responses(
        (status = 200, description = "Campaigns", body = CampaignList),
        (status = 422, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn list(
    State(state): State<AppState>,
    caller: ApiCaller,
    q: Pairs,
) -> ApiResult<Json<CampaignList>> {
    let before = match q.get("before") {
        None => None,
        Some(v) => Some(v.parse::<i64>().ok().filter(|v| *v > 0).ok_or_else(|| {
            ApiError::field("before", "A campaign id (a positive whole number).")
        })?),
    };
    let rows = state.crm.campaigns(caller.who(), before).await?;
    Ok(Json(CampaignList {
        data: rows.into_iter().map(out).collect(),
    }))
}

/// Creates a draft campaign (admin keys). Nothing is sent until `POST /campaigns/{id}/state`
/// with `send`.
#[utoipa::path(
    post, path = "/campaigns", tag = "campaigns", request_body = CampaignIn,
    responses(
        (status = 201, description = "Created", body = CampaignOut),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid: every problem listed", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn create(
    State(state): State<AppState>,
    caller: ApiCaller,
    ApiJson(body): ApiJson<CampaignIn>,
) -> ApiResult<(StatusCode, Json<CampaignOut>)> {
    let input = input(body)?;
    let id = state
        .crm
        .create_campaign(caller.who(), actor(&caller), input)
        .await?;
    let d = state.crm.campaign(caller.who(), id).await?;
    Ok((StatusCode::CREATED, Json(out(d))))
}

/// A campaign with its funnel, failures and the cost so far.
#[utoipa::path(
    get, path = "/campaigns/{id}", tag = "campaigns",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The campaign", body = CampaignOut),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn get(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<CampaignOut>> {
    Ok(Json(out(state.crm.campaign(caller.who(), id).await?)))
}

/// Who the campaign reaches now, who is left out and why, and the estimated cost (for a started
/// campaign: as recorded when it started).
#[utoipa::path(
    get, path = "/campaigns/{id}/preview", tag = "campaigns",
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The preview", body = PreviewOut),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The template cannot be sent", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn preview(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
) -> ApiResult<Json<PreviewOut>> {
    let p: Preview = state
        .crm
        .preview_campaign(caller.who(), id, state.zone.clone())
        .await?;
    Ok(Json(PreviewOut {
        category: p.category,
        recipients: p.recipients,
        left_out: p
            .left_out
            .into_iter()
            .map(|(r, n, who)| LeftOutOut {
                reason: r.as_str().into(),
                label: r.label().into(),
                count: n,
                contact_ids: who.into_iter().map(|(id, _)| id).collect(),
            })
            .collect(),
        estimate: cost_out(&p.estimate),
    }))
}

/// Sends (now, or at its `scheduled_at`), pauses, resumes or cancels a campaign (admin keys).
#[utoipa::path(
    post, path = "/campaigns/{id}/state", tag = "campaigns", request_body = ActionIn,
    params(("id" = i64, Path, description = "Campaign id")),
    responses(
        (status = 200, description = "The campaign after the change", body = CampaignOut),
        (status = 403, description = "Not an admin key", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Not possible in its state", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown action, or the campaign is invalid", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn change_state(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    ApiJson(body): ApiJson<ActionIn>,
) -> ApiResult<Json<CampaignOut>> {
    let action = Action::parse(&body.action)
        .ok_or_else(|| ApiError::field("action", "Use send, pause, resume or cancel."))?;
    state
        .crm
        .campaign_action(caller.who(), actor(&caller), id, action, state.zone.clone())
        .await?;
    Ok(Json(out(state.crm.campaign(caller.who(), id).await?)))
}

/// A campaign's recipients at a funnel stage, 100 per page by contact id.
#[utoipa::path(
    get, path = "/campaigns/{id}/recipients", tag = "campaigns",
    params(
        ("id" = i64, Path, description = "Campaign id"),
        ("stage" = Option<String>, Query, description = "all, pending, queued, sent, delivered, read, replied, failed, opted_out, skipped, cancelled"),
        ("after" = Option<i64>, Query, minimum = 0, description = "Contact id to continue after"),
    ),
    responses(
        (status = 200, description = "A page of recipients", body = RecipientPage),
        (status = 404, description = "No such campaign", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad query", body = Problem, content_type = "application/problem+json"),
    ),
    security(("api_key" = []))
)]
pub async fn recipients(
    State(state): State<AppState>,
    caller: ApiCaller,
    Id(id): Id,
    q: Pairs,
) -> ApiResult<Json<RecipientPage>> {
    let wanted = match q.get("stage") {
        None => Stage::All,
        Some(s) => Stage::parse(s).ok_or_else(|| {
            ApiError::field("stage", "Use all, pending, queued, sent, delivered, read, replied, failed, opted_out, skipped or cancelled.")
        })?,
    };
    let after =
        match q.get("after") {
            None => 0,
            Some(v) => v.parse::<i64>().ok().filter(|v| *v >= 0).ok_or_else(|| {
                ApiError::field("after", "A contact id (a whole number, 0 or more).")
            })?,
        };
    let rows = state
        .crm
        .campaign_recipients(caller.who(), id, wanted, after)
        .await?;
    let full = rows.len() == crate::crm::campaigns::results_page();
    let next_after = if full {
        rows.last().map(|r| r.contact_id)
    } else {
        None
    };
    let ts = |t: Option<time::OffsetDateTime>| t.map(super::rfc3339);
    Ok(Json(RecipientPage {
        data: rows
            .into_iter()
            .map(|r| RecipientOut {
                contact_id: r.contact_id,
                state: r.state,
                reason: r.reason,
                status_rank: r.rank,
                error_code: r.error_code,
                replied_at: ts(r.replied_at),
                opted_out_at: ts(r.opted_out_at),
                conversation_id: r.conversation_id,
            })
            .collect(),
        next_after,
    }))
}
