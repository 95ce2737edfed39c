//! The conversation page: timeline, composer (free-form while the 24-hour window is open,
//! approved templates otherwise), retry of failed messages, reactions. Every send goes through
//! `Crm::send`; viewing the page changes nothing (marking seen is a POST).

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{redirect_with_flash, see_other};
use super::layout::{Layout, Nav};
use super::timeline::{Bubble, bubbles};
use crate::app::AppState;
use crate::crm::access::may_work;
use crate::crm::{
    self,
    send::{Outgoing, SendKey},
};
use crate::crypto;
use crate::db;
use crate::model::TemplateStatus;
use crate::model::{Outbound, Tag, TemplateHeader, TemplateParam, UserId};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Messages shown on the page.
const TIMELINE: u32 = 200;

/// An approved template offered when the window is closed.
pub struct TemplateChoice {
    name: String,
    language: String,
    text: String,
    variables: Vec<usize>,
    header_variables: Vec<usize>,
    media_header: bool,
}

/// The conversation page.
#[derive(Template, WebTemplate)]
#[template(path = "conversations/show.html")]
pub struct ConversationPage {
    layout: Layout,
    id: i64,
    title: String,
    handle: String,
    bubbles: Vec<Bubble>,
    window_open: bool,
    closes_at: i64,
    closes_in: String,
    templates: Vec<TemplateChoice>,
    send_key: String,
    reply_to: Option<(String, String)>,
    contact_name: String,
    contact_id: i64,
    tags: Vec<Tag>,
    all_tags: Vec<Tag>,
    /// open, pending or resolved.
    status: String,
    /// Assigned member: (id, name).
    assignee: Option<(i64, String)>,
    /// Team members an admin may assign: (id, name).
    team: Vec<(i64, String)>,
    me: i64,
    is_admin: bool,
    /// Whether this user may answer, tag, resolve and annotate (else: take it over first).
    may_work: bool,
    /// Customer messages not seen yet (the page's script marks them seen with a POST).
    unread: i64,
    /// Side panel: the contact's tags, custom fields, recent orders, notes.
    contact_tags: Vec<Tag>,
    contact_fields: Vec<(String, String)>,
    recent_orders: Vec<(i64, String, String)>,
    contact_notes: Vec<String>,
    /// Older messages exist beyond the page.
    older: Option<i64>,
}

/// Query of the conversation page.
#[derive(Deserialize)]
pub struct ShowQuery {
    /// Customer message to quote in the reply.
    reply_to: Option<String>,
    /// Show more history: this many messages (default 200, up to 5000).
    show: Option<u32>,
    /// Show enough history to include this message (a search hit).
    at: Option<i64>,
}

fn choice(t: db::templates::Template) -> db::Result<TemplateChoice> {
    let parts = t.components()?;
    let text = parts.body_text().to_string();
    let header = parts.header();
    let media_header = header.is_some_and(|h| h.format != "TEXT");
    let header_vars = header.map_or(0, |h| crm::outbound::placeholders(&h.text).len());
    Ok(TemplateChoice {
        variables: (1..=crm::outbound::placeholders(&text).len()).collect(),
        header_variables: (1..=header_vars).collect(),
        media_header,
        name: t.name,
        language: t.language,
        text,
    })
}

