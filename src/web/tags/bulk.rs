//! Tagging from lists: many contacts at once, and a conversation.

use crate::app::AppState;
use crate::db;
use crate::model::ContactId;
use crate::model::{ConversationId, TagId};
use crate::web::cookies::FlashKind;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::forms::redirect_with_flash;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;

/// Parses `id`s and the action of a tagging form (repeated `contact` fields allowed).
pub(super) fn parse_pairs(pairs: &[(String, String)]) -> (Option<i64>, bool, Vec<ContactId>) {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
    };
    let tag = get("tag").and_then(|t| t.parse().ok());
    let remove = get("action") == Some("remove");
    let contacts = pairs
        .iter()
        .filter(|(k, _)| k == "contact")
        .filter_map(|(_, v)| v.parse().ok().map(ContactId))
        .collect();
    (tag, remove, contacts)
}

/// `POST /contacts/tags`: add or remove a tag on the chosen contacts (one or many).
pub async fn tag_contacts(
    State(state): State<AppState>,
    _user: CurrentUser,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response> {
    let back = pairs
        .iter()
        .find(|(k, _)| k == "back")
        .map(|(_, v)| v.clone())
        .filter(|b| b.starts_with("/contacts") && !b.starts_with("//"))
        .unwrap_or_else(|| "/contacts".into());
    let (tag, remove, contacts) = parse_pairs(&pairs);
    let Some(tag) = tag else {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Choose a tag.",
        ));
    };
    if contacts.is_empty() {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Choose at least one contact.",
        ));
    }
    let n = state
        .db
        .write(move |c| {
            if remove {
                db::tags::untag_contacts(c, tag, &contacts)
            } else {
                db::tags::tag_contacts(c, tag, &contacts)
            }
        })
        .await?;
    let what = if remove { "removed from" } else { "added to" };
    Ok(redirect_with_flash(
        &state.cookies,
        &back,
        FlashKind::Success,
        &format!("Tag {what} {n} contact(s)."),
    ))
}

/// Body of `POST /conversations/{id}/tags`.
#[derive(Deserialize)]
pub struct ConversationTagForm {
    pub(super) tag: i64,
    #[serde(default)]
    pub(super) action: String,
}

/// `POST /conversations/{id}/tags`: add or remove a tag on a conversation.
pub async fn tag_conversation(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<ConversationTagForm>,
) -> Result<Response> {
    let add = f.action != "remove";
    let w = crate::web::conversation_work::worker(&user);
    let result = state
        .crm
        .set_tag(ConversationId(id), TagId(f.tag), add, w)
        .await;
    let done = if add { "Tag added." } else { "Tag removed." };
    crate::web::conversation_work::work_result(&state, id, result, done)
}
