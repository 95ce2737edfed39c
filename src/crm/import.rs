//! Importing contacts from CSV: columns mapped to fields, every row checked first (a dry run
//! reports what would be created, updated or skipped and why, by row number), then applied in
//! one transaction, so an import is never half done.

use super::identity::with_variants;
use crate::db::{self, Result};
use crate::model::{ContactId, CustomField, Email, OptIn, PhoneE164, check_tag};
use rusqlite::Connection;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use time::OffsetDateTime;

/// Which column (0-based) holds which field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Mapping {
    /// Contact name.
    pub name: Option<usize>,
    /// Phone (required).
    pub phone: Option<usize>,
    /// Email.
    pub email: Option<usize>,
    /// Tags, separated by `;` or `,`.
    pub tags: Option<usize>,
    /// Consent: yes/no (in/out, sim/não ...); empty leaves it as it is.
    pub opt_in: Option<usize>,
    /// Where the consent was given (kept in the consent ledger).
    pub opt_in_source: Option<usize>,
    /// Custom fields by column (header = the field's key or label).
    pub fields: Vec<(usize, CustomField)>,
}

/// Header names recognised for each field (lower case).
const NAME: &[&str] = &["name", "nome", "nombre", "full name", "contact"];
const PHONE: &[&str] = &[
    "phone",
    "telefone",
    "teléfono",
    "telefono",
    "whatsapp",
    "mobile",
    "celular",
    "number",
    "phone number",
];
const EMAIL: &[&str] = &["email", "e-mail", "mail"];
const TAGS: &[&str] = &["tags", "tag", "etiquetas", "labels"];
const OPT_IN: &[&str] = &[
    "opt_in",
    "opt-in",
    "optin",
    "opted in",
    "consent",
    "consentimento",
];
const OPT_IN_SOURCE: &[&str] = &["opt_in_source", "opt-in source", "consent source", "source"];

impl Mapping {
    /// Guesses the mapping from a header row.
    #[must_use]
    pub fn from_header(header: &[String]) -> Self {
        let find = |names: &[&str]| {
            header
                .iter()
                .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
        };
        Self {
            name: find(NAME),
            phone: find(PHONE),
            email: find(EMAIL),
            tags: find(TAGS),
            opt_in: find(OPT_IN),
            opt_in_source: find(OPT_IN_SOURCE),
            fields: Vec::new(),
        }
    }

    /// Guesses the mapping, custom field columns included (named by key or label).
    #[must_use]
    pub fn from_header_with_fields(header: &[String], defs: &[CustomField]) -> Self {
        let mut m = Self::from_header(header);
        let taken = [m.name, m.phone, m.email, m.tags, m.opt_in, m.opt_in_source];
        for (i, h) in header.iter().enumerate() {
            if taken.contains(&Some(i)) {
                continue;
            }
            let h = h.trim();
            if let Some(f) = defs
                .iter()
                .find(|f| f.key.eq_ignore_ascii_case(h) || f.label.eq_ignore_ascii_case(h))
            {
                m.fields.push((i, f.clone()));
            }
        }
        m
    }
}

/// The built-in fields a column can be mapped to by hand, as (name, description).
pub const MAPPABLE: &[(&str, &str)] = &[
    ("name", "Name"),
    ("phone", "Phone"),
    ("email", "Email"),
    ("tags", "Tags"),
    ("opt_in", "Opt-in (yes/no)"),
    ("opt_in_source", "Opt-in source"),
];

/// Finds a column by its header (case-insensitive) or 1-based number.
pub fn find_column(header: &[String], spec: &str) -> Result<usize, String> {
    if let Ok(n) = spec.trim().parse::<usize>() {
        if n >= 1 && n <= header.len() {
            return Ok(n - 1);
        }
        return Err(format!(
            "column {n} does not exist (the file has {})",
            header.len()
        ));
    }
    header
        .iter()
        .position(|h| h.trim().eq_ignore_ascii_case(spec.trim()))
        .ok_or_else(|| {
            format!(
                "no column named `{}`; the header has: {}",
                spec.trim(),
                header.join(", ")
            )
        })
}

impl Mapping {
    /// Maps `field` (one of `MAPPABLE`) to the column `spec` names, overriding the guess.
    pub fn set(&mut self, field: &str, header: &[String], spec: &str) -> Result<(), String> {
        let col = Some(find_column(header, spec)?);
        match field {
            "name" => self.name = col,
            "phone" => self.phone = col,
            "email" => self.email = col,
            "tags" => self.tags = col,
            "opt_in" => self.opt_in = col,
            "opt_in_source" => self.opt_in_source = col,
            other => return Err(format!("`{other}` is not a contact field")),
        }
        self.fields.retain(|(c, _)| Some(*c) != col);
        Ok(())
    }

