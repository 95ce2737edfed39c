//! AI assist's pure parts: redaction ([`Redactor`]), the token estimate and budget, the tasks'
//! instructions and reading the model's answers. No IO: `crm::ai` feeds it messages and sends
//! what it builds through the `ai` adapter.

mod prompt;
mod redact;

pub use prompt::{
    Answer, PROMPT_VERSION, REWRITE_STYLES, Suggestions, Task, TemplateOption, TemplatePick,
    Transcript, canary, parse_suggestions, parse_template_pick, system_prompt,
};
pub use redact::{Counts, Kind, Redactor};

/// WhatsApp's limit on a text message, in characters.
pub const MAX_REPLY_CHARS: usize = 4096;

/// A rough token count for `text` (about four characters a token, plus a little per message):
/// used to keep a prompt inside the context budget before sending it.
#[must_use]
pub fn estimate_tokens(text: &str) -> u32 {
    u32::try_from(text.chars().count().div_ceil(4))
        .unwrap_or(u32::MAX)
        .saturating_add(4)
}

/// `text` cut to at most `max` characters (on a character boundary).
#[must_use]
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}
