//! The inbox: conversations by last activity, newest first, with cursor pagination; the
//! Mine / Unassigned / All (admins) views and status, tag and window filters.

mod filters;

use crate::app::AppState;
use crate::db;
use crate::db::inbox::InboxFilter;
use crate::model::{SERVICE_WINDOW, Tag};
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};

pub use filters::*;

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
    status: String,
    assignee: Option<String>,
    tags: Vec<Tag>,
}

/// The inbox page.
#[derive(Template, WebTemplate)]
#[template(path = "inbox/index.html")]
pub struct InboxPage {
    layout: Layout,
    rows: Vec<Row>,
    next: Option<String>,
    view: &'static str,
    is_admin: bool,
    status: String,
    tag: Option<i64>,
    window: String,
    all_tags: Vec<Tag>,
    /// The current view and filters as a query string (without the cursor).
    query: String,
    filtered: bool,
}

fn when(t: time::OffsetDateTime, now: time::OffsetDateTime) -> String {
    let fmt = if now - t < time::Duration::hours(20) {
        time::macros::format_description!("[hour]:[minute]").to_vec()
    } else {
        time::macros::format_description!("[day padding:none] [month repr:short]").to_vec()
    };
    t.format(&fmt).unwrap_or_default()
}

/// The window badge for a conversation.
fn window_state(
    last_inbound: Option<time::OffsetDateTime>,
    now: time::OffsetDateTime,
) -> &'static str {
    match last_inbound.map(|t| t + SERVICE_WINDOW - now) {
        Some(left) if left > time::Duration::hours(2) => "open",
        Some(left) if left > time::Duration::ZERO => "closing",
        _ => "closed",
    }
}

/// `GET /inbox`: Mine, Unassigned or All (admins), filtered by status, tag and window.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InboxQuery>,
) -> Result<InboxPage> {
    let me = user.session.user.id.0;
    let is_admin = user.session.user.is_admin();
    // Default view: admins see everything; agents their own, or the unassigned queue when
    // nothing is theirs.
    let default = if is_admin {
        "all"
    } else if state
        .db
        .read(move |c| db::inbox::has_assigned(c, me))
        .await?
    {
        "mine"
    } else {
        "unassigned"
    };
    let Filters {
        view,
        view_name,
        status,
        tag,
        window,
    } = parse_filters(&q, &user, default)?;
    let before = crate::web::forms::parse_cursor(q.before.as_deref());
    let now = state.clock.now();
    let st = status.clone();
    let (rows, tags_of, all_tags) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            let f = InboxFilter {
                view,
                status: st.parse().ok(),
                tag,
                window,
                contact: None,
                now,
            };
            let rows = db::inbox::conversations(c, &f, before, PAGE)?;
            let tags = rows
                .iter()
                .map(|r| db::tags::for_conversation(c, r.id))
                .collect::<db::Result<Vec<_>>>()?;
            let all = db::tags::list(c)?
                .into_iter()
                .map(|(t, _)| t)
                .collect::<Vec<_>>();
            Ok((rows, tags, all))
        })
        .await?;
    let next = crate::web::forms::next_cursor(
        rows.len(),
        PAGE,
        rows.last().map(|r| (r.last_message_at, r.id)),
    );
    let rows = rows
        .into_iter()
        .zip(tags_of)
        .map(|(r, tags)| Row {
            id: r.id,
            when: when(r.last_message_at, now),
            window: window_state(r.last_inbound_at, now),
            name: r.contact_name,
            handle: r.contact_handle,
            preview: r.preview,
            unread: r.unread,
            status: r.status.to_string(),
            assignee: r.assignee,
            tags,
        })
        .collect();
    let tag_text = tag.map(|t| t.to_string()).unwrap_or_default();
    let query = serde_urlencoded::to_string([
        ("view", view_name),
        ("status", status.as_str()),
        ("tag", tag_text.as_str()),
        ("window", q.window.trim()),
    ])
    .unwrap_or_default();
    Ok(InboxPage {
        layout: Layout::new(&user.ctx, "Inbox", Nav::Inbox),
        rows,
        next,
        view: view_name,
        is_admin,
        filtered: !status.is_empty() || tag.is_some() || window.is_some(),
        status,
        tag,
        window: q.window.trim().to_string(),
        all_tags,
        query,
    })
}
