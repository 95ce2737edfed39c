//! The conversation page: timeline, composer (free-form while the 24-hour window is open,
//! approved templates otherwise), retry of failed messages, reactions.

use super::cookies::FlashKind;
use super::extract::CurrentUser;
use super::forms::{redirect_with_flash, see_other};
use super::layout::{Layout, Nav};
use super::timeline::{Bubble, bubbles};
use crate::app::AppState;
use crate::crm::outbound::{self, QueueError, QueueRequest};
use crate::crypto;
use crate::db;
use crate::error::{AppError, Result};
use crate::model::{Outbound, Tag, TemplateHeader, TemplateParam};
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
}

/// Query of the conversation page.
#[derive(Deserialize)]
pub struct ShowQuery {
    /// Customer message to quote in the reply.
    reply_to: Option<String>,
}

/// Text and format of a template component (`BODY`, `HEADER`).
fn component(components: &serde_json::Value, kind: &str) -> Option<(String, String)> {
    let c = components
        .as_array()?
        .iter()
        .find(|c| c.get("type").and_then(|t| t.as_str()) == Some(kind))?;
    let text = c
        .get("text")
        .and_then(|t| t.as_str())
        .unwrap_or("")
        .to_string();
    let format = c
        .get("format")
        .and_then(|t| t.as_str())
        .unwrap_or("TEXT")
        .to_string();
    Some((text, format))
}

fn choice(t: db::templates::Template) -> TemplateChoice {
    let v: serde_json::Value = serde_json::from_str(&t.components).unwrap_or_default();
    let (text, _) = component(&v, "BODY").unwrap_or_default();
    let header = component(&v, "HEADER");
    let media_header = header.as_ref().is_some_and(|(_, f)| f != "TEXT");
    let header_vars = header.map_or(0, |(h, _)| outbound::placeholders(&h).len());
    TemplateChoice {
        variables: (1..=outbound::placeholders(&text).len()).collect(),
        header_variables: (1..=header_vars).collect(),
        media_header,
        name: t.name,
        language: t.language,
        text,
    }
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
    let (conv, contact, items, templates, tags, all_tags) = state
        .db
        .read(move |c| {
            let conv = db::conversations::get(c, id)?;
            let contact = match &conv {
                Some(k) => db::contacts::get(c, k.contact_id)?,
                None => None,
            };
            Ok((
                conv,
                contact,
                db::inbox::recent_messages(c, id, TIMELINE)?,
                db::templates::list(c)?,
                db::tags::for_conversation(c, id)?,
                db::tags::list(c)?
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect::<Vec<_>>(),
            ))
        })
        .await?;
    let (Some(conv), Some(contact)) = (conv, contact) else {
        return Err(AppError::NotFound);
    };
    if conv.unread_count > 0 {
        state.db.write(move |c| db::inbox::mark_seen(c, id)).await?;
        mark_read_at_meta(&state, id);
    }
    let now = state.clock.now();
    let closes = conv.window_closes_at();
    let templates = templates
        .into_iter()
        .filter(|t| t.status == "APPROVED")
        .map(choice)
        .collect();
    let reply_to = q.reply_to.and_then(|w| {
        let text = items
            .iter()
            .find(|i| i.message.wamid == w)?
            .message
            .body
            .clone();
        Some((w, text))
    });
    Ok(ConversationPage {
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
        bubbles: bubbles(&items),
        window_open: conv.window_open(now),
        closes_at: closes.map_or(0, time::OffsetDateTime::unix_timestamp),
        closes_in: closes.map(|c| duration_text(c - now)).unwrap_or_default(),
        templates,
        send_key: crypto::random_token().map_err(|e| AppError::Internal(e.into()))?,
    })
}

/// Tells Meta the customer's messages were read (blue ticks), in the background.
fn mark_read_at_meta(state: &AppState, conversation_id: i64) {
    let state = state.clone();
    tokio::spawn(async move {
        let (Some(token), Some(pnid)) = (
            state.secret("whatsapp.access_token").await,
            state.config.whatsapp.phone_number_id.clone(),
        ) else {
            return;
        };
        let Ok(Some(wamid)) = state
            .db
            .read(move |c| db::inbox::last_inbound_wamid(c, conversation_id))
            .await
        else {
            return;
        };
        let body = crate::whatsapp::outbound::mark_read_body(&wamid);
        if let Err(e) = state.sender.client.send_message(&token, &pnid, &body).await {
            tracing::warn!(error = %e, "marking messages read at WhatsApp failed");
        }
    });
}

async fn enqueue(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    message: Outbound,
    key: String,
    reply_to: Option<String>,
) -> Result<Response> {
    let now = state.clock.now();
    let author = Some(user.session.user.id);
    let result = state
        .db
        .write(move |c| {
            let req = QueueRequest {
                conversation_id: id,
                message: &message,
                reply_to: reply_to.as_deref().filter(|r| !r.is_empty()),
                idempotency_key: &key,
                author,
            };
            outbound::queue(c, &req, now)
        })
        .await?;
    let back = format!("/conversations/{id}");
    match result {
        Ok(_) => {
            state.outbox_wakeup.notify_one();
            Ok(see_other(&format!("{back}#composer")))
        }
        Err(QueueError::NotFound) => Err(AppError::NotFound),
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
        .read(move |c| match db::conversations::get(c, id)? {
            Some(conv) => Ok(db::contacts::get(c, conv.contact_id)?
                .map(|k| crate::crm::fields::values_of(c, k.id).map(|v| (k, v)))
                .transpose()?),
            None => Ok(None),
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
    _user: CurrentUser,
    Path(message_id): Path<i64>,
) -> Result<Response> {
    let now = state.clock.now();
    let (done, conversation) = state
        .db
        .write(move |c| {
            let conversation = db::messages::get(c, message_id)?.map(|m| m.conversation_id);
            Ok((outbound::retry(c, message_id, now)?, conversation))
        })
        .await?;
    let conversation = conversation.ok_or(AppError::NotFound)?;
    let back = format!("/conversations/{conversation}");
    if done {
        state.outbox_wakeup.notify_one();
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
