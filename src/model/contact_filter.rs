//! Which contacts to show: the filter behind the contacts list, segments, exports and the API.
//! It has one text form (query pairs such as `tag=3&field=tier:eq:Gold`) shared by URLs, forms
//! and the API, and a JSON form stored in segments.

use super::FieldError;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Consent to receive messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum OptIn {
    /// Never recorded.
    #[default]
    Unknown,
    /// Opted in.
    In,
    /// Opted out.
    Out,
}

impl OptIn {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unknown => "unknown",
            Self::In => "in",
            Self::Out => "out",
        }
    }
}

impl fmt::Display for OptIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OptIn {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "unknown" => Ok(Self::Unknown),
            "in" => Ok(Self::In),
            "out" => Ok(Self::Out),
            _ => Err("Use in, out or unknown.".into()),
        }
    }
}

/// How a custom field is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldOp {
    /// Equal (text case-insensitively).
    Eq,
    /// Not equal, or no value.
    Ne,
    /// Contains (text).
    Contains,
    /// Greater than (numbers and dates).
    Gt,
    /// Less than (numbers and dates).
    Lt,
    /// Has a value.
    Set,
    /// Has no value.
    Unset,
}

/// Every operator with its label.
pub const FIELD_OPS: &[(FieldOp, &str)] = &[
    (FieldOp::Eq, "is"),
    (FieldOp::Ne, "is not"),
    (FieldOp::Contains, "contains"),
    (FieldOp::Gt, "is more than / after"),
    (FieldOp::Lt, "is less than / before"),
    (FieldOp::Set, "is set"),
    (FieldOp::Unset, "is empty"),
];

impl FieldOp {
    /// Name in the text form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Contains => "contains",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Set => "set",
            Self::Unset => "unset",
        }
    }

    /// True when the operator takes no value.
    #[must_use]
    pub fn unary(self) -> bool {
        matches!(self, Self::Set | Self::Unset)
    }
}

impl FromStr for FieldOp {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        FIELD_OPS
            .iter()
            .map(|(op, _)| *op)
            .find(|op| op.as_str() == s)
            .ok_or_else(|| "Use eq, ne, contains, gt, lt, set or unset.".into())
    }
}

/// One condition on a custom field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldCondition {
    /// Field key.
    pub key: String,
    /// Comparison.
    pub op: FieldOp,
    /// Value compared with (empty for set/unset).
    #[serde(default)]
    pub value: String,
}

impl fmt::Display for FieldCondition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.key, self.op.as_str(), self.value)
    }
}

impl FromStr for FieldCondition {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let mut parts = s.splitn(3, ':');
        let key = parts.next().unwrap_or_default().trim().to_string();
        let op: FieldOp = parts.next().unwrap_or_default().trim().parse()?;
        let value = parts.next().unwrap_or_default().trim().to_string();
        if key.is_empty() {
            return Err("Name a field: key:op:value.".into());
        }
        if !op.unary() && value.is_empty() {
            return Err(format!("Give a value to compare {key} with."));
        }
        Ok(Self { key, op, value })
    }
}

/// Order of the contacts list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ContactSort {
    /// Newest first.
    #[default]
    Newest,
    /// Oldest first.
    Oldest,
    /// By name A-Z.
    Name,
}

impl ContactSort {
    /// Name in the text form.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Name => "name",
        }
    }
}

impl FromStr for ContactSort {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "newest" | "" => Ok(Self::Newest),
            "oldest" => Ok(Self::Oldest),
            "name" => Ok(Self::Name),
            _ => Err("Use newest, oldest or name.".into()),
        }
    }
}

/// Longest search text.
pub const MAX_SEARCH: usize = 100;
/// Largest "last inbound within N days".
pub const MAX_INBOUND_DAYS: u32 = 3650;

/// A contacts filter. The empty filter matches every contact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct ContactFilter {
    /// Search in name, WhatsApp name, phone digits, email.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub q: String,
    /// Has at least one of these tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags_any: Vec<i64>,
    /// Has all of these tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags_all: Vec<i64>,
    /// Custom field conditions (all must hold).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldCondition>,
    /// Consent state.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opt_in: Option<OptIn>,
    /// Has (or has no) orders.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub has_orders: Option<bool>,
    /// Wrote to us within this many days.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbound_within_days: Option<u32>,
    /// Processing restricted (or not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restricted: Option<bool>,
    /// Order.
    pub sort: ContactSort,
}

/// A search text as typed, made safe for every search path: control characters (NUL, TAB, ...)
/// become spaces, runs of spaces become one, and the text is cut to `MAX_SEARCH` characters.
#[must_use]
pub fn search_text(v: &str) -> String {
    let spaced: String = v
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(MAX_SEARCH)
        .collect()
}

