//! Contacts: list with search, the contact page, create/edit forms with validation and
//! duplicate detection, and merging two contacts.

use super::cookies::FlashKind;
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::contacts::{self as crm_contacts, Actor, ContactError, ContactInput};
use crate::db;
use crate::db::contacts::ContactCursor;
use crate::error::{AppError, Result};
use crate::model::{
    Contact, ContactFilter, ContactId, CustomField, FIELD_OPS, FieldError, FieldKind, FieldOp,
    OptIn, Tag,
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

/// A contacts filter read from a query string: the filter (a saved segment's when `segment`
/// is given and nothing else is), its problems, the page cursor and the segment id.
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
    /// Parses `raw`, loading the segment and the field definitions from the store.
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
        if let Some(key) = part("field_key").filter(|k| !k.is_empty()) {
            let op = part("field_op").unwrap_or_default();
            let value = part("field_value").unwrap_or_default();
            pairs.push(("field".into(), format!("{key}:{op}:{value}")));
        }
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.trim().to_string())
        };
        let after = get("before").and_then(|c| c.parse().ok());
        let segment = get("segment").and_then(|s| s.parse::<i64>().ok());
        let (mut filter, mut errors) = match ContactFilter::from_pairs(&pairs) {
            Ok(f) => (f, Vec::new()),
            Err(e) => {
                // Keep what parsed: drop the bad pairs and read again.
                let bad: Vec<String> = e.iter().map(|e| e.field.to_string()).collect();
                let kept: Vec<_> = pairs
                    .iter()
                    .filter(|(k, _)| !bad.contains(k))
                    .cloned()
                    .collect();
                (ContactFilter::from_pairs(&kept).unwrap_or_default(), e)
            }
        };
        let (defs, saved) = state
            .db
            .read(move |c| {
                Ok((
                    db::custom_fields::list(c)?,
                    segment
                        .map(|id| db::segments::get(c, id))
                        .transpose()?
                        .flatten(),
                ))
            })
            .await?;
        if let Some(seg) = &saved
            && filter.is_empty()
        {
            let sort = filter.sort;
            filter = seg.filter.clone();
            if get("sort").is_some() {
                filter.sort = sort;
            }
        }
        let field_errors = crate::crm::fields::check_filter(&defs, &mut filter);
        if !field_errors.is_empty() {
            let known: Vec<String> = defs.iter().map(|d| d.key.clone()).collect();
            filter.fields.retain(|c| known.contains(&c.key));
            crate::crm::fields::check_filter(&defs, &mut filter);
            filter.fields.retain(|c| {
                let mut one = ContactFilter {
                    fields: vec![c.clone()],
                    ..ContactFilter::default()
                };
                crate::crm::fields::check_filter(&defs, &mut one).is_empty()
            });
            errors.extend(field_errors);
        }
        Ok(Self {
            filter,
            errors,
            after,
            segment: saved.map(|s| s.id),
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
        .read(move |c| {
            let rows = db::contacts::list(c, &filter, after.as_ref(), PAGE, now)?;
            let tags_of = rows
                .iter()
                .map(|(r, _)| db::tags::for_contact(c, r.contact.id))
                .collect::<db::Result<Vec<_>>>()?;
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

/// A conversation on the contact page.
pub struct ConversationLink {
    id: i64,
    last: String,
    unread: i64,
}

/// A custom field on the contact page.
pub struct FieldRow {
    key: String,
    label: String,
    kind: FieldKind,
    options: Vec<String>,
    value: String,
}

/// An order on the contact page.
pub struct OrderLink {
    id: i64,
    date: String,
    status: String,
    total: String,
}

/// A note or consent record on the contact page.
pub struct Event {
    when: String,
    who: String,
    text: String,
}

/// An entry of the contact's timeline.
pub struct TimelineEntry {
    when: String,
    kind: &'static str,
    text: String,
    link: Option<String>,
}

/// Entries shown on the contact's timeline.
const TIMELINE: u32 = 30;

/// The contact's story, newest first: messages, orders, notes, consent and the first contact.
fn timeline(
    contact: &Contact,
    messages: Vec<crate::model::Message>,
    orders: &[OrderLink],
    order_times: &[time::OffsetDateTime],
    notes: &[db::notes::Note],
    consent: &[db::contacts::ConsentEvent],
) -> Vec<TimelineEntry> {
    let mut all: Vec<(time::OffsetDateTime, TimelineEntry)> = Vec::new();
    for m in messages {
        let (kind, who) = match m.direction {
            crate::model::Direction::In => ("in", "Customer"),
            crate::model::Direction::Out => ("out", "You"),
        };
        all.push((
            m.sent_at,
            TimelineEntry {
                when: String::new(),
                kind,
                text: format!("{who}: {}", m.body.chars().take(140).collect::<String>()),
                link: Some(format!("/conversations/{}", m.conversation_id)),
            },
        ));
    }
    for (o, at) in orders.iter().zip(order_times) {
        all.push((
            *at,
            TimelineEntry {
                when: String::new(),
                kind: "order",
                text: format!("Order #{} ({}) {}", o.id, o.status, o.total),
                link: Some(format!("/orders/{}", o.id)),
            },
        ));
    }
    for n in notes {
        all.push((
            n.created_at,
            TimelineEntry {
                when: String::new(),
                kind: "note",
                text: format!("Note: {}", n.body.chars().take(140).collect::<String>()),
                link: None,
            },
        ));
    }
    for e in consent {
        let what = if e.state == OptIn::In {
            "Opted in"
        } else {
            "Opted out"
        };
        all.push((
            e.at,
            TimelineEntry {
                when: String::new(),
                kind: "consent",
                text: format!("{what} ({})", e.source),
                link: None,
            },
        ));
    }
    all.push((
        contact.created_at,
        TimelineEntry {
            when: String::new(),
            kind: "created",
            text: "Became a contact".into(),
            link: None,
        },
    ));
    all.sort_by_key(|e| std::cmp::Reverse(e.0));
    all.truncate(TIMELINE as usize);
    all.into_iter()
        .map(|(t, mut e)| {
            e.when = stamp(t);
            e
        })
        .collect()
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
    fields: Vec<FieldRow>,
    field_errors: FormErrors,
    orders: Vec<OrderLink>,
    notes: Vec<(i64, Event)>,
    consent: Vec<Event>,
    timeline: Vec<TimelineEntry>,
}

fn stamp(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]:[minute]"
    );
    t.format(&fmt).unwrap_or_default()
}

/// Field values as typed, with their problems.
type Typed = (Vec<(String, String)>, Vec<FieldError>);

/// Everything the contact page shows, read in one go.
struct ContactData {
    contact: Option<Contact>,
    conversations: Vec<crate::model::Conversation>,
    tags: Vec<Tag>,
    all_tags: Vec<Tag>,
    fields: Vec<(CustomField, Option<String>)>,
    orders: Vec<db::orders::OrderRow>,
    notes: Vec<db::notes::Note>,
    consent: Vec<db::contacts::ConsentEvent>,
    messages: Vec<crate::model::Message>,
}

fn load(c: &rusqlite::Connection, cid: ContactId) -> db::Result<ContactData> {
    let conversations = db::conversations::for_contact(c, cid)?;
    let mut messages = Vec::new();
    for conv in &conversations {
        let page = db::messages::page(c, conv.id, None, TIMELINE)?;
        messages.extend(page.into_iter().map(|(m, _)| m));
    }
    let filter = db::orders::OrderFilter {
        contact: Some(cid),
        ..db::orders::OrderFilter::default()
    };
    Ok(ContactData {
        contact: db::contacts::get(c, cid)?,
        conversations,
        tags: db::tags::for_contact(c, cid)?,
        all_tags: db::tags::list(c)?.into_iter().map(|(t, _)| t).collect(),
        fields: crate::crm::fields::values_of(c, cid)?,
        orders: db::orders::list(c, &filter, None, 10)?,
        notes: db::notes::for_contact(c, cid)?,
        consent: db::contacts::consent_events(c, cid)?,
        messages,
    })
}

fn consent_text(e: &db::contacts::ConsentEvent) -> String {
    let what = if e.state == OptIn::In {
        "Opted in"
    } else {
        "Opted out"
    };
    format!("{what} ({})", e.source)
}

async fn contact_page(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    typed: Option<Typed>,
) -> Result<ContactPage> {
    let cid = ContactId(id);
    let d = state.db.read(move |c| load(c, cid)).await?;
    let contact = d.contact.ok_or(AppError::NotFound)?;
    let (typed, errors) = typed.unwrap_or_default();
    let order_times: Vec<_> = d.orders.iter().map(|o| o.created_at).collect();
    let order_links: Vec<OrderLink> = d
        .orders
        .into_iter()
        .map(|o| OrderLink {
            id: o.id,
            date: date(o.created_at),
            status: o.status.as_str().to_string(),
            total: crate::model::money::format(o.total_minor, &o.currency),
        })
        .collect();
    let timeline = timeline(
        &contact,
        d.messages,
        &order_links,
        &order_times,
        &d.notes,
        &d.consent,
    );
    Ok(ContactPage {
        layout: Layout::new(&user.ctx, contact.display_name(), Nav::Contacts),
        name: contact.display_name(),
        since: date(contact.created_at),
        tags: d.tags,
        all_tags: d.all_tags,
        fields: d
            .fields
            .into_iter()
            .map(|(f, v)| FieldRow {
                value: typed
                    .iter()
                    .find(|(k, _)| *k == f.key)
                    .map(|(_, v)| v.clone())
                    .or(v)
                    .unwrap_or_default(),
                key: f.key,
                label: f.label,
                kind: f.kind,
                options: f.options,
            })
            .collect(),
        field_errors: FormErrors(errors),
        orders: order_links,
        timeline,
        notes: d
            .notes
            .into_iter()
            .map(|n| {
                let e = Event {
                    when: stamp(n.created_at),
                    who: n.author.unwrap_or_default(),
                    text: n.body,
                };
                (n.id, e)
            })
            .collect(),
        consent: d
            .consent
            .iter()
            .map(|e| Event {
                when: stamp(e.at),
                who: e.user.clone().unwrap_or_default(),
                text: consent_text(e),
            })
            .collect(),
        conversations: d
            .conversations
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

/// `GET /contacts/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<ContactPage> {
    contact_page(&state, &user, id, None).await
}

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
    let actor = actor_of(&user);
    let now = state.clock.now();
    let values = input.clone();
    let result = state
        .db
        .write(move |c| {
            if db::contacts::get(c, ContactId(id))?.is_none() {
                return Ok(None);
            }
            crate::crm::fields::set_values(c, ContactId(id), &values, &actor, now).map(Some)
        })
        .await?
        .ok_or(AppError::NotFound)?;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Fields saved.",
        )),
        Err(errors) => {
            let page = contact_page(&state, &user, id, Some((input, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Body of `POST /contacts/{id}/consent`.
#[derive(Deserialize)]
pub struct ConsentForm {
    state: String,
    #[serde(default)]
    source: String,
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
    let source = f.source.trim().chars().take(200).collect::<String>();
    let source = if source.is_empty() {
        format!("recorded by {}", user.session.user.name)
    } else {
        source
    };
    let uid = user.session.user.id.0;
    let now = state.clock.now();
    let found = state
        .db
        .write(move |c| {
            if db::contacts::get(c, ContactId(id))?.is_none() {
                return Ok(false);
            }
            db::contacts::set_opt_in(c, ContactId(id), opt, &source, Some(uid), now)?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
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

/// Longest note.
const MAX_NOTE: usize = 4000;

/// Body of `POST /contacts/{id}/notes`.
#[derive(Deserialize)]
pub struct NoteForm {
    #[serde(default)]
    body: String,
}

/// `POST /contacts/{id}/notes`: adds an internal note.
pub async fn add_note(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<NoteForm>,
) -> Result<Response> {
    let body = f.body.trim().to_string();
    if body.is_empty() || body.chars().count() > MAX_NOTE {
        return Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Error,
            &format!("Write a note of 1 to {MAX_NOTE} characters."),
        ));
    }
    let uid = user.session.user.id.0;
    let now = state.clock.now();
    let found = state
        .db
        .write(move |c| {
            if db::contacts::get(c, ContactId(id))?.is_none() {
                return Ok(false);
            }
            db::notes::insert(c, ContactId(id), Some(uid), &body, now)?;
            Ok(true)
        })
        .await?;
    if !found {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        "Note added.",
    ))
}

/// `POST /contacts/{id}/notes/{note}/delete`.
pub async fn delete_note(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path((id, note)): Path<(i64, i64)>,
) -> Result<Response> {
    let deleted = state
        .db
        .write(move |c| db::notes::delete(c, ContactId(id), note))
        .await?;
    if !deleted {
        return Err(AppError::NotFound);
    }
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        "Note deleted.",
    ))
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
