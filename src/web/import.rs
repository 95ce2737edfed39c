//! The contacts import page: upload a CSV, see what would happen (dry run) or import it.

use super::error::Result;
use super::extract::CurrentUser;
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::crm::access::AdminAction;
use crate::crm::import::{self, Mapping, Report};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::sync::atomic::AtomicUsize;

/// Largest CSV accepted from the browser.
pub const MAX_CSV: usize = 20 * 1024 * 1024;

/// The import page, with the report of the last upload when there is one.
#[derive(Template, WebTemplate)]
#[template(path = "contacts/import.html")]
pub struct ImportPage {
    layout: Layout,
    error: String,
    report: Option<Report>,
    dry_run: bool,
    rows: usize,
    /// Columns chosen by hand: (field, column).
    overrides: Vec<(String, String)>,
    /// Which column fed which field.
    mapping: Vec<(String, String)>,
    fields: &'static [(&'static str, &'static str)],
}

impl ImportPage {
    fn chosen(&self, field: &str) -> &str {
        self.overrides
            .iter()
            .find(|(f, _)| f == field)
            .map_or("", |(_, c)| c.as_str())
    }
}

fn page(user: &CurrentUser) -> ImportPage {
    ImportPage {
        layout: Layout::new(&user.ctx, "Import contacts", Nav::Contacts),
        error: String::new(),
        report: None,
        dry_run: true,
        rows: 0,
        overrides: Vec::new(),
        mapping: Vec::new(),
        fields: import::MAPPABLE,
    }
}

/// `GET /contacts/import`.
pub async fn form(user: CurrentUser) -> Result<ImportPage> {
    user.require(AdminAction::Import)?;
    Ok(page(&user))
}

pub(super) fn parse_csv(
    bytes: &[u8],
) -> std::result::Result<(Vec<String>, Vec<Vec<String>>), String> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "The file is not UTF-8 text. Save it as “CSV UTF-8”.".to_string())?;
    let text = text.trim_start_matches('\u{feff}');
    let delimiter = if text
        .lines()
        .next()
        .is_some_and(|h| h.matches(';').count() > h.matches(',').count())
    {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| format!("Cannot read the header row: {e}"))?
        .iter()
        .map(String::from)
        .collect();
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| format!("Line {}: not valid CSV ({e}).", i + 2))?;
        rows.push(rec.iter().map(String::from).collect());
    }
    Ok((header, rows))
}

/// The import form as posted: the file, whether it is a dry run, and columns chosen by hand.
struct Upload {
    bytes: Vec<u8>,
    dry_run: bool,
    overrides: Vec<(String, String)>,
}

impl Upload {
    async fn read(form: &mut Multipart) -> Self {
        let mut up = Upload {
            bytes: Vec::new(),
            dry_run: false,
            overrides: Vec::new(),
        };
        while let Ok(Some(field)) = form.next_field().await {
            let name = field.name().unwrap_or("").to_string();
            match name.as_str() {
                "file" => up.bytes = field.bytes().await.map(|b| b.to_vec()).unwrap_or_default(),
                "dry_run" => up.dry_run = true,
                n if n.starts_with("map_") => {
                    let v = field.text().await.unwrap_or_default();
                    if !v.trim().is_empty() {
                        up.overrides
                            .push((n["map_".len()..].to_string(), v.trim().to_string()));
                    }
                }
                _ => {}
            }
        }
        up
    }
}

/// `POST /contacts/import` (multipart: `file`, `dry_run`).
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    mut form: Multipart,
) -> Result<Response> {
    user.require(AdminAction::Import)?;
    let mut p = page(&user);
    let Upload {
        bytes,
        dry_run,
        overrides,
    } = Upload::read(&mut form).await;
    p.overrides.clone_from(&overrides);
    p.dry_run = dry_run;
    let parsed = if bytes.is_empty() {
        Err("Choose a CSV file.".to_string())
    } else {
        parse_csv(&bytes)
    };
    let (header, records) = match parsed {
        Ok(x) => x,
        Err(e) => {
            p.error = e;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    };
    let defs = state.db.read(crate::db::custom_fields::list).await?;
    let mut mapping = Mapping::from_header_with_fields(&header, &defs);
    for (field, spec) in &overrides {
        if let Err(e) = mapping.set(field, &header, spec) {
            p.error = format!("Column for {field}: {e}.");
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
        }
    }
    p.mapping = mapping.describe(&header);
    if mapping.phone.is_none() {
        p.error = format!(
            "No phone column found. Name one of the columns “phone” (or telefone, whatsapp). The header has: {}.",
            header.join(", ")
        );
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    }
    let rows = import::parse_rows(
        &records,
        &mapping,
        state.config.crm.default_region.as_deref(),
    );
    p.rows = rows.len();
    let now = state.clock.now();
    let report = state
        .db
        .write(move |c| import::apply(c, &rows, dry_run, &AtomicUsize::new(0), now))
        .await?;
    p.report = Some(report);
    Ok(p.into_response())
}
