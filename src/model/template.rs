//! Message templates as Meta stores them: the review status and the components (header, body,
//! footer, buttons), parsed in one place with one rule for names (Meta's are upper case; any
//! case is accepted).

use std::fmt;

/// A template's review status at Meta.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TemplateStatus {
    /// Submitted here, no answer from Meta yet.
    #[default]
    NotReviewed,
    /// Meta is reviewing it.
    Pending,
    /// Approved: it may be sent.
    Approved,
    /// Refused (see the reason).
    Rejected,
    /// Paused for low quality.
    Paused,
    /// Disabled.
    Disabled,
    /// Any other status Meta names (kept as Meta wrote it, upper case).
    Other(String),
}

impl TemplateStatus {
    /// Reads Meta's status (any case); blank is "not reviewed".
    #[must_use]
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_uppercase().as_str() {
            "" => Self::NotReviewed,
            "PENDING" => Self::Pending,
            "APPROVED" => Self::Approved,
            "REJECTED" => Self::Rejected,
            "PAUSED" => Self::Paused,
            "DISABLED" => Self::Disabled,
            other => Self::Other(other.to_string()),
        }
    }

    /// Meta's name, as stored (blank for not reviewed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            Self::NotReviewed => "",
            Self::Pending => "PENDING",
            Self::Approved => "APPROVED",
            Self::Rejected => "REJECTED",
            Self::Paused => "PAUSED",
            Self::Disabled => "DISABLED",
            Self::Other(s) => s,
        }
    }
}

impl From<&str> for TemplateStatus {
    fn from(s: &str) -> Self {
        Self::parse(s)
    }
}

impl fmt::Display for TemplateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotReviewed => f.write_str("not reviewed"),
            other => f.write_str(other.as_str()),
        }
    }
}

/// One component of a template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Component {
    /// `HEADER`, `BODY`, `FOOTER`, `BUTTONS` (upper case).
    pub kind: String,
    /// Header format: `TEXT`, `IMAGE`, `VIDEO`, `DOCUMENT`, `LOCATION` (upper case; `TEXT`
    /// when Meta gives none).
    pub format: String,
    /// The text with its `{{n}}` / `{{name}}` placeholders (empty when none).
    pub text: String,
}

impl Component {
    /// Whether this is a media header (image, video or document).
    #[must_use]
    pub fn is_media(&self) -> bool {
        matches!(self.format.as_str(), "IMAGE" | "VIDEO" | "DOCUMENT")
    }
}

/// A template's components, parsed from the JSON Meta returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TemplateComponents(pub Vec<Component>);

impl TemplateComponents {
    /// Parses Meta's `components` array. Anything but a JSON array is an error (stored data
    /// that does not parse is corrupt, never "no components").
    pub fn parse(json: &str) -> Result<Self, String> {
        let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
        let items = v.as_array().ok_or("the components are not a JSON array")?;
        let text = |c: &serde_json::Value, k: &str| {
            c.get(k)
                .and_then(serde_json::Value::as_str)
                .unwrap_or("")
                .to_string()
        };
        Ok(Self(
            items
                .iter()
                .map(|c| Component {
                    kind: text(c, "type").to_ascii_uppercase(),
                    format: match text(c, "format").to_ascii_uppercase() {
                        f if f.is_empty() => "TEXT".into(),
                        f => f,
                    },
                    text: text(c, "text"),
                })
                .collect(),
        ))
    }

    /// The component of `kind` (any case).
    #[must_use]
    pub fn get(&self, kind: &str) -> Option<&Component> {
        self.0.iter().find(|c| c.kind.eq_ignore_ascii_case(kind))
    }

    /// The body text (empty when there is no body).
    #[must_use]
    pub fn body_text(&self) -> &str {
        self.get("BODY").map_or("", |c| c.text.as_str())
    }

    /// The header, if any.
    #[must_use]
    pub fn header(&self) -> Option<&Component> {
        self.get("HEADER")
    }

    /// Every text joined, for a one-line preview.
    #[must_use]
    pub fn preview(&self) -> String {
        self.0
            .iter()
            .map(|c| c.text.as_str())
            .filter(|t| !t.is_empty())
            .collect::<Vec<_>>()
            .join(" · ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_parse_in_any_case_and_corruption_is_an_error() {
        let c = TemplateComponents::parse(
            r#"[{"type":"header","format":"image"},{"type":"BODY","text":"Olá {{1}}"},{"type":"FOOTER","text":"Loja"}]"#,
        )
        .expect("parse");
        assert_eq!(c.body_text(), "Olá {{1}}");
        assert!(c.header().is_some_and(Component::is_media));
        assert_eq!(c.get("footer").map(|f| f.text.as_str()), Some("Loja"));
        assert_eq!(c.preview(), "Olá {{1}} · Loja");
        assert!(TemplateComponents::parse("{not json").is_err());
        assert!(TemplateComponents::parse("{}").is_err());
    }

    #[test]
    fn statuses_read_in_any_case_and_keep_unknown_ones() {
        assert_eq!(TemplateStatus::parse("approved"), TemplateStatus::Approved);
        assert_eq!(TemplateStatus::parse(""), TemplateStatus::NotReviewed);
        assert_eq!(TemplateStatus::parse("in_appeal").as_str(), "IN_APPEAL");
        assert_eq!(TemplateStatus::NotReviewed.to_string(), "not reviewed");
    }
}
