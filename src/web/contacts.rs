//! Contacts: list with search, the contact page, create/edit forms with validation and
//! duplicate detection, and merging two contacts.

use super::cookies::FlashKind;
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::contacts::{self as crm_contacts, Actor, ContactError, ContactInput};
use crate::db;
use crate::error::{AppError, Result};
use crate::model::{Contact, ContactId, FieldError, Tag};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Contacts per page.
const PAGE: u32 = 50;

fn date(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    t.format(&fmt).unwrap_or_default()
}

/// The signed-in user as the audit log names them.
fn actor_of(user: &CurrentUser) -> Actor {
    Actor {
        user: Some(user.session.user.id),
        ip: user.ctx.client.ip.clone(),
    }
}

/// A contact in the list.
pub struct Row {
    id: i64,
    name: String,
    whatsapp_name: String,
    phone: String,
    email: String,
    last: String,
    tags: Vec<Tag>,
}

/// The contacts list.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/index.html")]
pub struct ContactsPage {
    layout: Layout,
    q: String,
    tag: Option<i64>,
    all_tags: Vec<Tag>,
    rows: Vec<Row>,
    next: Option<String>,
    here: String,
}

/// Query of `GET /contacts`.
#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    tag: Option<i64>,
    before: Option<String>,
}

/// `GET /contacts`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<ContactsPage> {
    let q = query.q.trim().chars().take(100).collect::<String>();
    let before = super::forms::parse_cursor(query.before.as_deref());
    let search = Some(q.clone()).filter(|s| !s.is_empty());
    let tag = query.tag;
    let (rows, tags_of, all_tags) = state
        .db
        .read(move |c| {
            let rows = db::contacts::list(c, search.as_deref(), tag, before, PAGE)?;
            let tags_of = rows
                .iter()
                .map(|r| db::tags::for_contact(c, r.contact.id))
                .collect::<db::Result<Vec<_>>>()?;
            let all = db::tags::list(c)?
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>();
            Ok((rows, tags_of, all))
        })
        .await?;
    let next = super::forms::next_cursor(
        rows.len(),
        PAGE,
        rows.last().map(|r| (r.contact.created_at, r.contact.id.0)),
    );
    let rows = rows
        .into_iter()
        .zip(tags_of)
        .map(|(r, tags)| Row {
            tags,
            id: r.contact.id.0,
            name: r.contact.display_name(),
            whatsapp_name: r.contact.profile_name.clone(),
            phone: r
                .contact
                .phone
                .as_ref()
                .map(ToString::to_string)
                .or(r.contact.username.clone())
                .unwrap_or_default(),
            email: r.contact.email.clone().unwrap_or_default(),
            last: r.last_message_at.map(date).unwrap_or_default(),
        })
        .collect();
    let tag_text = tag.map(|t| t.to_string()).unwrap_or_default();
    let here = format!(
        "/contacts?{}",
        serde_urlencoded::to_string([("q", q.as_str()), ("tag", tag_text.as_str())])
            .unwrap_or_default()
    );
    Ok(ContactsPage {
        layout: Layout::new(&user.ctx, "Contacts", Nav::Contacts),
        q,
        tag,
        all_tags,
        rows,
        next,
        here,
    })
}

/// A conversation on the contact page.
pub struct ConversationLink {
    id: i64,
    last: String,
    unread: i64,
}

/// The contact page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/show.html")]
pub struct ContactPage {
    layout: Layout,
    contact: Contact,
    name: String,
    conversations: Vec<ConversationLink>,
    since: String,
    tags: Vec<Tag>,
    all_tags: Vec<Tag>,
}

/// `GET /contacts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<ContactPage> {
    let (contact, convs, tags, all_tags) = state
        .db
        .read(move |c| {
            Ok((
                db::contacts::get(c, ContactId(id))?,
                db::conversations::for_contact(c, ContactId(id))?,
                db::tags::for_contact(c, ContactId(id))?,
                db::tags::list(c)?.into_iter().map(|(t, _)| t).collect(),
            ))
        })
        .await?;
    let contact = contact.ok_or(AppError::NotFound)?;
    Ok(ContactPage {
        layout: Layout::new(&user.ctx, contact.display_name(), Nav::Contacts),
        name: contact.display_name(),
        since: date(contact.created_at),
        tags,
        all_tags,
        conversations: convs
            .into_iter()
            .map(|c| ConversationLink {
                id: c.id,
                last: date(c.last_message_at),
                unread: c.unread_count,
            })
            .collect(),
        contact,
    })
}

