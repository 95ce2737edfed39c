//! CSV exports of contacts (the chosen columns, the current search and tag) and orders. Cells
//! that a spreadsheet would run as a formula are defused. Every export is audited.

use super::error::{AppError, Result};
use super::extract::CurrentUser;
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::db;
use crate::model::money;
use axum::extract::{Query, RawQuery, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;

/// Columns a contact export may have, in this order.
pub const CONTACT_COLUMNS: &[&str] = &[
    "name",
    "whatsapp_name",
    "phone",
    "email",
    "tags",
    "opt_in",
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
fn all_pages<R, T, C>(
    mut page: impl FnMut(Option<C>) -> db::Result<Vec<R>>,
    cursor: impl Fn(&R) -> C,
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

/// `GET /contacts/export.csv`: the contacts the filter (or `segment`) selects, with the
/// chosen `columns` (comma-separated base columns and custom field keys; all when empty).
pub async fn contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    user.require(AdminAction::Export)?;
    let fq = super::contacts::FilterQuery::read(&state, raw.as_deref()).await?;
    if let Some(e) = fq.errors.first() {
        return Err(AppError::BadRequest(format!("{}: {}", e.field, e.message)));
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    // `columns=a,b` or `column=a&column=b` (the page's checkboxes).
    let wanted = pairs
        .iter()
        .filter(|(k, _)| k == "columns" || k == "column")
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let defs = state.db.read(db::custom_fields::list).await?;
    let available: Vec<String> = CONTACT_COLUMNS
        .iter()
        .map(ToString::to_string)
        .chain(defs.iter().map(|f| f.key.clone()))
        .collect();
    let columns: Vec<String> = if wanted.trim().is_empty() {
        available.clone()
    } else {
        let wanted: Vec<&str> = wanted
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .collect();
        if let Some(bad) = wanted.iter().find(|c| !available.iter().any(|a| a == *c)) {
            return Err(AppError::BadRequest(format!(
                "Unknown column `{bad}`. Columns: {}.",
                available.join(", ")
            )));
        }
        available
            .iter()
            .filter(|c| wanted.contains(&c.as_str()))
            .cloned()
            .collect()
    };
    let (filter, now) = (fq.filter, state.clock.now());
    let rows = state
        .db
        .read(move |c| {
            all_pages(
                |after| db::contacts::list(c, &filter, after.as_ref(), CHUNK, now),
                |(_, cursor)| cursor.clone(),
                |(r, _)| {
                    let tags = db::tags::for_contact(c, r.contact.id)?;
                    let values: HashMap<i64, String> = db::custom_fields::values(c, r.contact.id)?
                        .into_iter()
                        .collect();
                    Ok((r.contact, tags, values))
                },
            )
        })
        .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.into());
    w.write_record(&columns).map_err(io)?;
    for (k, tags, values) in &rows {
        let record: Vec<String> = columns
            .iter()
            .map(|c| match c.as_str() {
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
                "opt_in" => k.opt_in.to_string(),
                "created_at" => date(k.created_at),
                key => defs
                    .iter()
                    .find(|f| f.key == key)
                    .and_then(|f| values.get(&f.id))
                    .map(|v| cell(v))
                    .unwrap_or_default(),
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
    user.require(AdminAction::Export)?;
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
