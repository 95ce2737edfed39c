//! `FieldError`: a problem with one form field, shown next to it.

/// A problem with one form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Form field name.
    pub field: &'static str,
    /// What to fix.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    #[must_use]
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }
}
