//! The campaign build form (`/campaigns/new`, `/campaigns/{id}/edit`): name, an approved
//! template, a contact field with a fallback or fixed text per variable, the media header by
//! upload, the segments to include and exclude, unknown consent for utility templates, and now
//! or a date and time in the business time zone. Changing the template redraws the variable
//! rows (a button, pressed by the script on change). Every check is `crm::campaigns`'s.

use super::posted::{Values, kept_parts, read, upload};
use crate::app::AppState;
use crate::crm;
use crate::db;
use crate::model::campaign::CONTACT_FIELDS;
use crate::model::{FieldError, TemplateStatus};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// An option of a select.
pub struct Choice {
    value: String,
    label: String,
}

/// One template variable's row.
pub struct VarRow {
    n: usize,
    label: String,
    source: String,
    value: String,
}

/// A segment with whether it is included or excluded.
pub struct SegmentChoice {
    id: i64,
    name: String,
    include: bool,
    exclude: bool,
}

/// The chosen template as the form needs it.
struct Tpl {
    placeholders: Vec<String>,
    media: String,
    body: String,
    category: String,
}

/// The form page.
#[derive(Template, WebTemplate)]
#[template(path = "campaigns/form.html")]
pub struct CampaignFormPage {
    layout: Layout,
    heading: String,
    action: String,
    v: Values,
    templates: Vec<Choice>,
    body: String,
    media: String,
    accept: &'static str,
    kept_media: String,
    kept_filename: String,
    vars: Vec<VarRow>,
    sources: Vec<Choice>,
    segments: Vec<SegmentChoice>,
    utility: bool,
    zone: String,
    errors: FormErrors,
}

fn tpl(t: &db::templates::Template) -> Option<Tpl> {
    let parts = t.components().ok()?;
    Some(Tpl {
        placeholders: crm::outbound::placeholders(parts.body_text()),
        media: parts
            .header()
            .map(|h| h.format.to_ascii_uppercase())
            .filter(|f| matches!(f.as_str(), "IMAGE" | "VIDEO" | "DOCUMENT"))
            .unwrap_or_default(),
        body: parts.body_text().to_string(),
        category: t.category.to_ascii_uppercase(),
    })
}

/// Where a variable's value may come from: the contact's fields, custom fields, fixed text.
fn sources(fields: &[crate::model::CustomField]) -> Vec<Choice> {
    let mut sources: Vec<Choice> = CONTACT_FIELDS
        .iter()
        .map(|(k, l)| Choice {
            value: (*k).into(),
            label: format!("Contact’s {}", l.to_lowercase()),
        })
        .collect();
    sources.extend(fields.iter().map(|f| Choice {
        value: format!("field:{}", f.key),
        label: format!("Field: {}", f.label),
    }));
    sources.push(Choice {
        value: "text".into(),
        label: "Fixed text".into(),
    });
    sources
}

/// Draws the form for `v`.
pub(super) async fn render(
    state: &AppState,
    user: &CurrentUser,
    editing: Option<i64>,
    mut v: Values,
    errors: Vec<FieldError>,
) -> Result<CampaignFormPage> {
    let (templates, segments, fields) = state
        .db
        .read(|c| -> db::Result<_> {
            let t: Vec<_> = db::templates::list(c)?
                .into_iter()
                .filter(|t| t.status == TemplateStatus::Approved)
                .collect();
            Ok((t, db::segments::list(c)?, db::custom_fields::list(c)?))
        })
        .await?;
    if v.template.is_empty()
        && let Some(t) = templates.first()
    {
        v.template = format!("{}|{}", t.name, t.language);
    }
    let chosen = templates
        .iter()
        .find(|t| format!("{}|{}", t.name, t.language) == v.template)
        .and_then(tpl);
    let vars = chosen.as_ref().map_or_else(Vec::new, |t| {
        t.placeholders
            .iter()
            .enumerate()
            .map(|(i, p)| {
                let (source, value) = v.vars.get(i).cloned().unwrap_or_else(|| {
                    (
                        if i == 0 { "first_name" } else { "text" }.into(),
                        String::new(),
                    )
                });
                VarRow {
                    n: i + 1,
                    label: format!("{{{{{p}}}}}"),
                    source,
                    value,
                }
            })
            .collect()
    });
    let (_, kept_media, kept_filename) = kept_parts(v.kept.as_ref());
    let media = chosen.as_ref().map(|t| t.media.clone()).unwrap_or_default();
    let (heading, action) = match editing {
        Some(id) => ("Edit campaign".to_string(), format!("/campaigns/{id}/edit")),
        None => ("New campaign".to_string(), "/campaigns/new".to_string()),
    };
    Ok(CampaignFormPage {
        layout: Layout::new(&user.ctx, heading.clone(), Nav::Campaigns),
        heading,
        action,
        templates: templates
            .iter()
            .map(|t| Choice {
                value: format!("{}|{}", t.name, t.language),
                label: format!(
                    "{} ({}) · {}",
                    t.name,
                    t.language,
                    t.category.to_lowercase()
                ),
            })
            .collect(),
        body: chosen.as_ref().map(|t| t.body.clone()).unwrap_or_default(),
        accept: crate::web::attachments::file::header_accept(&media),
        media,
        kept_media,
        kept_filename,
        vars,
        sources: sources(&fields),
        segments: segments
            .into_iter()
            .map(|s| SegmentChoice {
                include: v.include.contains(&s.id),
                exclude: v.exclude.contains(&s.id),
                id: s.id,
                name: s.name,
            })
            .collect(),
        utility: chosen.is_some_and(|t| t.category == "UTILITY"),
        zone: state.zone.name(),
        v,
        errors: FormErrors(errors),
    })
}

