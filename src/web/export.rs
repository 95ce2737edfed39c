//! CSV exports of contacts (the chosen columns, the current search and tag) and orders. Cells
//! that a spreadsheet would run as a formula are defused. Every export is audited.

use super::extract::CurrentUser;
use crate::app::AppState;
use crate::db;
use crate::error::{AppError, Result};
use crate::model::money;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// Columns a contact export may have, in this order.
pub const CONTACT_COLUMNS: &[&str] = &[
    "name",
    "whatsapp_name",
    "phone",
    "email",
    "tags",
    "created_at",
];
/// Rows fetched per page while exporting.
const CHUNK: u32 = 1000;

/// A cell that will not run as a formula in a spreadsheet (OWASP CSV injection).
fn cell(s: &str) -> String {
    let numeric = |rest: &str| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '.')
    };
    match s.chars().next() {
        Some('=' | '@' | '\t' | '\r') => format!("'{s}"),
        Some('+' | '-') if !numeric(&s[1..]) => format!("'{s}"),
        _ => s.to_string(),
    }
}

fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Every row of a keyset-paginated query, fetched `CHUNK` at a time; `each` maps a row with
/// the same connection (for its tags or lines).
fn all_pages<R, T>(
    mut page: impl FnMut(Option<super::forms::Cursor>) -> db::Result<Vec<R>>,
    cursor: impl Fn(&R) -> super::forms::Cursor,
    mut each: impl FnMut(R) -> db::Result<T>,
) -> db::Result<Vec<T>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let rows = page(before)?;
        let done = rows.len() < CHUNK as usize;
        before = rows.last().map(&cursor);
        for r in rows {
            out.push(each(r)?);
        }
        if done {
            return Ok(out);
        }
    }
}

fn date(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

async fn audit(
    state: &AppState,
    user: &CurrentUser,
    action: &'static str,
    rows: usize,
) -> Result<()> {
    let entry = db::audit::Entry {
        at: state.clock.now(),
        actor: Some(user.session.user.id),
        action: action.into(),
        target: String::new(),
        ip: user.ctx.client.ip.clone(),
        detail: format!("rows={rows}"),
    };
    state
        .db
        .write(move |c| db::audit::record(c, &entry))
        .await?;
    Ok(())
}

/// Query of `GET /contacts/export.csv`.
#[derive(Deserialize)]
pub struct ContactExportQuery {
    #[serde(default)]
    q: String,
    tag: Option<i64>,
    /// Comma-separated column names; all when empty.
    #[serde(default)]
    columns: String,
}

/// `GET /contacts/export.csv`.
pub async fn contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ContactExportQuery>,
) -> Result<Response> {
    let columns: Vec<&str> = if q.columns.trim().is_empty() {
        CONTACT_COLUMNS.to_vec()
    } else {
        let wanted: Vec<&str> = q.columns.split(',').map(str::trim).collect();
        if let Some(bad) = wanted.iter().find(|c| !CONTACT_COLUMNS.contains(c)) {
            return Err(AppError::BadRequest(format!(
                "Unknown column `{bad}`. Columns: {}.",
                CONTACT_COLUMNS.join(", ")
            )));
        }
        CONTACT_COLUMNS
            .iter()
            .copied()
            .filter(|c| wanted.contains(c))
            .collect()
    };
    let search = Some(q.q.trim().to_string()).filter(|s| !s.is_empty());
    let tag = q.tag;
    let rows = state
        .db
        .read(move |c| {
            all_pages(
                |before| db::contacts::list(c, search.as_deref(), tag, before, CHUNK),
                |r| (r.contact.created_at, r.contact.id.0),
                |r| {
                    let tags = db::tags::for_contact(c, r.contact.id)?;
                    Ok((r.contact, tags))
                },
            )
        })
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.into());
    w.write_record(&columns).map_err(io)?;
    for (k, tags) in &rows {
        let record: Vec<String> = columns
            .iter()
            .map(|c| match *c {
                "name" => cell(&k.name),
                "whatsapp_name" => cell(&k.profile_name),
                "phone" => cell(k.phone.as_ref().map_or("", |p| p.as_str())),
                "email" => cell(k.email.as_deref().unwrap_or("")),
                "tags" => cell(
                    &tags
                        .iter()
                        .map(|t| t.name.as_str())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
                _ => date(k.created_at),
            })
            .collect();
        w.write_record(&record).map_err(io)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit(&state, &user, "export.contacts", rows.len()).await?;
    Ok(csv_response("contacts.csv", body))
}

/// `GET /orders/export.csv`: one row per order with its lines in one cell.
pub async fn orders(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<super::orders::ListQuery>,
) -> Result<Response> {
    let (filter, error) = q.filter();
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
    w.write_record([
        "order",
        "created_at",
        "status",
        "customer",
        "phone",
        "currency",
        "total",
        "items",
        "note",
    ])
    .map_err(io)?;
    for (items, o) in &rows {
        let total = money::format(o.total_minor, &o.currency);
        let amount = total
            .split_once(' ')
            .map_or(total.as_str(), |(_, a)| a)
            .to_string();
        let lines: Vec<String> = items
            .iter()
            .map(|i| {
                format!(
                    "{} x {} @ {}",
                    i.quantity,
                    i.product_retailer_id,
                    money::format(i.unit_price_minor, &o.currency)
                )
            })
            .collect();
        w.write_record([
            o.id.to_string(),
            date(o.created_at),
            o.status.as_str().to_string(),
            cell(&o.contact_name),
            cell(o.contact_phone.as_deref().unwrap_or("")),
            o.currency.clone(),
            amount,
            cell(&lines.join("; ")),
            cell(&o.note),
        ])
        .map_err(io)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit(&state, &user, "export.orders", rows.len()).await?;
    Ok(csv_response("orders.csv", body))
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_defused_but_phone_numbers_stay_numbers() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(cell("+5511988887777"), "+5511988887777");
        assert_eq!(cell("-12.50"), "-12.50");
        assert_eq!(cell("Ana"), "Ana");
    }
}
