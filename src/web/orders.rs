//! Orders: list with status filter and totals per currency, the order page with its lines,
//! status changes along the pipeline and their history.

use super::cookies::FlashKind;
use super::error::{AppError, Result};
use super::extract::CurrentUser;
use super::forms::{redirect_with_flash, see_other};
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm;
use crate::db;
use crate::db::orders::OrderFilter;
use crate::model::{ContactId, ORDER_STATUSES, OrderStatus, Tag, money};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use serde::Deserialize;

/// Orders per page.
const PAGE: u32 = 50;

fn date(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]:[minute]"
    );
    t.format(&fmt).unwrap_or_default()
}

/// An order in the list.
pub struct Row {
    id: i64,
    customer: String,
    status: &'static str,
    total: String,
    when: String,
    source: String,
}

/// The orders list.
#[derive(Template, WebTemplate)]
#[template(path = "orders/index.html")]
pub struct OrdersPage {
    layout: Layout,
    status: String,
    statuses: Vec<&'static str>,
    rows: Vec<Row>,
    totals: Vec<String>,
    next: Option<String>,
    query: String,
    from: String,
    until: String,
    tag: Option<i64>,
    all_tags: Vec<Tag>,
    date_error: String,
}

/// Query of `GET /orders` and `GET /orders/export.csv`.
#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    /// First day, `YYYY-MM-DD` (UTC).
    #[serde(default)]
    from: String,
    /// Last day, `YYYY-MM-DD` (UTC), included.
    #[serde(default)]
    until: String,
    /// Only this contact's orders.
    contact: Option<i64>,
    /// Only orders of contacts with this tag.
    tag: Option<i64>,
    before: Option<String>,
}

impl ListQuery {
    /// The filter, or what is wrong with the dates.
    pub fn filter(&self) -> (OrderFilter, Option<String>) {
        let fmt = time::macros::format_description!("[year]-[month]-[day]");
        let mut error = None;
        let mut day = |s: &str| -> Option<time::OffsetDateTime> {
            if s.trim().is_empty() {
                return None;
            }
            if let Ok(d) = time::Date::parse(s.trim(), &fmt) {
                Some(d.midnight().assume_utc())
            } else {
                error = Some(format!("`{s}` is not a date; use YYYY-MM-DD."));
                None
            }
        };
        let from = day(&self.from);
        let until = day(&self.until).map(|d| d + time::Duration::days(1));
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
    let (filter, date_error) = q.filter();
    let status = filter.status;
    let before = super::forms::parse_cursor(q.before.as_deref());
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
        super::forms::next_cursor(rows.len(), PAGE, rows.last().map(|r| (r.created_at, r.id)));
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
                when: date(o.created_at),
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

/// A line on the order page.
pub struct Line {
    product: String,
    quantity: i64,
    unit: String,
    total: String,
}

/// The order page.
#[derive(Template, WebTemplate)]
#[template(path = "orders/show.html")]
pub struct OrderPage {
    layout: Layout,
    id: i64,
    customer: String,
    contact_id: Option<i64>,
    conversation_id: Option<i64>,
    status: &'static str,
    next: Vec<&'static str>,
    lines: Vec<Line>,
    total: String,
    note: String,
    history: Vec<String>,
    editable: bool,
}

/// `GET /orders/{id}`.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<OrderPage> {
    let (order, items, history) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            Ok((
                db::orders::get(c, id)?,
                db::orders::items(c, id)?,
                db::orders::history(c, id)?,
            ))
        })
        .await?;
    let o = order.ok_or(AppError::NotFound)?;
    let cur = o.currency.clone();
    Ok(OrderPage {
        layout: Layout::new(&user.ctx, format!("Order #{id}"), Nav::Orders),
        id,
        editable: crm::orders::editable(o.status),
        customer: if o.contact_name.is_empty() {
            "(erased)".into()
        } else {
            o.contact_name
        },
        contact_id: o.contact_id.map(|c| c.0),
        conversation_id: o.conversation_id,
        status: o.status.as_str(),
        next: o
            .status
            .next()
            .into_iter()
            .map(OrderStatus::as_str)
            .collect(),
        lines: items
            .into_iter()
            .map(|i| Line {
                product: if i.name.is_empty() {
                    i.product_retailer_id.clone()
                } else {
                    format!("{} ({})", i.name, i.product_retailer_id)
                },
                quantity: i.quantity,
                unit: money::format(i.unit_price_minor, &cur),
                total: money::format(i.quantity.saturating_mul(i.unit_price_minor), &cur),
            })
            .collect(),
        total: money::format(o.total_minor, &o.currency),
        note: o.note,
        history: history
            .into_iter()
            .map(|h| match h.from {
                Some(f) => format!("{}: {} moved it from {f} to {}", date(h.at), h.who, h.to),
                None => format!("{}: created as {} ({})", date(h.at), h.to, h.who),
            })
            .collect(),
    })
}

/// Body of `POST /orders/{id}/status`.
#[derive(Deserialize)]
pub struct StatusForm {
    status: String,
}

/// `POST /orders/{id}/status`.
pub async fn change_status(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(f): Form<StatusForm>,
) -> Result<Response> {
    let back = format!("/orders/{id}");
    let Some(to) = OrderStatus::parse(&f.status) else {
        return Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            "Unknown status.",
        ));
    };
    let result = state
        .crm
        .change_order_status(id, to, Some(user.session.user.id))
        .await;
    match result {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Success,
            &format!("Order is now {to}."),
        )),
        Err(crm::Error::Conflict(why)) => Ok(redirect_with_flash(
            &state.cookies,
            &back,
            FlashKind::Error,
            &why,
        )),
        Err(e) => Err(e.into()),
    }
}

/// `GET /orders/by-message/{message_id}`: from a cart in the timeline to its order.
pub async fn by_message(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(message_id): Path<i64>,
) -> Result<Response> {
    let id = state
        .db
        .read(move |c| db::orders::for_message(c, message_id))
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(see_other(&format!("/orders/{id}")))
}
