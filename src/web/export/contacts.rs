//! `GET /contacts/export.csv` (admins): the contacts the filter or segment selects, with the chosen
//! columns; contacts whose processing is restricted are left out (`crm::subject`).

use super::{CHUNK, CONTACT_COLUMNS, all_pages, audit, cell, csv_response};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::db;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use axum::extract::{RawQuery, State};
use axum::response::Response;
use std::collections::HashMap;

/// One exported contact: the contact, its tags, its custom values by field id.
type Exported = (
    crate::model::Contact,
    Vec<crate::model::Tag>,
    HashMap<i64, String>,
);

/// The columns asked for (`columns=a,b` or the page's `column=a&column=b`), in the order of
/// `available`; all of them when none is named.
fn chosen_columns(raw: Option<&str>, available: &[String]) -> Result<Vec<String>> {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
    let wanted: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "columns" || k == "column")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(available.to_vec());
    }
    if let Some(bad) = wanted.iter().find(|c| !available.iter().any(|a| a == *c)) {
        return Err(AppError::BadRequest(format!(
            "Unknown column `{bad}`. Columns: {}.",
            available.join(", ")
        )));
    }
    Ok(available
        .iter()
        .filter(|c| wanted.contains(&c.as_str()))
        .cloned()
        .collect())
}

/// One CSV cell of column `column` for an exported contact.
fn value_of(
    column: &str,
    (k, tags, values): &Exported,
    defs: &[crate::model::CustomField],
    zone: &crate::model::Zone,
) -> String {
    match column {
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
        "created_at" => crate::web::when::csv(zone, k.created_at),
        key => defs
            .iter()
            .find(|f| f.key == key)
            .and_then(|f| values.get(&f.id))
            .map(|v| cell(v))
            .unwrap_or_default(),
    }
}

/// Every contact `filter` selects, page by page.
fn exported(
    c: &rusqlite::Connection,
    filter: &crate::model::ContactFilter,
    now: &crate::model::Now,
) -> db::Result<Vec<Exported>> {
    all_pages(
        |after| db::contacts::list(c, filter, after.as_ref(), CHUNK, now),
        |(_, cursor)| cursor.clone(),
        |(r, _)| {
            let tags = db::tags::for_contact(c, r.contact.id)?;
            let values: HashMap<i64, String> = db::custom_fields::values(c, r.contact.id)?
                .into_iter()
                .collect();
            Ok((r.contact, tags, values))
        },
    )
}

/// `GET /contacts/export.csv`: the contacts the filter (or `segment`) selects, with the
/// chosen `columns` (comma-separated base columns and custom field keys; all when empty).
pub async fn contacts(
    State(state): State<AppState>,
    user: CurrentUser,
    RawQuery(raw): RawQuery,
) -> Result<Response> {
    user.require(AdminAction::Export)?;
    let fq = crate::web::contacts::FilterQuery::read(&state, raw.as_deref()).await?;
    if let Some(e) = fq.errors.first() {
        return Err(AppError::BadRequest(format!("{}: {}", e.field, e.message)));
    }
    let defs = state.db.read(db::custom_fields::list).await?;
    let available: Vec<String> = CONTACT_COLUMNS
        .iter()
        .map(ToString::to_string)
        .chain(defs.iter().map(|f| f.key.clone()))
        .collect();
    let columns = chosen_columns(raw.as_deref(), &available)?;
    let mut filter = fq.filter;
    crate::crm::subject::exclude_restricted(&mut filter);
    let now = crate::model::Now {
        at: state.clock.now(),
        zone: user.ctx.zone.clone(),
    };
    let rows = state.db.read(move |c| exported(c, &filter, &now)).await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    let io = |e: csv::Error| AppError::Internal(e.into());
    w.write_record(&columns).map_err(io)?;
    for row in &rows {
        let record: Vec<String> = columns
            .iter()
            .map(|c| value_of(c, row, &defs, &user.ctx.zone))
            .collect();
        w.write_record(&record).map_err(io)?;
    }
    let body = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!(e.to_string())))?;
    audit(&state, &user, "export.contacts", rows.len()).await?;
    let bom = serde_urlencoded::from_str::<Vec<(String, String)>>(raw.as_deref().unwrap_or(""))
        .unwrap_or_default()
        .iter()
        .any(|(k, v)| k == "bom" && v == "1");
    Ok(csv_response("contacts.csv", body, bom))
}