fn duration_text(d: time::Duration) -> String {
    let mins = d.whole_minutes().max(0);
    if mins >= 60 {
        format!("{} h {} min", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    }
}

/// `GET /conversations/{id}`: also marks the conversation read (and the customer's last
/// message read at Meta).
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<ConversationPage> {
    let mut shown = q.show.unwrap_or(TIMELINE).clamp(1, 5000);
    if let Some(at) = q.at {
        let pos = state
            .db
            .read(move |c| db::messages::position_from_end(c, id, at))
            .await?;
        if let Some(p) = pos {
            shown = shown.max(u32::try_from(p + 20).unwrap_or(5000).min(5000));
        }
    }
    let d = state.db.read(move |c| load(c, id, shown)).await?;
    let (conv, contact, items, templates, tags, all_tags) =
        (d.conv, d.contact, d.items, d.templates, d.tags, d.all_tags);
    let (Some(conv), Some(contact)) = (conv, contact) else {
        return Err(AppError::NotFound);
    };
    let now = state.clock.now();
    let closes = conv.window_closes_at();
    let templates = templates
        .into_iter()
        .filter(|t| t.status == TemplateStatus::Approved)
        .map(choice)
        .collect::<db::Result<_>>()?;
    let reply_to = q.reply_to.and_then(|w| {
        let text = items
            .iter()
            .find(|i| i.message.wamid == w)?
            .message
            .body
            .clone();
        Some((w, text))
    });
    let me = user.session.user.id.0;
    let assignee = conv.assignee_id.and_then(|a| {
        d.team
            .iter()
            .find(|(id, _)| *id == a)
            .cloned()
            .or(Some((a, "a former member".into())))
    });
    let older = (items.len() >= shown as usize).then(|| i64::from(shown) * 4);
    let bubbles = super::timeline::with_notes(bubbles(&items), &d.notes);
    Ok(ConversationPage {
        status: conv.status.to_string(),
        assignee,
        team: d.team,
        me,
        is_admin: user.session.user.is_admin(),
        may_work: may_work(user.who(), conv.assignee_id.map(UserId)).is_ok(),
        unread: conv.unread_count,
        contact_tags: d.contact_tags,
        contact_fields: d
            .fields
            .into_iter()
            .filter_map(|(f, v)| v.map(|v| (f.label, v)))
            .collect(),
        recent_orders: d
            .orders
            .into_iter()
            .map(|o| {
                let total = crate::model::money::format(o.total_minor, &o.currency);
                (o.id, o.status.as_str().to_string(), total)
            })
            .collect(),
        contact_notes: d
            .contact_notes
            .into_iter()
            .take(3)
            .map(|n| n.body)
            .collect(),
        older,
        reply_to,
        contact_name: contact.display_name(),
        contact_id: contact.id.0,
        tags,
        all_tags,
        layout: Layout::new(&user.ctx, contact.display_name(), Nav::Inbox),
        id,
        title: contact.display_name(),
        handle: contact
            .phone
            .map(|p| p.to_string())
            .or(contact.username)
            .or(contact.bsuid)
            .unwrap_or_default(),
        bubbles,
        window_open: conv.window_open(now),
        closes_at: closes.map_or(0, time::OffsetDateTime::unix_timestamp),
        closes_in: closes.map(|c| duration_text(c - now)).unwrap_or_default(),
        templates,
        send_key: crypto::random_token().map_err(|e| AppError::Internal(e.into()))?,
    })
}

/// Everything the conversation page shows, read at once.
struct PageData {
    conv: Option<crate::model::Conversation>,
    contact: Option<crate::model::Contact>,
    items: Vec<db::messages::TimelineItem>,
    templates: Vec<db::templates::Template>,
    tags: Vec<Tag>,
    all_tags: Vec<Tag>,
    notes: Vec<db::inbox::ConversationNote>,
    team: Vec<(i64, String)>,
    contact_tags: Vec<Tag>,
    fields: Vec<(crate::model::CustomField, Option<String>)>,
    orders: Vec<db::orders::OrderRow>,
    contact_notes: Vec<db::notes::Note>,
}

fn load(c: &rusqlite::Connection, id: i64, shown: u32) -> db::Result<PageData> {
    let conv = db::conversations::get(c, id)?;
    let contact = match &conv {
        Some(k) => db::contacts::get(c, k.contact_id)?,
        None => None,
    };
    let cid = contact
        .as_ref()
        .map_or(crate::model::ContactId(0), |k| k.id);
    let filter = db::orders::OrderFilter {
        contact: Some(cid),
        ..db::orders::OrderFilter::default()
    };
    Ok(PageData {
        items: db::inbox::recent_messages(c, id, shown)?,
        templates: db::templates::list(c)?,
        tags: db::tags::for_conversation(c, id)?,
        all_tags: db::tags::list(c)?.into_iter().map(|(t, _)| t).collect(),
        notes: db::inbox::notes(c, id)?,
        team: db::users::list(c)?
            .into_iter()
            .filter(|u| u.disabled_at.is_none())
            .map(|u| (u.id.0, u.display_name().to_string()))
            .collect(),
        contact_tags: db::tags::for_contact(c, cid)?,
        fields: crate::crm::fields::values_of(c, cid)?,
        orders: db::orders::list(c, &filter, None, 3)?,
        contact_notes: db::notes::for_contact(c, cid)?,
        conv,
        contact,
    })
}

/// The WhatsApp connection in force, when there is one.
pub(super) async fn meta_link(state: &AppState) -> Option<crate::crm::MetaLink> {
    Some(crate::crm::MetaLink {
        token: state.secret("whatsapp.access_token").await?,
        phone_number_id: state.config.whatsapp.phone_number_id.clone()?,
        client: state.graph.clone(),
    })
}

async fn enqueue(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    message: Outbound,
    key: String,
    reply_to: Option<String>,
) -> Result<Response> {
    let result = state
        .crm
        .send(Outgoing {
            conversation_id: id,
            message,
            reply_to,
            key: SendKey::Form(key),
            author: Some(user.session.user.id),
            by: Some(user.who()),
            file: None,
        })
        .await;
    let back = format!("/conversations/{id}");
    match result {
        Ok(_) => Ok(see_other(&format!("{back}#composer"))),
        Err(e @ (crm::Error::NotFound(_) | crm::Error::Denied(_) | crm::Error::Db(_))) => {
            Err(e.into())
        }
        Err(e) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            &e.to_string(),
        )),
    }
}

