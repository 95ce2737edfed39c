//! Admin-defined contact fields: kinds, stable keys, and values parsed into one canonical
//! text form (numbers as decimal text, dates `YYYY-MM-DD`, checkboxes `true`/`false`).

use std::fmt;
use std::str::FromStr;

/// Longest field key.
pub const MAX_FIELD_KEY: usize = 40;
/// Longest text value.
pub const MAX_FIELD_VALUE: usize = 1000;

/// What a custom field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldKind {
    /// Free text.
    Text,
    /// A decimal number.
    Number,
    /// A calendar date.
    Date,
    /// One of the field's options.
    Select,
    /// Yes or no.
    Checkbox,
    /// An http(s) address.
    Url,
}

/// Every kind, in the order forms offer them.
pub const FIELD_KINDS: &[FieldKind] = &[
    FieldKind::Text,
    FieldKind::Number,
    FieldKind::Date,
    FieldKind::Select,
    FieldKind::Checkbox,
    FieldKind::Url,
];

impl FieldKind {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Date => "date",
            Self::Select => "select",
            Self::Checkbox => "checkbox",
            Self::Url => "url",
        }
    }
}

impl fmt::Display for FieldKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for FieldKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        FIELD_KINDS
            .iter()
            .copied()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| "Choose text, number, date, select, checkbox or url.".to_string())
    }
}

/// A field definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomField {
    /// Row id.
    pub id: i64,
    /// Stable key (`[a-z][a-z0-9_]*`).
    pub key: String,
    /// Label shown to people.
    pub label: String,
    /// Kind of value.
    pub kind: FieldKind,
    /// Choices of a select field.
    pub options: Vec<String>,
}

/// Checks a field key: lower-case letter first, then letters, digits or `_`.
pub fn check_field_key(key: &str) -> Result<(), String> {
    let ok = !key.is_empty()
        && key.len() <= MAX_FIELD_KEY
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "Use 1 to {MAX_FIELD_KEY} characters: a lower-case letter, then letters, digits or _."
        ))
    }
}

impl CustomField {
    /// Parses a value typed for this field into its canonical form; `None` clears it.
    pub fn parse_value(&self, input: &str) -> Result<Option<String>, String> {
        let v = input.trim();
        if v.is_empty() {
            return Ok(None);
        }
        if v.chars().count() > MAX_FIELD_VALUE {
            return Err(format!("Use at most {MAX_FIELD_VALUE} characters."));
        }
        let value = match self.kind {
            FieldKind::Text => v.to_string(),
            FieldKind::Number => canonical_number(v)?,
            FieldKind::Date => {
                let fmt = time::macros::format_description!("[year]-[month]-[day]");
                time::Date::parse(v, &fmt)
                    .map_err(|_| "Use a date as YYYY-MM-DD, for example 2026-03-31.".to_string())?
                    .format(&fmt)
                    .map_err(|e| e.to_string())?
            }
            FieldKind::Select => self
                .options
                .iter()
                .find(|o| o.eq_ignore_ascii_case(v))
                .cloned()
                .ok_or_else(|| format!("Choose one of: {}.", self.options.join(", ")))?,
            FieldKind::Checkbox => match v.to_ascii_lowercase().as_str() {
                "true" | "yes" | "on" | "1" | "sim" | "sí" | "si" => "true".into(),
                "false" | "no" | "off" | "0" | "não" | "nao" => "false".into(),
                _ => return Err("Use yes or no.".into()),
            },
            FieldKind::Url => {
                let lower = v.to_ascii_lowercase();
                let rest = lower
                    .strip_prefix("https://")
                    .or_else(|| lower.strip_prefix("http://"));
                match rest {
                    Some(host) if !host.is_empty() && !v.contains(char::is_whitespace) => {
                        v.to_string()
                    }
                    _ => return Err("Use an address starting with https:// or http://.".into()),
                }
            }
        };
        Ok(Some(value))
    }

    /// The number a canonical value compares as (numbers only).
    #[must_use]
    pub fn numeric(&self, canonical: &str) -> Option<f64> {
        (self.kind == FieldKind::Number)
            .then(|| canonical.parse().ok())
            .flatten()
    }
}

/// A decimal number in canonical form: optional minus, digits, optional fraction without
/// trailing zeros. Accepts a decimal comma when there is no dot.
fn canonical_number(v: &str) -> Result<String, String> {
    let err = || "Use a number, for example 42 or 3.5.".to_string();
    let v = if v.contains('.') {
        v.to_string()
    } else {
        v.replacen(',', ".", 1)
    };
    let (neg, digits) = v
        .strip_prefix('-')
        .map_or((false, v.as_str()), |d| (true, d));
    let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || int.len() > 15
        || frac.len() > 6
    {
        return Err(err());
    }
    let int = int.trim_start_matches('0');
    let int = if int.is_empty() { "0" } else { int };
    let frac = frac.trim_end_matches('0');
    let mut out = String::new();
    if neg && (int != "0" || !frac.is_empty()) {
        out.push('-');
    }
    out.push_str(int);
    if !frac.is_empty() {
        out.push('.');
        out.push_str(frac);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(kind: FieldKind) -> CustomField {
        CustomField {
            id: 1,
            key: "k".into(),
            label: "K".into(),
            kind,
            options: vec!["Gold".into(), "Silver".into()],
        }
    }

    #[test]
    fn values_parse_to_canonical_form() {
        type Case<'a> = (FieldKind, &'a str, Result<Option<&'a str>, ()>);
        let cases: &[Case<'_>] = &[
            (FieldKind::Text, "  hi ", Ok(Some("hi"))),
            (FieldKind::Text, "   ", Ok(None)),
            (FieldKind::Number, "042.50", Ok(Some("42.5"))),
            (FieldKind::Number, "3,25", Ok(Some("3.25"))),
            (FieldKind::Number, "-0", Ok(Some("0"))),
            (FieldKind::Number, "1e5", Err(())),
            (FieldKind::Number, "12abc", Err(())),
            (FieldKind::Date, "2026-02-28", Ok(Some("2026-02-28"))),
            (FieldKind::Date, "2026-02-30", Err(())),
            (FieldKind::Date, "28/02/2026", Err(())),
            (FieldKind::Select, "gold", Ok(Some("Gold"))),
            (FieldKind::Select, "Bronze", Err(())),
            (FieldKind::Checkbox, "Yes", Ok(Some("true"))),
            (FieldKind::Checkbox, "0", Ok(Some("false"))),
            (FieldKind::Checkbox, "maybe", Err(())),
            (
                FieldKind::Url,
                "https://shop.example/x",
                Ok(Some("https://shop.example/x")),
            ),
            (FieldKind::Url, "javascript:alert(1)", Err(())),
            (FieldKind::Url, "https://", Err(())),
        ];
        for (kind, input, want) in cases {
            let got = field(*kind).parse_value(input);
            match want {
                Ok(w) => assert_eq!(got.ok().flatten().as_deref(), *w, "{kind} {input:?}"),
                Err(()) => assert!(got.is_err(), "{kind} {input:?} gave {got:?}"),
            }
        }
    }

    #[test]
    fn keys_are_checked() {
        assert!(check_field_key("loyalty_tier2").is_ok());
        for bad in ["", "Tier", "2tier", "tier-x", "tier x", &"a".repeat(41)] {
            assert!(check_field_key(bad).is_err(), "{bad}");
        }
    }
}
