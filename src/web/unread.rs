//! `GET /inbox/unread?conversation=ID`: the live unread count for the tab title and the Inbox
//! item, and, when that conversation just got a customer message and is the person's or
//! unassigned, what a new-message notification shows. Reading it changes nothing.

use super::error::Result;
use super::extract::CurrentUser;
use crate::app::AppState;
use crate::db;
use axum::Json;
use axum::extract::{Query, State};
use serde::{Deserialize, Serialize};

/// Query of `GET /inbox/unread`.
#[derive(Deserialize)]
pub struct UnreadQuery {
    conversation: Option<i64>,
}

/// A notification to show.
#[derive(Serialize)]
pub struct Notice {
    id: i64,
    name: String,
    text: String,
}

/// The answer.
#[derive(Serialize)]
pub struct UnreadAnswer {
    unread: i64,
    /// As shown (`99+` from the cap up).
    text: String,
    notify: Option<Notice>,
}

/// `GET /inbox/unread`.
pub async fn unread(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<UnreadQuery>,
) -> Result<Json<UnreadAnswer>> {
    crate::crm::access::may_read(user.who())?;
    let me = user.session.user.id.0;
    let (unread, notify) = state
        .db
        .read(move |c| -> db::Result<_> {
            let notify = match q.conversation {
                Some(id) => db::inbox::notification(c, id, me)?.map(|(name, text)| Notice {
                    id,
                    name,
                    text: text.chars().take(140).collect(),
                }),
                None => None,
            };
            Ok((db::inbox::unread_for(c, me)?, notify))
        })
        .await?;
    let text = crate::web::layout::unread_text(unread);
    Ok(Json(UnreadAnswer {
        unread,
        text,
        notify,
    }))
}
