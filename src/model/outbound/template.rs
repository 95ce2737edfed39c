//! Template messages: their header, variables and button parameters, and the checks on a variable.

use serde::{Deserialize, Serialize};

/// A value for a template variable; `name` only for templates with named parameters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateParam {
    /// Parameter name (named templates).
    pub name: Option<String>,
    /// The value.
    pub text: String,
}

/// The header of a template message, when the template has a variable or media header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "lowercase")]
pub enum TemplateHeader {
    /// Text header variables.
    Text {
        /// Values.
        params: Vec<TemplateParam>,
    },
    /// Image header.
    Image {
        /// Uploaded media id.
        media_id: String,
    },
    /// Video header.
    Video {
        /// Uploaded media id.
        media_id: String,
    },
    /// Document header.
    Document {
        /// Uploaded media id.
        media_id: String,
        /// File name shown.
        filename: Option<String>,
    },
}

/// A variable of a template button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateButtonParam {
    /// `quick_reply` (payload) or `url` (URL suffix).
    pub sub_type: String,
    /// Button position.
    pub index: u32,
    /// Payload or URL text.
    pub value: String,
}

/// Meta refuses template variables that are empty, contain new lines or tabs, or more than four
/// spaces in a row (error 132018 / 100).
pub fn check_param(errors: &mut Vec<String>, position: usize, text: &str) {
    if text.trim().is_empty() {
        errors.push(format!("Variable {position} is empty."));
    } else if text.contains(['\n', '\r', '\t']) {
        errors.push(format!(
            "Variable {position} contains a line break or tab, which WhatsApp refuses."
        ));
    } else if text.contains("     ") {
        errors.push(format!(
            "Variable {position} has more than four spaces in a row, which WhatsApp refuses."
        ));
    }
}
