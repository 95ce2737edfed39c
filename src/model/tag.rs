//! Tags: short coloured labels on contacts and conversations.

/// Colours a tag may have (CSS classes `tag-<colour>`).
pub const TAG_COLORS: &[&str] = &[
    "teal", "blue", "green", "yellow", "orange", "red", "purple", "gray",
];

/// Longest tag name.
pub const MAX_TAG_NAME: usize = 40;

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    /// Row id.
    pub id: i64,
    /// Name (unique, case-insensitive).
    pub name: String,
    /// One of `TAG_COLORS`.
    pub color: String,
}

/// Checks a tag's name and colour; returns the trimmed name.
pub fn check_tag(name: &str, color: &str) -> Result<String, super::FieldError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_TAG_NAME {
        return Err(super::FieldError::new(
            "name",
            format!("Use 1 to {MAX_TAG_NAME} characters."),
        ));
    }
    if !TAG_COLORS.contains(&color) {
        return Err(super::FieldError::new(
            "color",
            "Choose one of the colours.",
        ));
    }
    Ok(name.to_string())
}
