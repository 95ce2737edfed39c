//! `FieldError`: a problem with one form field, shown next to it.

use std::borrow::Cow;

/// A problem with one form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Form field name (`phone`, or `field.<key>` for a custom field).
    pub field: Cow<'static, str>,
    /// What to fix.
    pub message: String,
}

impl FieldError {
    /// A problem with `field`.
    #[must_use]
    pub fn new(field: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}
