//! `GET /conversations/{id}`: the conversation page. Viewing changes nothing; marking seen is a POST.

use super::{TemplateChoice, choice, duration_text};
use crate::app::AppState;
use crate::crm::access::may_work;
use crate::crypto;
use crate::db;
use crate::model::TemplateStatus;
use crate::model::{Tag, UserId};
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use crate::web::timeline::{Bubble, bubbles};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use serde::Deserialize;

/// Messages shown on the page.
pub(super) const TIMELINE: u32 = 200;

/// The conversation page.
#[derive(Template, WebTemplate)]
#[template(path = "conversations/show.html")]
pub struct ConversationPage {
    /// WhatsApp is not connected: the page says so, and replies are refused.
    pub(super) not_connected: Option<&'static str>,
    /// Meta blocks sending (a restricted, disabled or disconnected account): (title, detail),
    /// shown where agents type.
    pub(super) sending_blocked: Option<(String, String)>,
    pub(super) layout: Layout,
    pub(super) id: i64,
    pub(super) title: String,
    pub(super) handle: String,
    pub(super) bubbles: Vec<Bubble>,
    pub(super) window_open: bool,
    pub(super) closes_at: i64,
    pub(super) closes_in: String,
    pub(super) templates: Vec<TemplateChoice>,
    pub(super) send_key: String,
    pub(super) reply_to: Option<(String, String)>,
    pub(super) contact_name: String,
    pub(super) contact_id: i64,
    pub(super) tags: Vec<Tag>,
    pub(super) all_tags: Vec<Tag>,
    /// open, pending or resolved.
    pub(super) status: String,
    /// Assigned member: (id, name).
    pub(super) assignee: Option<(i64, String)>,
    /// Team members an admin may assign: (id, name).
    pub(super) team: Vec<(i64, String)>,
    pub(super) me: i64,
    pub(super) is_admin: bool,
    /// Whether this user may answer, tag, resolve and annotate (else: take it over first).
    pub(super) may_work: bool,
    /// Customer messages not seen yet (the page's script marks them seen with a POST).
    pub(super) unread: i64,
    /// Side panel: the contact's tags, custom fields, recent orders, notes.
    pub(super) side: SidePanel,
    /// Older messages exist beyond the page.
    pub(super) older: Option<i64>,
    /// The conversation's stored AI summary: (text, "made by … from N of M messages").
    pub(super) summary: Option<(String, String)>,
    /// What the last AI request gave (the page rendered as its answer).
    pub(super) ai: super::ai::AiView,
    /// The rewrite styles: (value, label).
    pub(super) styles: Vec<(&'static str, &'static str)>,
}

/// The side panel: what the team knows about the customer.
pub struct SidePanel {
    /// The contact's tags.
    pub(super) tags: Vec<Tag>,
    /// Custom fields with a value: (label, value).
    pub(super) fields: Vec<(String, String)>,
    /// Recent orders: (id, status, total).
    pub(super) orders: Vec<(i64, String, String)>,
    /// The newest notes on the contact.
    pub(super) notes: Vec<String>,
}

impl SidePanel {
    fn of(d: &mut PageData) -> Self {
        Self {
            tags: std::mem::take(&mut d.contact_tags),
            fields: std::mem::take(&mut d.fields)
                .into_iter()
                .filter_map(|(f, v)| v.map(|v| (f.label, v)))
                .collect(),
            orders: std::mem::take(&mut d.orders)
                .into_iter()
                .map(|o| {
                    let total = crate::model::money::format(o.total_minor, &o.currency);
                    (o.id, o.status.as_str().to_string(), total)
                })
                .collect(),
            notes: std::mem::take(&mut d.contact_notes)
                .into_iter()
                .take(3)
                .map(|n| n.body)
                .collect(),
        }
    }
}

/// The customer message `wamid` to quote, with its text, when it is on the page.
fn quoted(items: &[db::messages::TimelineItem], wamid: String) -> Option<(String, String)> {
    let text = items
        .iter()
        .find(|i| i.message.wamid == wamid)?
        .message
        .body
        .clone();
    Some((wamid, text))
}

/// The assignee's (id, name); someone no longer on the team is "a former member".
fn member(team: &[(i64, String)], id: i64) -> (i64, String) {
    team.iter()
        .find(|(m, _)| *m == id)
        .cloned()
        .unwrap_or((id, "a former member".into()))
}

/// How many messages to show: the asked-for number, or enough to include message `at`.
async fn history_len(state: &AppState, id: i64, q: &ShowQuery) -> Result<u32> {
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
    Ok(shown)
}

