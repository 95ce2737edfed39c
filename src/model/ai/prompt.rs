//! What each AI task asks the model, how the conversation is laid out for it, and how the
//! answers are read. The wording is versioned ([`PROMPT_VERSION`]): a stored summary records
//! the version that made it.

use serde::Deserialize;
use std::fmt::Write as _;

/// Changes whenever any instruction below changes.
pub const PROMPT_VERSION: &str = "ai-2026-12";

/// The rewrite styles an agent can ask for: (value, label, instruction).
pub const REWRITE_STYLES: [(&str, &str, &str); 4] = [
    (
        "fix",
        "Fix grammar",
        "Fix spelling and grammar only; keep the wording and tone.",
    ),
    (
        "friendly",
        "Friendlier",
        "Make it warmer and friendlier; keep the meaning.",
    ),
    (
        "formal",
        "More formal",
        "Make it more formal and polite; keep the meaning.",
    ),
    (
        "shorter",
        "Shorter",
        "Make it shorter and clearer; keep every fact.",
    ),
];

/// An approved template the model may pick when the reply window is closed.
#[derive(Debug, Clone)]
pub struct TemplateOption {
    /// Its name.
    pub name: String,
    /// Its language code.
    pub language: String,
    /// Its body text.
    pub text: String,
}

/// One AI task.
#[derive(Debug, Clone)]
pub enum Task {
    /// Customer intent, what happened, open actions.
    Summary,
    /// A reply for the agent to edit and send.
    Draft,
    /// The window is closed: which approved template fits.
    PickTemplate(Vec<TemplateOption>),
    /// Rewrite the agent's draft in a style (a value of [`REWRITE_STYLES`]).
    Rewrite(String),
    /// Translate the agent's draft into the customer's language.
    Translate,
    /// The customer's intent and which of these tags fit.
    Suggest(Vec<String>),
}

impl Task {
    /// The name the AI log records.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Self::Summary => "summary",
            Self::Draft => "draft",
            Self::PickTemplate(_) => "template",
            Self::Rewrite(_) => "rewrite",
            Self::Translate => "translate",
            Self::Suggest(_) => "suggest",
        }
    }

    /// The most tokens the answer may take.
    #[must_use]
    pub fn answer_tokens(&self) -> u32 {
        match self {
            Self::Summary | Self::Rewrite(_) | Self::Translate => 600,
            Self::Draft => 700,
            Self::PickTemplate(_) | Self::Suggest(_) => 200,
        }
    }
}

const PRIVACY: &str = "Identifiers were replaced with placeholders such as [NAME_1], [PHONE_1], \
[EMAIL_1], [CARD_1] and [IBAN_1]; keep any placeholder you use exactly as written and never guess \
what it stands for.";

/// The system message for `task`.
#[must_use]
pub fn system_prompt(task: &Task) -> String {
    let what = match task {
        Task::Summary => "You help a small business's support team. Summarise the WhatsApp \
conversation below for a colleague in three short sections titled \"Intent:\", \"What happened:\" \
and \"Open actions:\". Plain text, no more than 120 words, in English."
            .to_string(),
        Task::Draft => format!(
            "You help a small business's support agent. Write the next reply to the customer in \
the WhatsApp conversation below, in the customer's language, friendly and brief. Reply with the \
message text only, at most {} characters; never promise what the conversation does not support.",
            super::MAX_REPLY_CHARS
        ),
        Task::PickTemplate(list) => {
            let mut s = String::from(
                "The 24-hour WhatsApp reply window is closed, so the business may only send one of \
these approved templates. Pick the one that best fits the conversation below. Answer with JSON \
only: {\"template\": \"<name>\", \"reason\": \"<one short sentence>\"}.\nTemplates:\n",
            );
            for t in list {
                let _ = writeln!(s, "- {} ({}): {}", t.name, t.language, t.text);
            }
            s
        }
        Task::Rewrite(style) => {
            let how = super::REWRITE_STYLES
                .iter()
                .find(|(v, _, _)| v == style)
                .map_or("Improve it.", |(_, _, i)| i);
            format!(
                "Rewrite the support agent's draft WhatsApp message below. {how} Keep its language. \
Answer with the rewritten message only."
            )
        }
        Task::Translate => {
            "Translate the support agent's draft WhatsApp message into the language \
the customer writes in (shown in the customer's messages). Answer with the translation only."
                .to_string()
        }
        Task::Suggest(tags) => format!(
            "Read the WhatsApp conversation below. Answer with JSON only: {{\"intent\": \"<the \
customer's intent in at most six words>\", \"tags\": [<the tags that fit, chosen only from this \
list>]}}. Tags: {}",
            serde_json::to_string(tags).unwrap_or_default()
        ),
    };
    format!("{what}\n{PRIVACY}")
}

/// The conversation as sent: oldest first, already redacted and cut to the budget.
#[derive(Debug, Default)]
pub struct Transcript {
    /// "Customer: …" / "Business: …" lines, oldest first.
    pub lines: Vec<String>,
    /// Messages the conversation has (with text).
    pub total: usize,
    /// The customer's name as its placeholder (`[NAME_1]`), so a draft can greet them.
    pub customer: Option<String>,
}

impl Transcript {
    /// Messages used.
    #[must_use]
    pub fn used(&self) -> usize {
        self.lines.len()
    }

