//! Which CSV column is which contact field: found from the header in several languages, or chosen by hand.

use crate::db::Result;
use crate::model::CustomField;

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
pub(super) const NAME: &[&str] = &["name", "nome", "nombre", "full name", "contact"];

pub(super) const PHONE: &[&str] = &[
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

pub(super) const EMAIL: &[&str] = &["email", "e-mail", "mail"];

pub(super) const TAGS: &[&str] = &["tags", "tag", "etiquetas", "labels"];

pub(super) const OPT_IN: &[&str] = &[
    "opt_in",
    "opt-in",
    "optin",
    "opted in",
    "consent",
    "consentimento",
];

pub(super) const OPT_IN_SOURCE: &[&str] =
    &["opt_in_source", "opt-in source", "consent source", "source"];

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
