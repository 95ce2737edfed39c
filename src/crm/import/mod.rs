//! Importing contacts from CSV: columns mapped to fields, every row checked first (a dry run
//! reports what would be created, updated or skipped and why, by row number), then applied in
//! one transaction, so an import is never half done.

mod mapping;

use super::identity::with_variants;
use crate::db::{self, Result};
use crate::model::{ContactId, CustomField, Email, OptIn, PhoneE164, check_tag};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::OffsetDateTime;

pub use mapping::*;

/// Reads a consent cell.
fn parse_opt_in(v: &str) -> Result<Option<OptIn>, String> {
    match v.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "in" | "opted in" | "sim" | "s" | "sí" | "si" => {
            Ok(Some(OptIn::In))
        }
        "no" | "n" | "false" | "0" | "out" | "opted out" | "não" | "nao" => Ok(Some(OptIn::Out)),
        other => Err(format!("opt-in: `{other}` is not yes or no")),
    }
}

/// A row ready to apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedRow {
    /// 1-based line number in the file (the header is line 1).
    pub line: usize,
    /// Name, may be empty.
    pub name: String,
    /// Normalised phone.
    pub phone: PhoneE164,
    /// Email.
    pub email: Option<String>,
    /// Tag names.
    pub tags: Vec<String>,
    /// Consent, when the row gives it.
    pub opt_in: Option<OptIn>,
    /// Source of the consent.
    pub opt_in_source: String,
    /// Custom field values (empty cells are left out: they change nothing).
    pub fields: Vec<(CustomField, Option<String>)>,
}

/// What happened (or would happen) to a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowAction {
    /// A new contact.
    Created,
    /// An existing contact got the row's details.
    Updated(ContactId),
    /// Not imported, with the reason.
    Skipped(String),
}

/// The outcome of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    /// Contacts created.
    pub created: usize,
    /// Contacts updated.
    pub updated: usize,
    /// Rows skipped: (line, reason).
    pub skipped: Vec<(usize, String)>,
    /// Tags created on the way.
    pub tags_created: usize,
    /// Consent changes recorded.
    pub consents: usize,
    /// For every row that updates an existing contact, what changes.
    pub changes: Vec<Change>,
}

/// What a row changes on an existing contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The row's line.
    pub line: usize,
    /// The contact.
    pub contact: ContactId,
    /// Their name (before).
    pub name: String,
    /// (field, old, new); empty when the row changes nothing.
    pub fields: Vec<(String, String, String)>,
}

/// What row `r` changes on existing contact `id`, field by field.
fn changes_of(conn: &Connection, id: ContactId, r: &ParsedRow) -> Result<Change> {
    let current = db::contacts::get(conn, id)?;
    let mut fields = Vec::new();
    let (name, email, opt_in) = current.as_ref().map_or_else(
        || (String::new(), None, OptIn::Unknown),
        |c| (c.name.clone(), c.email.clone(), c.opt_in),
    );
    if !r.name.is_empty() && r.name != name {
        fields.push(("name".into(), name.clone(), r.name.clone()));
    }
    if let Some(new) = &r.email
        && email.as_ref() != Some(new)
    {
        fields.push(("email".into(), email.unwrap_or_default(), new.clone()));
    }
    if let Some(state) = r.opt_in
        && state != opt_in
    {
        fields.push(("opt-in".into(), opt_in.to_string(), state.to_string()));
    }
    let values = super::fields::values_of(conn, id)?;
    for (f, new) in &r.fields {
        let old = values
            .iter()
            .find(|(d, _)| d.id == f.id)
            .and_then(|(_, v)| v.clone());
        if old != *new {
            fields.push((
                f.label.clone(),
                old.unwrap_or_default(),
                new.clone().unwrap_or_default(),
            ));
        }
    }
    let have: Vec<String> = db::tags::for_contact(conn, id)?
        .into_iter()
        .map(|t| t.name.to_lowercase())
        .collect();
    let added: Vec<&str> = r
        .tags
        .iter()
        .filter(|t| !have.contains(&t.to_lowercase()))
        .map(String::as_str)
        .collect();
    if !added.is_empty() {
        fields.push((
            "tags".into(),
            String::new(),
            format!("+ {}", added.join(", ")),
        ));
    }
    Ok(Change {
        line: r.line,
        contact: id,
        name: current.map(|c| c.display_name()).unwrap_or_default(),
        fields,
    })
}

