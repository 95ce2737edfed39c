//! Creating and editing a contact through `Crm::save_contact`, with field errors and duplicate detection.

use super::actor_of;
use crate::app::AppState;
use crate::crm::contacts::ContactSave;
use crate::db;
use crate::model::{ContactId, FieldError};
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

/// The create / edit form.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/form.html")]
pub struct FormPage {
    pub(super) layout: Layout,
    pub(super) action: String,
    pub(super) heading: String,
    pub(super) name: String,
    pub(super) phone: String,
    pub(super) email: String,
    pub(super) errors: FormErrors,
    pub(super) duplicate: Option<i64>,
    pub(super) editing: Option<i64>,
}

/// Body of the contact form.
#[derive(Deserialize, Default)]
pub struct ContactForm {
    #[serde(default)]
    pub(super) name: String,
    #[serde(default)]
    pub(super) phone: String,
    #[serde(default)]
    pub(super) email: String,
}

impl ContactForm {
    fn save(&self, id: Option<ContactId>) -> ContactSave {
        ContactSave {
            id,
            name: Some(self.name.clone()),
            phone: Some(self.phone.clone()),
            email: Some(self.email.clone()),
            ..ContactSave::default()
        }
    }
}

pub(super) fn form_page(
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

pub(super) fn rejected(
    user: &CurrentUser,
    editing: Option<i64>,
    form: ContactForm,
    e: crate::crm::Error,
) -> Result<Response> {
    match e {
        crate::crm::Error::Invalid(errors) => {
            let page = form_page(user, editing, form, FormErrors(errors), None);
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        crate::crm::Error::Duplicate(other) => {
            let errors = FormErrors(vec![FieldError::new(
                "phone",
                "Another contact already has this number.",
            )]);
            let page = form_page(user, editing, form, errors, Some(other.0));
            Ok((StatusCode::CONFLICT, page).into_response())
        }
        other => Err(other.into()),
    }
}

/// `POST /contacts/new`.
pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ContactForm>,
) -> Result<Response> {
    let result = state
        .crm
        .save_contact(form.save(None), user.who(), actor_of(&user))
        .await;
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
    let result = state
        .crm
        .save_contact(form.save(Some(ContactId(id))), user.who(), actor_of(&user))
        .await;
    match result {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Contact saved.",
        )),
        Err(e) => rejected(&user, Some(id), form, e),
    }
}
