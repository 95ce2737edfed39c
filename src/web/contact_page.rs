//! The contact page: profile, custom fields (edit), consent ledger (record opt-in/out), notes,
//! orders, conversations and a merged timeline.

use super::contacts::{actor_of, date};
use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{FormErrors, redirect_with_flash};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::db;
use crate::model::{Contact, ContactId, CustomField, FieldError, FieldKind, OptIn, Tag};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

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
    consent: &[db::consent::ConsentEvent],
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
    /// Notes with whether this user may delete each (its author or an admin).
    notes: Vec<(i64, Event, bool)>,
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
    consent: Vec<db::consent::ConsentEvent>,
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
        consent: db::consent::consent_events(c, cid)?,
        messages,
    })
}

fn consent_text(e: &db::consent::ConsentEvent) -> String {
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
                let author = n.author_id.map(crate::model::UserId);
                let may_delete =
                    crate::crm::access::require_author_or_admin(user.who(), author, "").is_ok();
                let e = Event {
                    when: stamp(n.created_at),
                    who: n.author.unwrap_or_default(),
                    text: n.body,
                };
                (n.id, e, may_delete)
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
    let save = crate::crm::contacts::ContactSave {
        id: Some(ContactId(id)),
        fields: input.clone(),
        ..Default::default()
    };
    match state.crm.save_contact(save, actor_of(&user)).await {
        Ok(_) => Ok(redirect_with_flash(
            &state.cookies,
            &format!("/contacts/{id}"),
            FlashKind::Success,
            "Fields saved.",
        )),
        Err(crate::crm::Error::Invalid(errors)) => {
            let page = contact_page(&state, &user, id, Some((input, errors))).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(e) => Err(e.into()),
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
        .write(move |c| -> crate::db::Result<_> {
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
    user: CurrentUser,
    Path((id, note)): Path<(i64, i64)>,
) -> Result<Response> {
    let (now, who, actor) = (state.clock.now(), user.who(), user.actor());
    state
        .db
        .write(move |c| -> crate::db::Result<_> {
            Ok(crate::crm::notes::delete(
                c,
                ContactId(id),
                note,
                who,
                &actor,
                now,
            ))
        })
        .await??;
    Ok(redirect_with_flash(
        &state.cookies,
        &format!("/contacts/{id}"),
        FlashKind::Success,
        "Note deleted.",
    ))
}
