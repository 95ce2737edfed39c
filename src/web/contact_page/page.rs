//! `GET /contacts/{id}`: the contact page (details, fields, consent, notes, orders, timeline).

use super::{
    ConversationLink, Event, FieldRow, OrderLink, TIMELINE, TimelineEntry, Typed, consent_text,
    timeline,
};
use crate::app::AppState;
use crate::db;
use crate::model::{Contact, ContactId, CustomField, FieldKind, OptIn, Tag};
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::FormErrors;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

/// The contact page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/show.html")]
pub struct ContactPage {
    /// Since when they said "no AI" (shown in their local time), if they did.
    pub(super) no_ai: Option<String>,
    pub(super) layout: Layout,
    pub(super) contact: Contact,
    pub(super) name: String,
    pub(super) conversations: Vec<ConversationLink>,
    pub(super) since: String,
    pub(super) tags: Vec<Tag>,
    pub(super) all_tags: Vec<Tag>,
    pub(super) fields: Vec<FieldRow>,
    pub(super) field_errors: FormErrors,
    pub(super) orders: Vec<OrderLink>,
    /// Notes with whether this user may delete each (its author or an admin).
    pub(super) notes: Vec<(i64, Event, bool)>,
    pub(super) consent: Vec<Event>,
    pub(super) timeline: Vec<TimelineEntry>,
}

/// Everything the contact page shows, read in one go.
pub(super) struct ContactData {
    pub(super) contact: Option<Contact>,
    pub(super) conversations: Vec<crate::model::Conversation>,
    pub(super) tags: Vec<Tag>,
    pub(super) all_tags: Vec<Tag>,
    pub(super) fields: Vec<(CustomField, Option<String>)>,
    pub(super) orders: Vec<db::orders::OrderRow>,
    pub(super) notes: Vec<db::notes::Note>,
    pub(super) consent: Vec<db::consent::ConsentEvent>,
    pub(super) events: Vec<db::contact_events::ContactEvent>,
    pub(super) messages: Vec<crate::model::Message>,
}

pub(super) fn load(c: &rusqlite::Connection, cid: ContactId) -> db::Result<ContactData> {
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
        events: db::contact_events::for_contact(c, cid, TIMELINE)?,
        messages,
    })
}

pub(super) async fn contact_page(
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
            date: crate::web::when::date(&user.ctx.zone, o.created_at),
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
        &d.events,
    );
    let no_ai = state
        .crm
        .no_ai(contact.id)
        .await?
        .map(|t| crate::web::when::date(&user.ctx.zone, t));
    Ok(ContactPage {
        no_ai,
        layout: Layout::new(&user.ctx, contact.display_name(), Nav::Contacts),
        name: contact.display_name(),
        since: crate::web::when::date(&user.ctx.zone, contact.created_at),
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
                    when: crate::web::when::stamp(&user.ctx.zone, n.created_at),
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
                when: crate::web::when::stamp(&user.ctx.zone, e.at),
                who: e.user.clone().unwrap_or_default(),
                text: consent_text(e),
            })
            .collect(),
        conversations: d
            .conversations
            .into_iter()
            .map(|c| ConversationLink {
                id: c.id,
                last: crate::web::when::date(&user.ctx.zone, c.last_message_at),
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