/// Query of the conversation page.
#[derive(Deserialize, Default)]
pub struct ShowQuery {
    /// Customer message to quote in the reply.
    pub(super) reply_to: Option<String>,
    /// Show more history: this many messages (default 200, up to 5000).
    pub(super) show: Option<u32>,
    /// Show enough history to include this message (a search hit).
    pub(super) at: Option<i64>,
}

/// `GET /conversations/{id}`. Changes nothing: the page's script (or its button) posts
/// `/conversations/{id}/seen` to mark the customer's messages seen.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    axum::extract::Query(q): axum::extract::Query<ShowQuery>,
) -> Result<ConversationPage> {
    render(&state, &user, id, q, super::ai::AiView::default()).await
}

/// The page, with what an AI request gave (`ai`) in its panel and composer.
pub(super) async fn render(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    q: ShowQuery,
    ai: super::ai::AiView,
) -> Result<ConversationPage> {
    let shown = history_len(state, id, &q).await?;
    let mut d = state.db.read(move |c| load(c, id, shown)).await?;
    let side = SidePanel::of(&mut d);
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
    let reply_to = q.reply_to.and_then(|w| quoted(&items, w));
    let me = user.session.user.id.0;
    let assignee = conv.assignee_id.map(|a| member(&d.team, a));
    let older = (items.len() >= shown as usize).then(|| i64::from(shown) * 4);
    let bubbles = crate::web::timeline::with_notes(
        bubbles(&items, &user.ctx.zone, &d.products),
        &d.notes,
        &user.ctx.zone,
    );
    let window_open = conv.window_open(now);
    let may_work = may_work(user.who(), conv.assignee_id.map(UserId)).is_ok();
    let mut ai = ai;
    let (on, summary) = state.crm.ai_panel(id).await?;
    ai.on = on;
    // Answers and refusals show by the composer when there is one to type in, else in the panel.
    ai.in_panel |= !(window_open && may_work);
    let summary = summary.map(|s| super::ai::summary_view(&s, &user.ctx.zone));
    Ok(ConversationPage {
        summary,
        ai,
        styles: crate::model::ai::REWRITE_STYLES
            .iter()
            .map(|(v, l, _)| (*v, *l))
            .collect(),
        not_connected: (!state.crm.connected().await?)
            .then_some(crate::crm::connection::NOT_CONNECTED),
        sending_blocked: state.crm.sending_blocked(user.who()).await?,
        status: conv.status.to_string(),
        assignee,
        team: d.team,
        me,
        is_admin: user.session.user.is_admin(),
        may_work,
        unread: conv.unread_count,
        side,
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
        window_open,
        closes_at: closes.map_or(0, time::OffsetDateTime::unix_timestamp),
        closes_in: closes.map(|c| duration_text(c - now)).unwrap_or_default(),
        templates,
        send_key: crypto::random_token().map_err(|e| AppError::Internal(e.into()))?,
    })
}

/// Everything the conversation page shows, read at once.
pub(super) struct PageData {
    pub(super) conv: Option<crate::model::Conversation>,
    pub(super) contact: Option<crate::model::Contact>,
    pub(super) items: Vec<db::messages::TimelineItem>,
    pub(super) templates: Vec<db::templates::Template>,
    pub(super) tags: Vec<Tag>,
    pub(super) all_tags: Vec<Tag>,
    pub(super) notes: Vec<db::inbox::ConversationNote>,
    pub(super) team: Vec<(i64, String)>,
    pub(super) contact_tags: Vec<Tag>,
    pub(super) fields: Vec<(crate::model::CustomField, Option<String>)>,
    pub(super) orders: Vec<db::orders::OrderRow>,
    pub(super) contact_notes: Vec<db::notes::Note>,
    /// Product names by retailer id, for the carts on the page.
    pub(super) products: std::collections::HashMap<String, String>,
}

pub(super) fn load(c: &rusqlite::Connection, id: i64, shown: u32) -> db::Result<PageData> {
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
    let items = db::inbox::recent_messages(c, id, shown)?;
    let mut products = std::collections::HashMap::new();
    for i in &items {
        if let crate::model::Content::Order { items, .. } = &i.message.content {
            for p in items {
                if !products.contains_key(&p.product_retailer_id)
                    && let Some(name) = db::orders::product_name(c, &p.product_retailer_id)?
                {
                    products.insert(p.product_retailer_id.clone(), name);
                }
            }
        }
    }
    Ok(PageData {
        products,
        items,
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
