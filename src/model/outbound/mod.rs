//! What the business sends: the outbound message types and Meta's limits on them, checked before
//! anything is queued.

mod state;
mod template;

use serde::{Deserialize, Serialize};

pub use state::*;
pub use template::*;

/// Longest text message.
pub const MAX_TEXT: usize = 4096;

/// Longest media caption.
pub const MAX_CAPTION: usize = 1024;

/// Longest interactive body.
pub const MAX_INTERACTIVE_BODY: usize = 1024;

/// Longest interactive header or footer text.
pub const MAX_FOOTER: usize = 60;

/// Reply buttons per message.
pub const MAX_BUTTONS: usize = 3;

/// Longest reply-button title.
pub const MAX_BUTTON_TITLE: usize = 20;

/// Longest reply-button id.
pub const MAX_BUTTON_ID: usize = 256;

/// Sections in a list message.
pub const MAX_SECTIONS: usize = 10;

/// Rows in a list message, all sections together.
pub const MAX_ROWS: usize = 10;

/// Longest list row title / description / id.
pub const MAX_ROW_TITLE: usize = 24;

/// Longest list row description.
pub const MAX_ROW_DESCRIPTION: usize = 72;

/// Longest list row id.
pub const MAX_ROW_ID: usize = 200;

/// Kind of a media message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    /// JPEG or PNG.
    Image,
    /// MP4 or 3GPP.
    Video,
    /// AAC, AMR, MP3, MP4 audio, OGG/Opus.
    Audio,
    /// PDF, Office, text.
    Document,
    /// WebP sticker.
    Sticker,
}

impl MediaKind {
    /// Meta's name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Video => "video",
            MediaKind::Audio => "audio",
            MediaKind::Document => "document",
            MediaKind::Sticker => "sticker",
        }
    }
}

/// A reply button.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyButton {
    /// Id that comes back in the reply.
    pub id: String,
    /// Label (unique within the message).
    pub title: String,
}

/// A row of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListRow {
    /// Id that comes back in the reply.
    pub id: String,
    /// Title.
    pub title: String,
    /// Description.
    pub description: Option<String>,
}

/// A section of a list message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListSection {
    /// Section title.
    pub title: String,
    /// Rows.
    pub rows: Vec<ListRow>,
}

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Outbound {
    /// Text, optionally with a link preview.
    Text {
        /// The text.
        body: String,
        /// Show a preview of the first link.
        preview_url: bool,
    },
    /// Media uploaded to Meta before.
    Media {
        /// What kind.
        kind: MediaKind,
        /// Meta's media id from the upload.
        media_id: String,
        /// Caption (image, video, document).
        caption: Option<String>,
        /// File name (document).
        filename: Option<String>,
    },
    /// An approved template with its variables.
    Template {
        /// Template name.
        name: String,
        /// Language code.
        language: String,
        /// Header variables or media.
        header: Option<TemplateHeader>,
        /// Body variables, in order.
        body: Vec<TemplateParam>,
        /// Button variables.
        buttons: Vec<TemplateButtonParam>,
    },
    /// Up to three reply buttons.
    Buttons {
        /// Header text.
        header: Option<String>,
        /// Body text.
        body: String,
        /// Footer text.
        footer: Option<String>,
        /// The buttons.
        buttons: Vec<ReplyButton>,
    },
    /// A list to choose from.
    List {
        /// Header text.
        header: Option<String>,
        /// Body text.
        body: String,
        /// Footer text.
        footer: Option<String>,
        /// Label of the button that opens the list.
        button: String,
        /// Sections.
        sections: Vec<ListSection>,
    },
    /// A reaction to a customer's message; an empty emoji removes it.
    Reaction {
        /// The message reacted to.
        message_id: String,
        /// The emoji, or empty.
        emoji: String,
    },
}

fn too_long(errors: &mut Vec<String>, what: &str, value: &str, max: usize) {
    let n = value.chars().count();
    if n > max {
        errors.push(format!("{what} is {n} characters; the limit is {max}."));
    }
}

fn required(errors: &mut Vec<String>, what: &str, value: &str) {
    if value.trim().is_empty() {
        errors.push(format!("{what} must not be empty."));
    }
}

