//! `GET /orders`: orders by status, newest first, paged.

use crate::app::AppState;
use crate::db;
use crate::db::orders::OrderFilter;
use crate::model::{ContactId, ORDER_STATUSES, OrderStatus, Tag, money};
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

/// Orders per page.
pub(super) const PAGE: u32 = 50;

/// An order in the list.
pub struct Row {
    pub(super) id: i64,
    pub(super) customer: String,
    pub(super) status: &'static str,
    pub(super) total: String,
    pub(super) when: String,
    pub(super) source: String,
}

/// The orders list.
#[derive(Template, WebTemplate)]
#[template(path = "orders/index.html")]
pub struct OrdersPage {
    pub(super) layout: Layout,
    pub(super) status: String,
    pub(super) statuses: Vec<&'static str>,
    pub(super) rows: Vec<Row>,
    pub(super) totals: Vec<String>,
    pub(super) next: Option<String>,
    pub(super) query: String,
    pub(super) from: String,
    pub(super) until: String,
    pub(super) tag: Option<i64>,
    pub(super) all_tags: Vec<Tag>,
    pub(super) date_error: String,
}

/// Query of `GET /orders` and `GET /orders/export.csv`.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    pub(super) status: String,
    /// `1`: the CSV export starts with a UTF-8 byte order mark (for Excel).
    #[serde(default)]
    pub(crate) bom: Option<String>,
    /// First day, `YYYY-MM-DD` (in the viewer's time zone).
    #[serde(default)]
    pub(super) from: String,
    /// Last day, `YYYY-MM-DD` (in the viewer's time zone), included.
    #[serde(default)]
    pub(super) until: String,
    /// Only this contact's orders.
    pub(super) contact: Option<i64>,
    /// Only orders of contacts with this tag.
    pub(super) tag: Option<i64>,
    pub(super) before: Option<String>,
}

impl ListQuery {
    /// The filter, or what is wrong with the dates.
    pub fn filter(&self, zone: &crate::model::Zone) -> (OrderFilter, Option<String>) {
        let ((from, until), error) = match crate::model::date_range(zone, &self.from, &self.until) {
            Ok(r) => (r, None),
            Err(errors) => {
                let all: Vec<String> = errors.into_iter().map(|e| e.message).collect();
                ((None, None), Some(all.join(" ")))
            }
        };
        let f = OrderFilter {
            status: OrderStatus::parse(&self.status),
            from,
            until,
            contact: self.contact.map(ContactId),
            tag: self.tag,
        };
        (f, error)
    }

    /// The filter as a query string (for links).
    fn query(&self) -> String {
        let pairs = [
            ("status", self.status.clone()),
            ("from", self.from.clone()),
            ("until", self.until.clone()),
            (
                "contact",
                self.contact.map(|c| c.to_string()).unwrap_or_default(),
            ),
            ("tag", self.tag.map(|t| t.to_string()).unwrap_or_default()),
        ];
        let kept: Vec<_> = pairs.into_iter().filter(|(_, v)| !v.is_empty()).collect();
        serde_urlencoded::to_string(kept).unwrap_or_default()
    }
}

/// `GET /orders`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> Result<OrdersPage> {
    let (filter, date_error) = q.filter(&user.ctx.zone);
    let status = filter.status;
    let before = crate::web::forms::parse_cursor(q.before.as_deref());
    let (rows, totals, all_tags) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            Ok((
                db::orders::list(c, &filter, before, PAGE)?,
                db::orders::totals(c, &filter)?,
                db::tags::list(c)?
                    .into_iter()
                    .map(|(t, _)| t)
                    .collect::<Vec<_>>(),
            ))
        })
        .await?;
    let next =
        crate::web::forms::next_cursor(rows.len(), PAGE, rows.last().map(|r| (r.created_at, r.id)));
    Ok(OrdersPage {
        query: q.query(),
        from: q.from.clone(),
        until: q.until.clone(),
        tag: q.tag,
        all_tags,
        date_error: date_error.unwrap_or_default(),
        layout: Layout::new(&user.ctx, "Orders", Nav::Orders),
        status: status.map_or(String::new(), |s| s.as_str().to_string()),
        statuses: ORDER_STATUSES.iter().map(|s| s.as_str()).collect(),
        rows: rows
            .into_iter()
            .map(|o| Row {
                id: o.id,
                customer: if o.contact_name.is_empty() {
                    "(erased)".into()
                } else {
                    o.contact_name
                },
                status: o.status.as_str(),
                total: money::format(o.total_minor, &o.currency),
                when: crate::web::when::stamp(&user.ctx.zone, o.created_at),
                source: o.source,
            })
            .collect(),
        totals: totals
            .into_iter()
            .map(|(cur, sum, n)| format!("{} in {n} order(s)", money::format(sum, &cur)))
            .collect(),
        next,
    })
}
