//! Contacts: the list (its query resolved by `crm::filters`, as the API and the export do),
//! create/edit forms with validation and duplicate detection (`Crm::save_contact`), and merging
//! two contacts.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::contacts::{Actor, ContactSave};
use crate::crm::filters::{self, Mode};
use crate::db;
use crate::db::contacts::ContactCursor;
use crate::model::{
    ContactFilter, ContactId, CustomField, FIELD_OPS, FieldError, FieldOp, OptIn, Tag,
};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Contacts per page.
const PAGE: u32 = 50;
/// The list counts matches up to this many ("500+" beyond).
const COUNT_CAP: i64 = 500;

pub(super) fn date(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!("[day padding:none] [month repr:short] [year]");
    t.format(&fmt).unwrap_or_default()
}

/// The signed-in user as the audit log names them.
pub(super) fn actor_of(user: &CurrentUser) -> Actor {
    user.actor()
}

/// A contact in the list.
pub struct Row {
    id: i64,
    name: String,
    whatsapp_name: String,
    phone: String,
    email: String,
    last: String,
    opt_in: OptIn,
    tags: Vec<Tag>,
}

/// The contacts list.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/index.html")]
pub struct ContactsPage {
    layout: Layout,
    filter: ContactFilter,
    errors: FormErrors,
    all_tags: Vec<Tag>,
    fields: Vec<CustomField>,
    segments: Vec<db::segments::Segment>,
    segment: Option<i64>,
    rows: Vec<Row>,
    total: i64,
    next: Option<String>,
    here: String,
    query: String,
}

impl ContactsPage {
    fn op_label(op: FieldOp) -> &'static str {
        FIELD_OPS
            .iter()
            .find(|(o, _)| *o == op)
            .map_or("", |(_, l)| *l)
    }

    /// Columns an export may have: built-in ones, then custom field keys.
    fn export_columns(&self) -> Vec<(String, String)> {
        super::export::CONTACT_COLUMNS
            .iter()
            .map(|c| ((*c).to_string(), c.replace('_', " ")))
            .chain(self.fields.iter().map(|f| (f.key.clone(), f.label.clone())))
            .collect()
    }

    /// The filter as hidden form inputs: (name, value).
    fn filter_pairs(&self) -> Vec<(&'static str, String)> {
        let mut pairs = self.filter.to_pairs();
        if let Some(s) = self.segment.filter(|_| self.filter.is_empty()) {
            pairs.push(("segment", s.to_string()));
        }
        pairs
    }

    /// The match count as shown: exact up to the cap, then "500+".
    fn total_text(&self) -> String {
        if self.total > COUNT_CAP {
            format!("{COUNT_CAP}+")
        } else {
            self.total.to_string()
        }
    }

    fn field_label(&self, key: &str) -> String {
        self.fields
            .iter()
            .find(|f| f.key == key)
            .map_or_else(|| key.to_string(), |f| f.label.clone())
    }

    /// The current filter without its `i`th field condition.
    fn without_field(&self, i: usize) -> String {
        let mut f = self.filter.clone();
        if i < f.fields.len() {
            f.fields.remove(i);
        }
        format!("/contacts?{}", f.to_query())
    }
}

/// A contacts filter read from a query string (resolved by `crm::filters`, the same meaning
/// the API and the export use), with the page's cursor.
pub struct FilterQuery {
    /// The filter (field conditions checked and normalised).
    pub filter: ContactFilter,
    /// What was wrong with the query; those parts are left out of the filter.
    pub errors: Vec<FieldError>,
    /// Page cursor.
    pub after: Option<ContactCursor>,
    /// The segment named by the query.
    pub segment: Option<i64>,
}

impl FilterQuery {
    /// Parses `raw` leniently: problems become notices, and the bad parts are left out.
    pub async fn read(state: &AppState, raw: Option<&str>) -> Result<Self> {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
        // The page's "add a condition" inputs make one more `field` condition.
        let part = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
        };
        let after = part("before").and_then(|c| c.parse().ok());
        if let Some(key) = part("field_key").filter(|k| !k.is_empty()) {
            let op = part("field_op").unwrap_or_default();
            let value = part("field_value").unwrap_or_default();
            pairs.push(("field".into(), format!("{key}:{op}:{value}")));
        }
        let r = state
            .db
            .read(move |c| filters::resolve(c, &pairs, Mode::Lenient))
            .await?;
        Ok(Self {
            filter: r.filter,
            errors: r.notices,
            after,
            segment: r.segment,
        })
    }
}

/// `GET /contacts`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    let fq = FilterQuery::read(&state, raw.as_deref()).await?;
    let (filter, after, now) = (fq.filter.clone(), fq.after.clone(), state.clock.now());
    let (rows, tags_of, all_tags, fields, segments, total) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            let rows = db::contacts::list(c, &filter, after.as_ref(), PAGE, now)?;
            let ids: Vec<ContactId> = rows.iter().map(|(r, _)| r.contact.id).collect();
            let mut tags = db::tags::for_contacts(c, &ids)?;
            let tags_of: Vec<Vec<Tag>> = ids
                .iter()
                .map(|id| tags.remove(id).unwrap_or_default())
                .collect();
            let all = db::tags::list(c)?
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>();
            let total = db::contacts::count_matching_upto(c, &filter, now, COUNT_CAP + 1)?;
            Ok((
                rows,
                tags_of,
                all,
                db::custom_fields::list(c)?,
                db::segments::list(c)?,
                total,
            ))
        })
        .await?;
    let next = (rows.len() == PAGE as usize)
        .then(|| rows.last().map(|(_, c)| c.to_string()))
        .flatten();
    let rows = rows
        .into_iter()
        .zip(tags_of)
        .map(|((r, _), tags)| Row {
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
            opt_in: r.contact.opt_in,
        })
        .collect();
    let query = fq.filter.to_query();
    let status = if fq.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let page = ContactsPage {
        layout: Layout::new(&user.ctx, "Contacts", Nav::Contacts),
        here: format!("/contacts?{query}"),
        query,
        filter: fq.filter,
        errors: FormErrors(fq.errors),
        all_tags,
        fields,
        segments,
        segment: fq.segment,
        rows,
        total,
        next,
    };
    Ok((status, page).into_response())
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
        .save_contact(form.save(None), actor_of(&user))
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
        .save_contact(form.save(Some(ContactId(id))), actor_of(&user))
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
