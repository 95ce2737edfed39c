//! The inbox query: view (mine, unassigned, all for admins), status, tag and window filters.

use crate::crm::access::AdminAction;
use crate::db::inbox::{View, WindowFilter};
use crate::model::ConversationStatus;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use serde::Deserialize;

/// Query of `GET /inbox`.
#[derive(Deserialize, Default)]
pub struct InboxQuery {
    /// Cursor: `<unix time>_<id>` of the last row of the previous page.
    pub(super) before: Option<String>,
    /// mine, unassigned or all (admins).
    pub(super) view: Option<String>,
    /// open, pending or resolved.
    #[serde(default)]
    pub(super) status: String,
    /// A tag id.
    pub(super) tag: Option<String>,
    /// open, closing or closed.
    #[serde(default)]
    pub(super) window: String,
}

/// The inbox's view and filters, checked.
pub(super) struct Filters {
    pub(super) view: View,
    pub(super) view_name: &'static str,
    pub(super) status: String,
    pub(super) tag: Option<i64>,
    pub(super) window: Option<WindowFilter>,
}

pub(super) fn parse_filters(q: &InboxQuery, user: &CurrentUser, default: &str) -> Result<Filters> {
    let me = user.session.user.id.0;
    let view_name = q.view.as_deref().unwrap_or(default);
    let (view, view_name) = match view_name {
        "mine" => (View::Mine(me), "mine"),
        "unassigned" => (View::Unassigned, "unassigned"),
        "all" => {
            user.require(AdminAction::AllConversations)?;
            (View::All, "all")
        }
        _ => {
            return Err(AppError::BadRequest(
                "Choose the Mine, Unassigned or All view.".into(),
            ));
        }
    };
    let status = q.status.trim().to_string();
    if !status.is_empty() && status.parse::<ConversationStatus>().is_err() {
        return Err(AppError::BadRequest(
            "Filter by open, pending or resolved.".into(),
        ));
    }
    let tag = match q.tag.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(
            t.parse::<i64>()
                .map_err(|_| AppError::BadRequest("Choose a tag.".into()))?,
        ),
        None => None,
    };
    let window = match q.window.trim() {
        "" => None,
        "open" => Some(WindowFilter::Open),
        "closing" => Some(WindowFilter::Closing),
        "closed" => Some(WindowFilter::Closed),
        _ => {
            return Err(AppError::BadRequest(
                "Filter the window by open, closing or closed.".into(),
            ));
        }
    };
    Ok(Filters {
        view,
        view_name,
        status,
        tag,
        window,
    })
}