/// The create / edit form.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/form.html")]
pub struct FormPage {
    layout: Layout,
    action: String,
    heading: String,
    name: String,
    phone: String,
    email: String,
    errors: FormErrors,
    duplicate: Option<i64>,
    editing: Option<i64>,
}

/// Body of the contact form.
#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

impl ContactForm {
    fn input(&self) -> ContactInput {
        ContactInput {
            name: self.name.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
        }
    }
}

fn form_page(
    user: &CurrentUser,
    editing: Option<i64>,
    form: ContactForm,
    errors: FormErrors,
    duplicate: Option<i64>,
) -> FormPage {
    let (action, heading) = match editing {
        Some(id) => (format!("/contacts/{id}/edit"), "Edit contact".to_string()),
        None => ("/contacts/new".to_string(), "New contact".to_string()),
    };
    FormPage {
        layout: Layout::new(&user.ctx, heading.clone(), Nav::Contacts),
        action,
        heading,
        name: form.name,
        phone: form.phone,
        email: form.email,
        errors,
        duplicate,
        editing,
    }
}

/// `GET /contacts/new`.
pub async fn new_form(user: CurrentUser) -> FormPage {
    form_page(
        &user,
        None,
        ContactForm::default(),
        FormErrors::default(),
        None,
    )
}

fn rejected(
    user: &CurrentUser,
    editing: Option<i64>,
    form: ContactForm,
    e: ContactError,
) -> Result<Response> {
    match e {
        ContactError::Invalid(errors) => {
            let page = form_page(user, editing, form, FormErrors(errors), None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        ContactError::Duplicate(other) => {
            let errors = FormErrors(vec![FieldError::new(
                "phone",
                "Another contact already has this number.",
            )]);
            let page = form_page(user, editing, form, errors, Some(other.0));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        ContactError::NotFound => Err(AppError::NotFound),
    }
}

/// `POST /contacts/new`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ContactForm>,
) -> Result<Response> {
    let actor = actor_of(&user);
    let (input, now, region) = (
        form.input(),
        state.clock.now(),
        state.config.crm.default_region.clone(),
    );
    let result = state
        .db
        .write(move |c| crm_contacts::create(c, &input, region.as_deref(), &actor, now))
        .await?;
    match result {
        Ok(id) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Contact created.",
        )),
        Err(e) => rejected(&user, None, form, e),
    }
}

/// `GET /contacts/{id}/edit`.
pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<FormPage> {
    let c = state
        .db
        .read(move |c| db::contacts::get(c, ContactId(id)))
        .await?
        .ok_or(AppError::NotFound)?;
    let form = ContactForm {
        name: c.name.clone(),
        phone: c
            .phone
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        email: c.email.clone().unwrap_or_default(),
    };
    Ok(form_page(
        &user,
        Some(id),
        form,
        FormErrors::default(),
        None,
    ))
}

/// `POST /contacts/{id}/edit`.
pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ContactForm>,
) -> Result<Response> {
    let actor = actor_of(&user);
    let (input, now, region) = (
        form.input(),
        state.clock.now(),
        state.config.crm.default_region.clone(),
    );
    let result = state
        .db
        .write(move |c| {
            crm_contacts::update(c, ContactId(id), &input, region.as_deref(), &actor, now)
        })
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Contact saved.",
        )),
        Err(e) => rejected(&user, Some(id), form, e),
    }
}

/// Body of `POST /contacts/{id}/merge`.
#[derive(Deserialize)]
pub struct MergeForm {
    /// The contact to merge into this one (it is removed).
    other: i64,
}

/// `POST /contacts/{id}/merge`: moves the other contact's conversations here and removes it.
pub async fn merge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<MergeForm>,
) -> Result<Response> {
    let actor = actor_of(&user);
    let now = state.clock.now();
    let result = state
        .db
        .write(move |c| crm_contacts::merge(c, ContactId(id), ContactId(f.other), &actor, now))
        .await?;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Contacts merged.",
        )),
        Err(_) => Err(AppError::NotFound),
    }
}