    /// The user message: the transcript, then the agent's draft when there is one.
    #[must_use]
    pub fn render(&self, draft: Option<&str>) -> String {
        let mut s = String::new();
        if let Some(c) = &self.customer {
            s.push_str("The customer is ");
            s.push_str(c);
            s.push_str(".\n");
        }
        if !self.lines.is_empty() {
            s.push_str("Conversation (oldest first):\n");
            for l in &self.lines {
                s.push_str(l);
                s.push('\n');
            }
        }
        if let Some(d) = draft {
            s.push_str("\nAgent's draft:\n");
            s.push_str(d);
        }
        s
    }
}

/// A test prompt of about `tokens` tokens of ordinary words, ending in a code word the model is
/// asked to repeat: a server that cuts long prompts reports fewer prompt tokens (and loses the
/// instruction at the start or the code word at the end).
#[must_use]
pub fn canary(tokens: u32) -> (String, &'static str) {
    const WORDS: [&str; 8] = [
        "river", "garden", "window", "yellow", "market", "letter", "bridge", "silver",
    ];
    let code = "PELICAN";
    let mut s = String::from(
        "Connection test. Ignore the list of words; at the end, answer with the code word only.\n",
    );
    for i in 0..tokens as usize {
        s.push_str(WORDS[i % WORDS.len()]);
        s.push(' ');
    }
    s.push_str("\nThe code word is ");
    s.push_str(code);
    s.push('.');
    (s, code)
}

/// A finished answer: text, and the tokens the endpoint counted.
#[derive(Debug, Clone, Default)]
pub struct Answer {
    /// What the model wrote.
    pub text: String,
    /// `usage.prompt_tokens` (None when the server did not say).
    pub prompt_tokens: Option<u32>,
    /// `usage.completion_tokens`.
    pub completion_tokens: Option<u32>,
}

/// The template the model picked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplatePick {
    /// One of the offered names.
    pub name: String,
    /// Why, in a sentence.
    pub reason: String,
}

/// Intent and tags the model suggests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suggestions {
    /// The customer's intent in a few words.
    pub intent: String,
    /// Tags from the offered list.
    pub tags: Vec<String>,
}

/// The JSON object inside `text` (models like to wrap it in prose or code fences).
fn json_object<T: for<'de> Deserialize<'de>>(text: &str) -> Option<T> {
    let start = text.find('{')?;
    let end = text.rfind('}')?;
    serde_json::from_str(text.get(start..=end)?).ok()
}

/// Reads a template pick; `None` when the answer names no offered template.
#[must_use]
pub fn parse_template_pick(text: &str, offered: &[TemplateOption]) -> Option<TemplatePick> {
    #[derive(Deserialize)]
    struct Raw {
        template: String,
        #[serde(default)]
        reason: String,
    }
    let raw: Raw = json_object(text)?;
    let t = offered
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(raw.template.trim()))?;
    Some(TemplatePick {
        name: t.name.clone(),
        reason: super::clip(raw.reason.trim(), 300),
    })
}

/// Reads suggestions, keeping only tags from `offered` (matched without case), each once.
#[must_use]
pub fn parse_suggestions(text: &str, offered: &[String]) -> Option<Suggestions> {
    #[derive(Deserialize)]
    struct Raw {
        #[serde(default)]
        intent: String,
        #[serde(default)]
        tags: Vec<String>,
    }
    let raw: Raw = json_object(text)?;
    let mut tags: Vec<String> = Vec::new();
    for t in raw.tags {
        if let Some(o) = offered.iter().find(|o| o.eq_ignore_ascii_case(t.trim()))
            && !tags.contains(o)
        {
            tags.push(o.clone());
        }
    }
    Some(Suggestions {
        intent: super::clip(raw.intent.trim(), 80),
        tags,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn offered() -> Vec<TemplateOption> {
        vec![TemplateOption {
            name: "order_update".into(),
            language: "en".into(),
            text: "Your order {{1}} is on its way".into(),
        }]
    }

    #[test]
    fn answers_are_read_leniently_and_checked_against_what_was_offered() {
        let pick = parse_template_pick(
            "Sure!\n```json\n{\"template\": \"Order_Update\", \"reason\": \"shipping\"}\n```",
            &offered(),
        );
        assert_eq!(pick.map(|p| p.name), Some("order_update".into()));
        assert!(parse_template_pick("{\"template\": \"made_up\"}", &offered()).is_none());
        assert!(parse_template_pick("no json", &offered()).is_none());
        let tags = vec!["VIP".to_string(), "refund".to_string()];
        let s = parse_suggestions(
            "{\"intent\": \"wants a refund\", \"tags\": [\"Refund\", \"new\", \"refund\"]}",
            &tags,
        );
        assert_eq!(
            s,
            Some(Suggestions {
                intent: "wants a refund".into(),
                tags: vec!["refund".into()]
            })
        );
    }

    #[test]
    fn canary_is_about_the_asked_size_and_ends_with_the_code() {
        let (text, code) = canary(1000);
        assert!(text.trim_end_matches('.').ends_with(code));
        let est = super::super::estimate_tokens(&text);
        assert!((1000..1800).contains(&est), "{est}");
        assert!(system_prompt(&Task::Suggest(vec!["a".into()])).contains("[\"a\"]"));
        assert!(system_prompt(&Task::Rewrite("shorter".into())).contains("shorter"));
    }
}