impl Outbound {
    /// A short name of the message type, for logs.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Outbound::Text { .. } => "text",
            Outbound::Media { kind, .. } => kind.as_str(),
            Outbound::Template { .. } => "template",
            Outbound::Buttons { .. } => "buttons",
            Outbound::List { .. } => "list",
            Outbound::Reaction { .. } => "reaction",
        }
    }

    /// True for everything but templates: free-form messages need an open 24-hour window.
    #[must_use]
    pub fn needs_open_window(&self) -> bool {
        !matches!(self, Outbound::Template { .. })
    }

    /// Checks Meta's limits; every problem is listed.
    pub fn validate(&self) -> Result<(), Vec<String>> {
        let mut e = Vec::new();
        match self {
            Outbound::Text { body, .. } => {
                required(&mut e, "The message", body);
                too_long(&mut e, "The message", body, MAX_TEXT);
            }
            Outbound::Media {
                kind,
                media_id,
                caption,
                ..
            } => {
                required(&mut e, "The media id", media_id);
                if let Some(c) = caption {
                    if matches!(kind, MediaKind::Audio | MediaKind::Sticker) {
                        e.push(format!("A {} cannot have a caption.", kind.as_str()));
                    }
                    too_long(&mut e, "The caption", c, MAX_CAPTION);
                }
            }
            Outbound::Template {
                name,
                language,
                body,
                ..
            } => {
                required(&mut e, "The template name", name);
                required(&mut e, "The template language", language);
                for (i, p) in body.iter().enumerate() {
                    check_param(&mut e, i + 1, &p.text);
                }
            }
            Outbound::Buttons {
                header,
                body,
                footer,
                buttons,
            } => {
                check_interactive_text(&mut e, header.as_deref(), body, footer.as_deref());
                if buttons.is_empty() || buttons.len() > MAX_BUTTONS {
                    e.push(format!(
                        "Use 1 to {MAX_BUTTONS} buttons ({} given).",
                        buttons.len()
                    ));
                }
                for b in buttons {
                    required(&mut e, "A button title", &b.title);
                    required(&mut e, "A button id", &b.id);
                    too_long(&mut e, "A button title", &b.title, MAX_BUTTON_TITLE);
                    too_long(&mut e, "A button id", &b.id, MAX_BUTTON_ID);
                }
                let mut titles: Vec<_> = buttons.iter().map(|b| b.title.as_str()).collect();
                titles.sort_unstable();
                titles.dedup();
                if titles.len() != buttons.len() {
                    e.push("Button titles must be different from each other.".into());
                }
            }
            Outbound::List {
                header,
                body,
                footer,
                button,
                sections,
            } => {
                check_interactive_text(&mut e, header.as_deref(), body, footer.as_deref());
                required(&mut e, "The list button label", button);
                too_long(&mut e, "The list button label", button, MAX_BUTTON_TITLE);
                let rows: usize = sections.iter().map(|s| s.rows.len()).sum();
                if sections.is_empty() || sections.len() > MAX_SECTIONS {
                    e.push(format!(
                        "Use 1 to {MAX_SECTIONS} sections ({} given).",
                        sections.len()
                    ));
                }
                if rows == 0 || rows > MAX_ROWS {
                    e.push(format!("Use 1 to {MAX_ROWS} rows in total ({rows} given)."));
                }
                for r in sections.iter().flat_map(|s| &s.rows) {
                    required(&mut e, "A row title", &r.title);
                    too_long(&mut e, "A row title", &r.title, MAX_ROW_TITLE);
                    too_long(&mut e, "A row id", &r.id, MAX_ROW_ID);
                    if let Some(d) = &r.description {
                        too_long(&mut e, "A row description", d, MAX_ROW_DESCRIPTION);
                    }
                }
            }
            Outbound::Reaction { message_id, .. } => {
                required(&mut e, "The message to react to", message_id);
            }
        }
        if e.is_empty() { Ok(()) } else { Err(e) }
    }
}

fn check_interactive_text(
    e: &mut Vec<String>,
    header: Option<&str>,
    body: &str,
    footer: Option<&str>,
) {
    required(e, "The message body", body);
    too_long(e, "The message body", body, MAX_INTERACTIVE_BODY);
    if let Some(h) = header {
        too_long(e, "The header", h, MAX_FOOTER);
    }
    if let Some(f) = footer {
        too_long(e, "The footer", f, MAX_FOOTER);
    }
}

#[cfg(test)]
mod tests;