/// Saves a posted form (new when `editing` is `None`): the campaign's page, or the form again
/// with every problem.
async fn save(
    state: &AppState,
    user: &CurrentUser,
    editing: Option<i64>,
    form: Multipart,
) -> Result<Response> {
    let back = editing.map_or("/campaigns/new".to_string(), |id| {
        format!("/campaigns/{id}/edit")
    });
    let mut p = match read(form).await {
        Ok(p) => p,
        Err(m) => {
            return Ok(redirect_with_flash(
                &state.cookies,
                &back,
                FlashKind::Error,
                &m,
            ));
        }
    };
    if p.reload {
        return Ok(render(state, user, editing, p.v, Vec::new())
            .await?
            .into_response());
    }
    let (name, language) =
        p.v.template
            .split_once('|')
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .unwrap_or_default();
    let t = state
        .db
        .read(move |c| db::templates::find(c, &name, &language))
        .await?
        .as_ref()
        .and_then(tpl);
    let media = t.as_ref().map(|t| t.media.clone()).unwrap_or_default();
    let mut errors = Vec::new();
    if media.is_empty() {
        p.v.kept = None;
    } else if let Some(up) = &p.file {
        match upload(state, &media, up).await {
            Ok(h) => p.v.kept = Some(h),
            Err(m) => errors.push(FieldError::new("header", m)),
        }
    } else if kept_parts(p.v.kept.as_ref()).0 != media {
        p.v.kept = None;
    }
    let result = match p.v.input(&state.zone) {
        Err(mut e) => {
            errors.append(&mut e);
            Err(crm::Error::Invalid(Vec::new()))
        }
        Ok(_) if !errors.is_empty() => Err(crm::Error::Invalid(Vec::new())),
        Ok(input) => match editing {
            Some(id) => state
                .crm
                .update_campaign(user.who(), id, input)
                .await
                .map(|()| id),
            None => {
                state
                    .crm
                    .create_campaign(user.who(), user.actor(), input)
                    .await
            }
        },
    };
    match result {
        Ok(id) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/campaigns/{id}"),
            FlashKind::Success,
            "Saved. Check who it reaches and what it costs, then send it.",
        )),
        Err(crm::Error::Invalid(mut e)) => {
            errors.append(&mut e);
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                render(state, user, editing, p.v, errors).await?,
            )
                .into_response())
        }
        Err(e @ crm::Error::Conflict(_)) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            &e.to_string(),
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /campaigns/new`.
pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<CampaignFormPage> {
    user.require(crm::access::AdminAction::Campaigns)?;
    render(&state, &user, None, Values::default(), Vec::new()).await
}

/// `POST /campaigns/new` (multipart).
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    form: Multipart,
) -> Result<Response> {
    user.require(crm::access::AdminAction::Campaigns)?;
    save(&state, &user, None, form).await
}

/// `GET /campaigns/{id}/edit`: drafts and scheduled campaigns.
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    user.require(crm::access::AdminAction::Campaigns)?;
    let d = state.crm.campaign(user.who(), id).await?;
    if d.campaign.started_at.is_some()
        || !matches!(
            d.campaign.state,
            crate::model::campaign::CampaignState::Draft
                | crate::model::campaign::CampaignState::Scheduled
        )
    {
        return Ok(redirect_with_flash(
            &state.cookies,
            &format!("/campaigns/{id}"),
            FlashKind::Error,
            &format!(
                "This campaign is {}: only drafts and scheduled campaigns can be changed.",
                d.campaign.state
            ),
        ));
    }
    let v = Values::of(&crate::crm::campaigns::input_of(&d.campaign), &state.zone);
    Ok(render(&state, &user, Some(id), v, Vec::new())
        .await?
        .into_response())
}

/// `POST /campaigns/{id}/edit` (multipart).
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    form: Multipart,
) -> Result<Response> {
    user.require(crm::access::AdminAction::Campaigns)?;
    save(&state, &user, Some(id), form).await
}