/// Checks every record; rows with problems become `Skipped` with the reason.
#[must_use]
pub fn parse_rows(
    records: &[Vec<String>],
    mapping: &Mapping,
    region: Option<&str>,
) -> Vec<Result<ParsedRow, (usize, String)>> {
    let mut seen: HashMap<PhoneE164, usize> = HashMap::new();
    records
        .iter()
        .enumerate()
        .map(|(i, rec)| {
            let line = i + 2;
            let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).map_or("", |s| s.trim());
            // Every problem of the row is reported, not only the first.
            let mut problems: Vec<String> = Vec::new();
            let phone = PhoneE164::parse(get(mapping.phone), region)
                .map_err(|e| problems.push(format!("phone: {e}")))
                .ok();
            if let Some(p) = &phone {
                if let Some(first) = with_variants(p).iter().find_map(|v| seen.get(v)) {
                    problems.push(format!("same phone as line {first}"));
                } else {
                    seen.insert(p.clone(), line);
                }
            }
            let email = match get(mapping.email) {
                "" => None,
                e => Email::parse(e)
                    .map_err(|err| problems.push(format!("email: {err}")))
                    .ok()
                    .map(|e| e.to_string()),
            };
            let name = get(mapping.name).to_string();
            if name.chars().count() > 200 {
                problems.push("name: longer than 200 characters".into());
            }
            let mut tags = Vec::new();
            for t in get(mapping.tags)
                .split([';', ','])
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                match check_tag(t, "teal") {
                    Ok(checked) if !tags.contains(&checked) => tags.push(checked),
                    Ok(_) => {}
                    Err(e) => problems.push(format!("tag `{t}`: {}", e.message)),
                }
            }
            let opt_in = parse_opt_in(get(mapping.opt_in))
                .map_err(|e| problems.push(e))
                .ok()
                .flatten();
            let opt_in_source = get(mapping.opt_in_source).to_string();
            let mut fields = Vec::new();
            for (col, f) in &mapping.fields {
                let cell = get(Some(*col));
                if cell.is_empty() {
                    continue;
                }
                match f.parse_value(cell) {
                    Ok(v) => fields.push((f.clone(), v)),
                    Err(e) => problems.push(format!("{}: {e}", f.key)),
                }
            }
            match phone {
                Some(phone) if problems.is_empty() => Ok(ParsedRow {
                    line,
                    name,
                    phone,
                    email,
                    tags,
                    opt_in,
                    opt_in_source,
                    fields,
                }),
                _ => Err((line, problems.join("; "))),
            }
        })
        .collect()
}

/// Creates or updates the contact of a row (only counts it on a dry run); returns its id.
fn upsert(
    conn: &Connection,
    r: &ParsedRow,
    dry_run: bool,
    report: &mut Report,
    now: OffsetDateTime,
) -> Result<Option<ContactId>> {
    let Some(id) = db::contacts::find_by_phones(conn, &with_variants(&r.phone))? else {
        report.created += 1;
        if dry_run {
            return Ok(None);
        }
        return Ok(Some(db::contacts::insert_manual(
            conn,
            &r.name,
            &r.phone,
            r.email.as_deref(),
            now,
        )?));
    };
    report.updated += 1;
    report.changes.push(changes_of(conn, id, r)?);
    if !dry_run {
        let current = db::contacts::get(conn, id)?;
        let name = if r.name.is_empty() {
            current.as_ref().map(|c| c.name.clone()).unwrap_or_default()
        } else {
            r.name.clone()
        };
        let email = r.email.clone().or_else(|| current.and_then(|c| c.email));
        db::contacts::set_details(conn, id, &name, None, email.as_deref(), now)?;
    }
    Ok(Some(id))
}

/// Applies (or, with `dry_run`, only evaluates) checked rows. Call inside one transaction;
/// `progress` counts rows done.
pub fn apply(
    conn: &Connection,
    rows: &[Result<ParsedRow, (usize, String)>],
    dry_run: bool,
    progress: &AtomicUsize,
    now: OffsetDateTime,
) -> super::Result<Report> {
    let mut report = Report::default();
    let mut tag_ids: HashMap<String, i64> = db::tags::list(conn)?
        .into_iter()
        .map(|(t, _)| (t.name.to_lowercase(), t.id))
        .collect();
    for row in rows {
        progress.fetch_add(1, Ordering::Relaxed);
        let r = match row {
            Ok(r) => r,
            Err((line, why)) => {
                report.skipped.push((*line, why.clone()));
                continue;
            }
        };
        let id = upsert(conn, r, dry_run, &mut report, now)?;
        if let (Some(contact), false) = (id, dry_run) {
            super::fields::write_values(conn, contact, &r.fields)?;
        }
        if let Some(state) = r.opt_in {
            let changed = match (id, dry_run) {
                (Some(contact), false) => {
                    let consent = super::consent::Consent {
                        state,
                        source: r.opt_in_source.clone(),
                        fallback: format!("CSV import, line {}", r.line),
                        by: None,
                    };
                    super::consent::record(conn, contact, &consent, now)?
                }
                // Dry run: a new contact always changes; an existing one when it differs.
                (Some(contact), true) => {
                    db::contacts::get(conn, contact)?.is_none_or(|c| c.opt_in != state)
                }
                (None, _) => true,
            };
            if changed {
                report.consents += 1;
            }
        }
        for t in &r.tags {
            let key = t.to_lowercase();
            let tag = if let Some(id) = tag_ids.get(&key) {
                *id
            } else {
                report.tags_created += 1;
                let new_id = if dry_run {
                    -1 - i64::try_from(report.tags_created).unwrap_or(0)
                } else {
                    db::tags::insert(conn, t, "teal", now)?
                };
                tag_ids.insert(key, new_id);
                new_id
            };
            if let (Some(contact), false) = (id, dry_run) {
                db::tags::tag_contacts(conn, tag, &[contact])?;
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests;
