//! Segments: saved contact filters with a live count (used by exports now, broadcasts and
//! Sheets sync later).

mod change;

use crate::app::AppState;
use crate::db;
use crate::model::ContactFilter;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

pub use change::*;

/// Longest segment name.
pub const MAX_SEGMENT_NAME: usize = 60;

/// A segment as listed.
pub struct Row {
    id: i64,
    name: String,
    /// The filter's text form; `None` when the stored filter is damaged.
    query: Option<String>,
    /// Contacts it matches now; `None` when the stored filter is damaged.
    count: Option<i64>,
    /// Whether this user may rename or delete it (its creator or an admin).
    may_change: bool,
}

/// The segments page.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/segments.html")]
pub struct SegmentsPage {
    layout: Layout,
    rows: Vec<Row>,
}

/// `GET /segments`: every segment with the number of contacts it matches now.
pub async fn index(State(state): State<AppState>, user: CurrentUser) -> Result<SegmentsPage> {
    let who = user.who();
    let now = crate::model::Now {
        at: state.clock.now(),
        zone: user.ctx.zone.clone(),
    };
    let rows = state
        .db
        .read(move |c| {
            db::segments::list(c)?
                .into_iter()
                .map(|s| {
                    let filter = s.filter().ok();
                    Ok(Row {
                        count: filter
                            .map(|f| db::contacts::count_matching(c, f, &now))
                            .transpose()?,
                        id: s.id,
                        query: filter.map(ContactFilter::to_query),
                        may_change: crate::crm::access::require_author_or_admin(
                            who,
                            s.created_by,
                            "",
                        )
                        .is_ok(),
                        name: s.name,
                    })
                })
                .collect::<db::Result<Vec<_>>>()
        })
        .await?;
    Ok(SegmentsPage {
        layout: Layout::new(&user.ctx, "Segments", Nav::Contacts),
        rows,
    })
}
