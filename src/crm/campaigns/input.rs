//! What a person sets on a campaign, and its checks: every problem at once, nothing saved.

use crate::crm::{Error, Result, outbound::placeholders};
use crate::db;
use crate::model::campaign::Binding;
use crate::model::{FieldError, TemplateHeader, TemplateStatus};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Longest campaign name.
pub const MAX_NAME: usize = 100;

/// A campaign's settings, from the page or the API.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Input {
    /// Name (unique).
    pub name: String,
    /// Template name.
    pub template_name: String,
    /// Template language.
    pub template_language: String,
    /// One binding per body variable.
    pub variables: Vec<Binding>,
    /// Media header (templates with an image, video or document header).
    pub header: Option<TemplateHeader>,
    /// Segments whose contacts get it.
    pub include: Vec<i64>,
    /// Segments whose contacts never do.
    pub exclude: Vec<i64>,
    /// Utility templates: contacts whose consent is unknown get it too.
    pub allow_unknown: bool,
    /// When it goes out (UTC); `None`: when it is sent.
    pub scheduled_at: Option<OffsetDateTime>,
}

/// The template as the campaign uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateUse {
    /// Meta's category (MARKETING, UTILITY, AUTHENTICATION).
    pub category: String,
    /// The body's placeholders in order (names for named templates).
    pub placeholders: Vec<String>,
    /// Named parameters.
    pub named: bool,
    /// The body text.
    pub body: String,
}

/// Reads the template of a campaign: it must exist and be approved.
pub fn template_use(conn: &Connection, name: &str, language: &str) -> Result<TemplateUse> {
    let Some(t) = db::templates::find(conn, name, language)? else {
        return Err(Error::Template(format!(
            "There is no template `{name}` in {language}. Sync templates from Meta first."
        )));
    };
    if t.status != TemplateStatus::Approved {
        return Err(Error::Template(format!(
            "Template `{name}` ({language}) is {}, not APPROVED; Meta would refuse it.",
            t.status
        )));
    }
    let components = t.components()?;
    let body = components.body_text().to_string();
    Ok(TemplateUse {
        category: t.category.to_ascii_uppercase(),
        placeholders: placeholders(&body),
        named: t.parameter_format.eq_ignore_ascii_case("NAMED"),
        body,
    })
}

/// Checks `input` (`except`: the campaign being edited), listing every problem.
pub fn check(conn: &Connection, input: &Input, except: Option<i64>) -> Result<TemplateUse> {
    let mut e: Vec<FieldError> = Vec::new();
    let name = input.name.trim();
    if name.is_empty() {
        e.push(FieldError::new("name", "Give the campaign a name."));
    } else if name.chars().count() > MAX_NAME {
        e.push(FieldError::new(
            "name",
            format!("Use at most {MAX_NAME} characters."),
        ));
    } else if db::campaigns::name_taken(conn, name, except)? {
        e.push(FieldError::new(
            "name",
            "Another campaign has this name; choose another.",
        ));
    }
    let template = match template_use(conn, &input.template_name, &input.template_language) {
        Ok(t) => Some(t),
        Err(Error::Template(m)) => {
            e.push(FieldError::new("template", m));
            None
        }
        Err(other) => return Err(other),
    };
    if let Some(t) = &template {
        check_variables(conn, input, t, &mut e)?;
        check_header(conn, input, &mut e)?;
        if input.allow_unknown && t.category != "UTILITY" {
            e.push(FieldError::new(
                "allow_unknown",
                "Only a utility template may go to contacts whose consent is unknown.",
            ));
        }
    }
    if input.include.is_empty() {
        e.push(FieldError::new(
            "include",
            "Choose at least one segment to send to.",
        ));
    }
    for (field, ids) in [("include", &input.include), ("exclude", &input.exclude)] {
        for id in ids {
            if db::segments::get(conn, *id)?.is_none() {
                e.push(FieldError::new(field, format!("There is no segment {id}.")));
            }
        }
    }
    match template {
        Some(t) if e.is_empty() => Ok(t),
        _ => Err(Error::Invalid(e)),
    }
}

fn check_variables(
    conn: &Connection,
    input: &Input,
    t: &TemplateUse,
    e: &mut Vec<FieldError>,
) -> Result<()> {
    if input.variables.len() != t.placeholders.len() {
        e.push(FieldError::new(
            "variables",
            format!(
                "The template body has {} variable(s); {} set.",
                t.placeholders.len(),
                input.variables.len()
            ),
        ));
        return Ok(());
    }
    let fields = db::custom_fields::list(conn)?;
    for (i, b) in input.variables.iter().enumerate() {
        if let Err(m) = b.check(i + 1) {
            e.push(FieldError::new("variables", m));
        } else if let Some(key) = b.custom_key()
            && !fields.iter().any(|f| f.key == key)
        {
            e.push(FieldError::new(
                "variables",
                format!("Variable {}: there is no custom field `{key}`.", i + 1),
            ));
        }
    }
    Ok(())
}

fn check_header(conn: &Connection, input: &Input, e: &mut Vec<FieldError>) -> Result<()> {
    let Some(t) = db::templates::find(conn, &input.template_name, &input.template_language)? else {
        return Ok(());
    };
    let components = t.components()?;
    let header = components.header();
    let format = header.map_or("TEXT", |h| h.format.as_str());
    let vars = placeholders(header.map_or("", |h| h.text.as_str()));
    match (format, &input.header) {
        ("IMAGE", Some(TemplateHeader::Image { media_id }))
        | ("VIDEO", Some(TemplateHeader::Video { media_id }))
        | ("DOCUMENT", Some(TemplateHeader::Document { media_id, .. }))
            if !media_id.trim().is_empty() => {}
        ("IMAGE" | "VIDEO" | "DOCUMENT", _) if header.is_some() => e.push(FieldError::new(
            "header",
            format!(
                "This template's header is a {}: upload one.",
                format.to_lowercase()
            ),
        )),
        (_, Some(_)) => e.push(FieldError::new(
            "header",
            "This template has no media header; remove the file.",
        )),
        _ if !vars.is_empty() => e.push(FieldError::new(
            "header",
            "Templates with variables in a text header cannot be broadcast yet; choose another template.",
        )),
        _ => {}
    }
    Ok(())
}
