//! Tags: the tags page (create, rename, recolour, delete) and putting tags on contacts
//! (one or many) and conversations.

mod bulk;

use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::{TAG_COLORS, Tag, check_tag};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

pub use bulk::*;

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
