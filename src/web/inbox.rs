//! The inbox: conversations by last activity, newest first, with cursor pagination.

use super::extract::CurrentUser;
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::db;
use crate::error::Result;
use crate::model::SERVICE_WINDOW;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

/// Conversations per page.
const PAGE: u32 = 50;

/// A conversation in the list.
pub struct Row {
    id: i64,
    name: String,
    handle: String,
    preview: String,
    when: String,
    unread: i64,
    window: &'static str,
}

/// The inbox page.
#[derive(Template, WebTemplate)]
#[template(path = "inbox/index.html")]
pub struct InboxPage {
    layout: Layout,
    rows: Vec<Row>,
    next: Option<String>,
}

/// Query of `GET /inbox`.
#[derive(Deserialize)]
pub struct InboxQuery {
    /// Cursor: `<unix time>_<id>` of the last row of the previous page.
    before: Option<String>,
}

fn when(t: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let fmt = if now - t < time::Duration::hours(20) {
        time::macros::format_description!("[hour]:[minute]").to_vec()
    } else {
        time::macros::format_description!("[day padding:none] [month repr:short]").to_vec()
    };
    t.format(&fmt).unwrap_or_default()
}

/// `GET /inbox`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InboxQuery>,
) -> Result<InboxPage> {
    let before = super::forms::parse_cursor(q.before.as_deref());
    let rows = state
        .db
        .read(move |c| db::inbox::conversations(c, before, PAGE))
        .await?;
    let now = state.clock.now();
    let next = super::forms::next_cursor(
        rows.len(),
        PAGE,
        rows.last().map(|r| (r.last_message_at, r.id)),
    );
    let rows = rows
        .into_iter()
        .map(|r| Row {
            id: r.id,
            when: when(r.last_message_at, now),
            window: match r.last_inbound_at.map(|t| t + SERVICE_WINDOW - now) {
                Some(left) if left > time::Duration::hours(2) => "open",
                Some(left) if left > time::Duration::ZERO => "closing",
                _ => "closed",
            },
            name: r.contact_name,
            handle: r.contact_handle,
            preview: r.preview,
            unread: r.unread,
        })
        .collect();
    Ok(InboxPage {
        layout: Layout::new(&user.ctx, "Inbox", Nav::Inbox),
        rows,
        next,
    })
}
