//! `GET /orders/export.csv` (admins): one row per order, its lines in one cell.

use super::{CHUNK, all_pages, audit, cell, csv_response};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::money;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use axum::extract::{Query, State};
use axum::response::Response;

/// The CSV header.
const HEADER: [&str; 9] = [
    "order",
    "created_at",
    "status",
    "customer",
    "phone",
    "currency",
    "total",
    "items",
    "note",
];

/// One order as a CSV record: the total without its currency sign, the lines in one cell.
fn record(
    items: &[db::orders::ItemRow],
    o: &db::orders::OrderRow,
    zone: &crate::model::Zone,
) -> [String; 9] {
    let total = money::format(o.total_minor, &o.currency);
    let amount = total
        .split_once(' ')
        .map_or(total.as_str(), |(_, a)| a)
        .to_string();
    let lines: Vec<String> = items
        .iter()
        .map(|i| {
            let what = if i.name.is_empty() {
                i.product_retailer_id.clone()
            } else {
                format!("{} ({})", i.name, i.product_retailer_id)
            };
            format!(
                "{} x {what} @ {}",
                i.quantity,
                money::format(i.unit_price_minor, &o.currency)
            )
        })
        .collect();
    [
        o.id.to_string(),
        crate::web::when::csv(zone, o.created_at),
        o.status.as_str().to_string(),
        cell(&o.contact_name),
        cell(o.contact_phone.as_deref().unwrap_or("")),
        o.currency.clone(),
        amount,
        cell(&lines.join("; ")),
        cell(&o.note),
    ]
}

/// `GET /orders/export.csv`: one row per order with its lines in one cell.
pub async fn orders(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<crate::web::orders::ListQuery>,
) -> Result<Response> {
    user.require(AdminAction::Export)?;
    let (filter, error) = q.filter(&user.ctx.zone);
    if let Some(e) = error {
        return Err(AppError::BadRequest(e));
    }
    let rows = state
        .db
        .read(move |c| {
            all_pages(
                |before| db::orders::list(c, &filter, before, CHUNK),
                |o| (o.created_at, o.id),
                |o| Ok((db::orders::items(c, o.id)?, o)),
            )
        })
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.into());
    w.write_record(HEADER).map_err(io)?;
    for (items, o) in &rows {
        w.write_record(record(items, o, &user.ctx.zone))
            .map_err(io)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit(&state, &user, "export.orders", rows.len()).await?;
    Ok(csv_response(
        "orders.csv",
        body,
        q.bom.as_deref() == Some("1"),
    ))
}
