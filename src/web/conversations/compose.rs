//! Sending from the conversation page (text, template, reaction, retry), each through `Crm::send` or `Crm::retry`.

use crate::app::AppState;
use crate::crm::{
    self,
    send::{Outgoing, SendKey},
};
use crate::crypto;
use crate::db;
use crate::model::{ConversationId, MessageId};
use crate::model::{Outbound, TemplateHeader, TemplateParam};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{redirect_with_flash, see_other};
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

pub(super) async fn enqueue(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    message: Outbound,
    key: String,
    reply_to: Option<String>,
    confirm_consent: bool,
) -> Result<Response> {
    let result = state
        .crm
        .send(Outgoing {
            conversation_id: ConversationId(id),
            message,
            reply_to,
            key: SendKey::Form(key),
            author: Some(user.session.user.id),
            by: Some(user.who()),
            file: None,
            confirm_consent,
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
    pub(super) body: String,
    #[serde(default)]
    pub(super) key: String,
    pub(super) reply_to: Option<String>,
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
    enqueue(&state, &user, id, message, key, f.reply_to, false).await
}

/// Body of `POST /conversations/{id}/template`.
#[derive(Deserialize)]
pub struct TemplateForm {
    pub(super) name: String,
    pub(super) language: String,
    #[serde(default)]
    pub(super) key: String,
    /// The agent confirmed the contact may get this template (consent unknown).
    #[serde(default)]
    pub(super) confirm_consent: Option<String>,
    #[serde(flatten)]
    pub(super) vars: std::collections::HashMap<String, String>,
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
    let confirm = f.confirm_consent.is_some();
    enqueue(&state, &user, id, message, key, None, confirm).await
}

/// Body of `POST /conversations/{id}/reactions`.
#[derive(Deserialize)]
pub struct ReactionForm {
    pub(super) message_id: String,
    #[serde(default)]
    pub(super) emoji: String,
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
    enqueue(&state, &user, id, message, key, None, false).await
}

/// `POST /messages/{id}/retry`: put a failed message back in the outbox.
pub async fn retry(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(message_id): Path<i64>,
) -> Result<Response> {
    let w = crate::web::conversation_work::worker(&user);
    let (conversation, done) = state.crm.retry(MessageId(message_id), w).await?;
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