impl ContactFilter {
    /// Reads the text form. Unknown keys are ignored (pages add their own, such as `before`);
    /// every bad value is reported.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, Vec<FieldError>> {
        let mut f = Self::default();
        let mut errors = Vec::new();
        for (k, v) in pairs {
            let v = v.trim();
            match k.as_str() {
                "q" => f.q = search_text(v),
                "tag" | "tag_all" | "field" | "opt_in" | "inbound_days" if v.is_empty() => {}
                "tag" | "tag_all" => match v.parse::<i64>() {
                    Ok(id) if k == "tag" => f.tags_any.push(id),
                    Ok(id) => f.tags_all.push(id),
                    Err(_) => errors.push(FieldError::new(k.clone(), "Use a tag id.")),
                },
                "field" => match v.parse() {
                    Ok(c) => f.fields.push(c),
                    Err(e) => errors.push(FieldError::new("field", e)),
                },
                "opt_in" => match v.parse() {
                    Ok(o) => f.opt_in = Some(o),
                    Err(e) => errors.push(FieldError::new("opt_in", e)),
                },
                "has_orders" => match v {
                    "" => {}
                    "true" | "yes" => f.has_orders = Some(true),
                    "false" | "no" => f.has_orders = Some(false),
                    _ => errors.push(FieldError::new("has_orders", "Use true or false.")),
                },
                "restricted" => match v {
                    "" => {}
                    "true" | "yes" => f.restricted = Some(true),
                    "false" | "no" => f.restricted = Some(false),
                    _ => errors.push(FieldError::new("restricted", "Use true or false.")),
                },
                "inbound_days" => match v.parse::<u32>() {
                    Ok(d) if (1..=MAX_INBOUND_DAYS).contains(&d) => {
                        f.inbound_within_days = Some(d);
                    }
                    _ => errors.push(FieldError::new(
                        "inbound_days",
                        format!("Use a whole number of days from 1 to {MAX_INBOUND_DAYS}."),
                    )),
                },
                "sort" => match v.parse() {
                    Ok(s) => f.sort = s,
                    Err(e) => errors.push(FieldError::new("sort", e)),
                },
                _ => {}
            }
        }
        f.tags_any.sort_unstable();
        f.tags_any.dedup();
        f.tags_all.sort_unstable();
        f.tags_all.dedup();
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(errors)
        }
    }

    /// The text form, as query pairs.
    #[must_use]
    pub fn to_pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q", self.q.clone()));
        }
        out.extend(self.tags_any.iter().map(|t| ("tag", t.to_string())));
        out.extend(self.tags_all.iter().map(|t| ("tag_all", t.to_string())));
        out.extend(self.fields.iter().map(|c| ("field", c.to_string())));
        if let Some(o) = self.opt_in {
            out.push(("opt_in", o.to_string()));
        }
        if let Some(h) = self.has_orders {
            out.push(("has_orders", h.to_string()));
        }
        if let Some(d) = self.inbound_within_days {
            out.push(("inbound_days", d.to_string()));
        }
        if let Some(r) = self.restricted {
            out.push(("restricted", r.to_string()));
        }
        if self.sort != ContactSort::Newest {
            out.push(("sort", self.sort.as_str().into()));
        }
        out
    }

    /// The text form as a URL query string (without `?`).
    #[must_use]
    pub fn to_query(&self) -> String {
        serde_urlencoded::to_string(self.to_pairs()).unwrap_or_default()
    }

    /// True when it matches every contact.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        Self {
            sort: self.sort,
            ..Self::default()
        } == *self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(s: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(s).expect("pairs")
    }

    #[test]
    fn text_form_round_trips() {
        let q = "q=ana&tag=3&tag=1&tag_all=2&field=tier%3Aeq%3AGold&field=vip%3Aset%3A&opt_in=in&has_orders=true&inbound_days=30&sort=name";
        let f = ContactFilter::from_pairs(&pairs(q)).expect("valid");
        assert_eq!(f.tags_any, vec![1, 3]);
        assert_eq!(f.fields.len(), 2);
        assert_eq!(f.fields[0].op, FieldOp::Eq);
        assert_eq!(f.opt_in, Some(OptIn::In));
        let again = ContactFilter::from_pairs(&pairs(&f.to_query())).expect("valid");
        assert_eq!(f, again);
        let json = serde_json::to_string(&f).expect("json");
        assert_eq!(
            serde_json::from_str::<ContactFilter>(&json).expect("back"),
            f
        );
        assert!(ContactFilter::default().is_empty());
        assert!(!f.is_empty());
    }

    #[test]
    fn bad_values_are_all_reported() {
        let errors =
            ContactFilter::from_pairs(&pairs("tag=x&opt_in=maybe&inbound_days=0&field=tier:eq:"))
                .expect_err("invalid");
        let names: Vec<_> = errors.iter().map(|e| e.field.to_string()).collect();
        assert_eq!(names, ["tag", "opt_in", "inbound_days", "field"]);
    }
}
