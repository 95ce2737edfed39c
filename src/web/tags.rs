//! Tags: the tags page (create, rename, recolour, delete) and putting tags on contacts
//! (one or many) and conversations.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::{ContactId, TAG_COLORS, Tag, check_tag};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// The tags page.
#[derive(Template, WebTemplate)]
#[template(path = "tags/index.html")]
pub struct TagsPage {
    layout: Layout,
    tags: Vec<(Tag, i64)>,
    colors: &'static [&'static str],
    is_admin: bool,
    name: String,
    errors: FormErrors,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    name: String,
    errors: FormErrors,
) -> Result<TagsPage> {
    Ok(TagsPage {
        layout: Layout::new(&user.ctx, "Tags", Nav::Contacts),
        tags: state.db.read(db::tags::list).await?,
        colors: TAG_COLORS,
        is_admin: user.session.user.is_admin(),
        name,
        errors,
    })
}

/// `GET /tags`.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<TagsPage> {
    page(&state, &user, String::new(), FormErrors::default()).await
}

/// Body of the tag forms.
#[derive(Deserialize)]
pub struct TagForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    color: String,
}

async fn invalid(
    state: &AppState,
    user: &CurrentUser,
    name: String,
    e: crate::model::FieldError,
) -> Result<Response> {
    let page = page(state, user, name, FormErrors(vec![e])).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /tags`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(f): Form<TagForm>,
) -> Result<Response> {
    let name = match check_tag(&f.name, &f.color) {
        Ok(n) => n,
        Err(e) => return invalid(&state, &user, f.name, e).await,
    };
    let now = state.clock.now();
    let (n, color) = (name.clone(), f.color.clone());
    match state
        .db
        .write(move |c| db::tags::insert(c, &n, &color, now))
        .await
    {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            "/tags",
            FlashKind::Success,
            &format!("Tag “{name}” created."),
        )),
        Err(db::Error::Conflict(_)) => {
            invalid(
                &state,
                &user,
                f.name,
                crate::model::FieldError::new("name", "A tag with this name exists."),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /tags/{id}`: rename or recolour.
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<TagForm>,
) -> Result<Response> {
    let name = match check_tag(&f.name, &f.color) {
        Ok(n) => n,
        Err(e) => return invalid(&state, &user, String::new(), e).await,
    };
    match state
        .db
        .write(move |c| db::tags::update(c, id, &name, &f.color))
        .await
    {
        Ok(true) => Ok(redirect_with_flash(
            &state.cookies,
            "/tags",
            FlashKind::Success,
            "Tag saved.",
        )),
        Ok(false) => Err(AppError::NotFound),
        Err(db::Error::Conflict(_)) => {
            invalid(
                &state,
                &user,
                String::new(),
                crate::model::FieldError::new("name", "A tag with this name exists."),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /tags/{id}/delete` (admins): removes the tag everywhere.
pub async fn delete(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    user.require(AdminAction::DeleteTags)?;
    let (now, actor) = (state.clock.now(), user.actor());
    if !state
        .db
        .write(move |c| crate::crm::tags::delete(c, id, &actor, now))
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        "/tags",
        FlashKind::Success,
        "Tag deleted.",
    ))
}

/// Parses `id`s and the action of a tagging form (repeated `contact` fields allowed).
fn parse_pairs(pairs: &[(String, String)]) -> (Option<i64>, bool, Vec<ContactId>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let tag = get("tag").and_then(|t| t.parse().ok());
    let remove = get("action") == Some("remove");
    let contacts = pairs
        .iter()
        .filter(|(k, _)| k == "contact")
        .filter_map(|(_, v)| v.parse().ok().map(ContactId))
        .collect();
    (tag, remove, contacts)
}

/// `POST /contacts/tags`: add or remove a tag on the chosen contacts (one or many).
pub async fn tag_contacts(
    State(state): State<AppState>,
    _user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let back = pairs
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.clone())
        .filter(|b| b.starts_with("/contacts") && !b.starts_with("//"))
        .unwrap_or_else(|| "/contacts".into());
    let (tag, remove, contacts) = parse_pairs(&pairs);
    let Some(tag) = tag else {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Choose a tag.",
        ));
    };
    if contacts.is_empty() {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Choose at least one contact.",
        ));
    }
    let n = state
        .db
        .write(move |c| {
            if remove {
                db::tags::untag_contacts(c, tag, &contacts)
            } else {
                db::tags::tag_contacts(c, tag, &contacts)
            }
        })
        .await?;
    let what = if remove { "removed from" } else { "added to" };
    Ok(redirect_with_flash(
        &state.cookies,
        &back,
        FlashKind::Success,
        &format!("Tag {what} {n} contact(s)."),
    ))
}

/// Body of `POST /conversations/{id}/tags`.
#[derive(Deserialize)]
pub struct ConversationTagForm {
    tag: i64,
    #[serde(default)]
    action: String,
}

/// `POST /conversations/{id}/tags`: add or remove a tag on a conversation.
pub async fn tag_conversation(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ConversationTagForm>,
) -> Result<Response> {
    let add = f.action != "remove";
    let w = super::conversation_work::worker(&user);
    let result = state.crm.set_tag(id, f.tag, add, w).await;
    let done = if add { "Tag added." } else { "Tag removed." };
    super::conversation_work::work_result(&state, id, result, done)
}