    /// Which column feeds which field, for people: `(field, column header)`.
    #[must_use]
    pub fn describe(&self, header: &[String]) -> Vec<(String, String)> {
        let name = |c: usize| header.get(c).cloned().unwrap_or_default();
        let mut out: Vec<(String, String)> = [
            ("name", self.name),
            ("phone", self.phone),
            ("email", self.email),
            ("tags", self.tags),
            ("opt_in", self.opt_in),
            ("opt_in_source", self.opt_in_source),
        ]
        .into_iter()
        .filter_map(|(f, c)| c.map(|c| (f.to_string(), name(c))))
        .collect();
        out.extend(
            self.fields
                .iter()
                .map(|(c, f)| (format!("custom field {}", f.key), name(*c))),
        );
        out
    }
}

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
            let phone = PhoneE164::parse(get(mapping.phone), region)
                .map_err(|e| (line, format!("phone: {e}")))?;
            for v in with_variants(&phone) {
                if let Some(first) = seen.get(&v) {
                    return Err((line, format!("same phone as line {first}")));
                }
            }
            seen.insert(phone.clone(), line);
            let email = match get(mapping.email) {
                "" => None,
                e => Some(
                    Email::parse(e)
                        .map_err(|err| (line, format!("email: {err}")))?
                        .to_string(),
                ),
            };
            let name = get(mapping.name).to_string();
            if name.chars().count() > 200 {
                return Err((line, "name: longer than 200 characters".into()));
            }
            let mut tags = Vec::new();
            for t in get(mapping.tags)
                .split([';', ','])
                .map(str::trim)
                .filter(|t| !t.is_empty())
            {
                let checked = check_tag(t, "teal")
                    .map_err(|e| (line, format!("tag `{t}`: {}", e.message)))?;
                if !tags.contains(&checked) {
                    tags.push(checked);
                }
            }
            let opt_in = parse_opt_in(get(mapping.opt_in)).map_err(|e| (line, e))?;
            let opt_in_source = get(mapping.opt_in_source).to_string();
            let mut fields = Vec::new();
            for (col, f) in &mapping.fields {
                let cell = get(Some(*col));
                if cell.is_empty() {
                    continue;
                }
                let v = f
                    .parse_value(cell)
                    .map_err(|e| (line, format!("{}: {e}", f.key)))?;
                fields.push((f.clone(), v));
            }
            Ok(ParsedRow {
                line,
                name,
                phone,
                email,
                tags,
                opt_in,
                opt_in_source,
                fields,
            })
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
mod tests {
    use super::*;

    fn recs(rows: &[&[&str]]) -> Vec<Vec<String>> {
        rows.iter()
            .map(|r| r.iter().map(|s| (*s).to_string()).collect())
            .collect()
    }

    #[test]
    fn header_names_map_to_fields_in_several_languages() {
        let m = Mapping::from_header(&[
            "Nome".into(),
            "Telefone".into(),
            "E-mail".into(),
            "Etiquetas".into(),
        ]);
        assert_eq!(
            m,
            Mapping {
                name: Some(0),
                phone: Some(1),
                email: Some(2),
                tags: Some(3),
                ..Mapping::default()
            }
        );
    }

    #[tokio::test]
    async fn a_failure_part_way_leaves_nothing_behind() {
        let (db, _dir) = crate::db::testing::temp_db();
        db.write(|c| crate::db::testing::fail_contact_inserts_named(c, "boom"))
            .await
            .expect("trigger");
        let m = Mapping {
            name: Some(0),
            phone: Some(1),
            email: None,
            tags: Some(2),
            ..Mapping::default()
        };
        let rows = parse_rows(
            &recs(&[
                &["Ana", "+5511988887777", "VIP"],
                &["Bia", "+5521988880000", ""],
                &["boom", "+5531977770000", ""],
            ]),
            &m,
            None,
        );
        let done = AtomicUsize::new(0);
        let now = OffsetDateTime::now_utc();
        let result = db.write(move |c| apply(c, &rows, false, &done, now)).await;
        assert!(result.is_err());
        let counts = db
            .read(|c| -> crate::db::Result<_> {
                Ok((
                    crate::db::contacts::count(c)?,
                    crate::db::tags::list(c)?.len(),
                ))
            })
            .await
            .expect("read");
        assert_eq!(
            counts,
            (0, 0),
            "no contact and no tag from the failed import"
        );
    }

    #[test]
    fn bad_rows_are_reported_by_line_number() {
        let m = Mapping {
            name: Some(0),
            phone: Some(1),
            email: Some(2),
            tags: Some(3),
            ..Mapping::default()
        };
        let rows = parse_rows(
            &recs(&[
                &["Ana", "(11) 98888-7777", "ana@example.com", "VIP; Atacado"],
                &["Bad phone", "123", "", ""],
                &["Bad email", "(21) 97777-6666", "nope", ""],
                &["Ana again", "+55 11 98888-7777", "", ""],
            ]),
            &m,
            Some("BR"),
        );
        assert!(rows[0].as_ref().is_ok_and(|r| r.tags == ["VIP", "Atacado"] && r.phone.as_str() == "+5511988887777"));
        assert_eq!(
            rows[1],
            Err((3, "phone: 123 is not a valid phone number.".into()))
        );
        assert!(matches!(&rows[2], Err((4, why)) if why.starts_with("email:")));
        assert_eq!(rows[3], Err((5, "same phone as line 2".into())));
    }
}
