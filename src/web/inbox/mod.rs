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
    /// For the next page's cursor.
    last_message_at: time::OffsetDateTime,
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
    /// WhatsApp is not connected: the page says so.
    not_connected: Option<&'static str>,
    /// Account alerts in force (admins: all; others: those that block sending).
    alerts: Vec<crate::web::settings::AlertLine>,
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

/// The default view: admins see everything; agents their own, or the unassigned queue when
/// nothing is theirs.
async fn default_view(state: &AppState, user: &CurrentUser) -> Result<&'static str> {
    if user.session.user.is_admin() {
        return Ok("all");
    }
    let me = user.session.user.id.0;
    let mine = state
        .db
        .read(move |c| db::inbox::has_assigned(c, me))
        .await?;
    Ok(if mine { "mine" } else { "unassigned" })
}

/// A page of list rows with their tags, and every tag (for the filter).
fn load(
    c: &rusqlite::Connection,
    f: &InboxFilter,
    before: Option<(time::OffsetDateTime, i64)>,
    zone: &crate::model::Zone,
) -> db::Result<(Vec<Row>, Vec<Tag>)> {
    let rows = db::inbox::conversations(c, f, before, PAGE)?;
    let rows = rows
        .into_iter()
        .map(|r| {
            Ok(Row {
                tags: db::tags::for_conversation(c, r.id)?,
                id: r.id,
                when: crate::web::when::short(zone, r.last_message_at, f.now),
                window: window_state(r.last_inbound_at, f.now),
                name: r.contact_name,
                handle: r.contact_handle,
                preview: r.preview,
                unread: r.unread,
                status: r.status.to_string(),
                assignee: r.assignee,
                last_message_at: r.last_message_at,
            })
        })
        .collect::<db::Result<Vec<_>>>()?;
    let all = db::tags::list(c)?.into_iter().map(|(t, _)| t).collect();
    Ok((rows, all))
}

/// `GET /inbox`: Mine, Unassigned or All (admins), filtered by status, tag and window.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<InboxQuery>,
) -> Result<InboxPage> {
    let is_admin = user.session.user.is_admin();
    let default = default_view(&state, &user).await?;
    let Filters {
        view,
        view_name,
        status,
        tag,
        window,
    } = parse_filters(&q, &user, default)?;
    let before = crate::web::forms::parse_cursor(q.before.as_deref());
    let now = state.clock.now();
    let f = InboxFilter {
        view,
        status: status.parse().ok(),
        tag,
        window,
        contact: None,
        now,
    };
    let zone = user.ctx.zone.clone();
    let (rows, all_tags) = state.db.read(move |c| load(c, &f, before, &zone)).await?;
    let next = crate::web::forms::next_cursor(
        rows.len(),
        PAGE,
        rows.last().map(|r| (r.last_message_at, r.id)),
    );
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
        alerts: crate::web::settings::lines(
            state.crm.alerts_in_force(user.who()).await?,
            &user.ctx.zone,
        ),
        not_connected: (!state.crm.connected().await?)
            .then_some(crate::crm::connection::NOT_CONNECTED),
        status,
        tag,
        window: q.window.trim().to_string(),
        all_tags,
        query,
    })
}