/// Body of `POST /conversations/{id}/messages`.
#[derive(Deserialize)]
pub struct TextForm {
    #[serde(default)]
    body: String,
    #[serde(default)]
    key: String,
    reply_to: Option<String>,
}

/// `POST /conversations/{id}/messages`: queue a text reply.
pub async fn send_text(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<TextForm>,
) -> Result<Response> {
    let key = if f.key.len() >= 16 {
        f.key
    } else {
        crypto::random_token().map_err(|e| AppError::Internal(e.into()))?
    };
    let message = Outbound::Text {
        body: f.body.trim().to_string(),
        preview_url: f.body.contains("https://"),
    };
    enqueue(&state, &user, id, message, key, f.reply_to).await
}

/// Body of `POST /conversations/{id}/template`.
#[derive(Deserialize)]
pub struct TemplateForm {
    name: String,
    language: String,
    #[serde(default)]
    key: String,
    #[serde(flatten)]
    vars: std::collections::HashMap<String, String>,
}

/// `POST /conversations/{id}/template`: queue an approved template with its variables.
pub async fn send_template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<TemplateForm>,
) -> Result<Response> {
    let (contact, values) = state
        .db
        .read(move |c| -> db::Result<_> {
            match db::conversations::get(c, id)? {
                Some(conv) => Ok(db::contacts::get(c, conv.contact_id)?
                    .map(|k| crate::crm::fields::values_of(c, k.id).map(|v| (k, v)))
                    .transpose()?),
                None => Ok(None),
            }
        })
        .await?
        .ok_or(AppError::NotFound)?;
    // Contact fields typed as {name}, {phone}, {email} or {custom_field_key} are filled in.
    let fill = |v: &str| crate::crm::fields::fill_placeholders(v, &contact, &values);
    let mut vars: Vec<(usize, String)> = f
        .vars
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("var")?.parse().ok()?, fill(v.trim()))))
        .collect();
    vars.sort_unstable();
    let mut header_vars: Vec<(usize, String)> = f
        .vars
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("hvar")?.parse().ok()?, fill(v.trim()))))
        .collect();
    header_vars.sort_unstable();
    let header = (!header_vars.is_empty()).then(|| TemplateHeader::Text {
        params: header_vars
            .into_iter()
            .map(|(_, text)| TemplateParam { name: None, text })
            .collect(),
    });
    let message = Outbound::Template {
        name: f.name,
        language: f.language,
        header,
        body: vars
            .into_iter()
            .map(|(_, text)| TemplateParam { name: None, text })
            .collect(),
        buttons: vec![],
    };
    let key = if f.key.len() >= 16 {
        f.key
    } else {
        crypto::random_token().map_err(|e| AppError::Internal(e.into()))?
    };
    enqueue(&state, &user, id, message, key, None).await
}

/// Body of `POST /conversations/{id}/reactions`.
#[derive(Deserialize)]
pub struct ReactionForm {
    message_id: String,
    #[serde(default)]
    emoji: String,
}

/// `POST /conversations/{id}/reactions`: react to a customer's message.
pub async fn react(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ReactionForm>,
) -> Result<Response> {
    let key = crypto::random_token().map_err(|e| AppError::Internal(e.into()))?;
    let message = Outbound::Reaction {
        message_id: f.message_id,
        emoji: f.emoji,
    };
    enqueue(&state, &user, id, message, key, None).await
}

/// `POST /messages/{id}/retry`: put a failed message back in the outbox.
pub async fn retry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(message_id): Path<i64>,
) -> Result<Response> {
    let w = super::conversation_work::worker(&user);
    let (conversation, done) = state.crm.retry(message_id, w).await?;
    let back = format!("/conversations/{conversation}");
    if done {
        Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Info,
            "The message is queued again.",
        ))
    } else {
        Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Only failed messages can be retried.",
        ))
    }
}
