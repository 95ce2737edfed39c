//! Broadcasts in the browser: the campaigns list, the build form, a campaign's page (preview,
//! estimate, test send, send/pause/resume/cancel, funnel with its per-stage list and CSV) and
//! the rate table. Every rule is in `crm::campaigns`; these pages only read forms and draw.

mod actions;
mod form;
mod posted;
mod rates;
mod show;

use crate::app::AppState;
use crate::crm::campaigns::{Cost, Detail, cost::format_micro};
use crate::model::Zone;
use crate::model::campaign::CampaignState;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use crate::web::when;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;
use std::fmt::Write as _;

pub use actions::*;
pub use form::*;
pub use rates::*;
pub use show::*;

/// An amount as shown: two decimals, four when it would otherwise read 0.00.
fn money(micro: i64, currency: &str) -> String {
    let places = if micro > 0 && micro < 5_000 { 4 } else { 2 };
    format!("{} {currency}", format_micro(micro, places))
}

/// A cost in one line ("12.50 USD", with what is free or unpriced).
fn cost_line(c: &Cost) -> String {
    let mut s = money(c.total_micro, &c.currency);
    if c.free > 0 {
        let _ = write!(s, " · {} free (inside the 24-hour window)", c.free);
    }
    if c.unpriced > 0 {
        let _ = write!(s, " · {} without a rate", c.unpriced);
    }
    s
}

/// `n` of `of` as a whole percentage ("—" of nothing).
fn percent(n: i64, of: i64) -> String {
    if of <= 0 {
        "—".into()
    } else {
        format!("{}%", (n * 100 + of / 2) / of)
    }
}

/// A campaign as listed.
pub struct Row {
    id: i64,
    name: String,
    state: CampaignState,
    template: String,
    when: String,
    audience: String,
    delivered: String,
    read: String,
    cost: String,
}

impl Row {
    fn of(d: &Detail, zone: &Zone) -> Self {
        let c = &d.campaign;
        let f = &d.funnel;
        let when = match (c.state, c.started_at, c.scheduled_at) {
            (_, Some(t), _) => format!("started {}", when::stamp(zone, t)),
            (_, None, Some(t)) => format!("for {}", when::stamp(zone, t)),
            _ => format!("created {}", when::stamp(zone, c.created_at)),
        };
        Self {
            id: c.id,
            name: c.name.clone(),
            state: c.state,
            template: c.template_name.clone(),
            when,
            audience: if c.started_at.is_some() {
                (f.queued + f.pending + f.cancelled).to_string()
            } else {
                "—".into()
            },
            delivered: percent(f.delivered, f.queued),
            read: percent(f.read, f.queued),
            cost: if c.started_at.is_some() {
                money(d.actual.total_micro, &d.actual.currency)
            } else {
                "—".into()
            },
        }
    }
}

/// The campaigns page.
#[derive(Template, WebTemplate)]
#[template(path = "campaigns/index.html")]
pub struct CampaignsPage {
    layout: Layout,
    rows: Vec<Row>,
    is_admin: bool,
    /// The next page's cursor (campaign id).
    next: Option<i64>,
}

/// `?before=` of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    before: Option<i64>,
}

/// `GET /campaigns`: newest first, 50 a page.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<CampaignsPage> {
    let list = state.crm.campaigns(user.who(), q.before).await?;
    let next = (list.len() >= 50)
        .then(|| list.last().map(|d| d.campaign.id))
        .flatten();
    Ok(CampaignsPage {
        layout: Layout::new(&user.ctx, "Broadcasts", Nav::Campaigns),
        rows: list.iter().map(|d| Row::of(d, &user.ctx.zone)).collect(),
        is_admin: user.session.user.is_admin(),
        next,
    })
}
