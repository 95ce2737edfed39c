//! The words a message shows: its one-line summary (lists, search, previews), its content
//! after an edit, and call durations.

use super::{Content, MediaRef};

impl Content {
    /// A one-line text for lists and search: the text, caption or a short description.
    #[must_use]
    pub fn summary(&self) -> String {
        let caption =
            |m: &MediaRef, what: &str| m.caption.clone().unwrap_or_else(|| what.to_string());
        match self {
            Content::Text { body }
            | Content::FlowReply { body, .. }
            | Content::System { body, .. } => body.clone(),
            Content::Image(m) => caption(m, "📷 Photo"),
            Content::Video(m) => caption(m, "🎥 Video"),
            Content::Audio { voice, .. } => if *voice {
                "🎤 Voice message"
            } else {
                "🎵 Audio"
            }
            .into(),
            Content::Document(m) => m
                .caption
                .clone()
                .or_else(|| m.filename.clone())
                .unwrap_or_else(|| "📄 Document".into()),
            Content::Sticker { .. } => "Sticker".into(),
            Content::Location { name, address, .. } => {
                let place = name.clone().or_else(|| address.clone()).unwrap_or_default();
                format!("📍 Location {place}").trim_end().to_string()
            }
            Content::Contacts { contacts } => {
                let names: Vec<_> = contacts.iter().map(|c| c.name.as_str()).collect();
                format!("👤 {}", names.join(", "))
            }
            Content::ButtonReply { title, .. } | Content::ListReply { title, .. } => title.clone(),
            Content::QuickReply { text, .. } => text.clone(),
            Content::Reaction { emoji, .. } => {
                emoji.clone().unwrap_or_else(|| "Reaction removed".into())
            }
            Content::Order { items, text, .. } => {
                // Quantities come from the customer's cart as sent: add without overflowing.
                let n = items.iter().fold(0i64, |n, i| n.saturating_add(i.quantity));
                let note = text
                    .as_deref()
                    .map(|t| format!(": {t}"))
                    .unwrap_or_default();
                format!("🛒 Order, {n} item(s){note}")
            }
            Content::CallPermission { response, .. } => if response == "accept" {
                "📞 Allowed calls from the business"
            } else {
                "📞 Declined calls from the business"
            }
            .into(),
            Content::Call {
                business_initiated,
                state,
                duration,
                ..
            } => call_summary(*business_initiated, state, *duration),
            Content::Deleted { .. } => "🚫 This message was deleted".into(),
            Content::Revoke { .. } => "Message deleted".into(),
            Content::Edit { body, .. } => body.clone().unwrap_or_else(|| "Message edited".into()),
            Content::RequestWelcome => "Opened the chat".into(),
            Content::InteractiveOther { kind } => format!("Interactive reply ({kind})"),
            Content::Unsupported { kind } => match kind {
                Some(k) => format!("Unsupported message ({k})"),
                None => "Unsupported message".into(),
            },
        }
    }
}

impl Content {
    /// This content after an edit whose new content is `new`: a caption edit keeps the file
    /// (its stored copy stays linked) and changes only the caption; anything else takes the new
    /// content whole.
    #[must_use]
    pub fn edited(&self, new: &Content) -> Content {
        let caption = new
            .media()
            .and_then(|m| m.caption.clone())
            .or_else(|| match new {
                Content::Text { body } => Some(body.clone()),
                _ => None,
            });
        let with_caption = |m: &MediaRef| MediaRef {
            caption: caption.clone().filter(|c| !c.is_empty()),
            ..m.clone()
        };
        match self {
            Content::Image(m) if new.media().is_some() || caption.is_some() => {
                Content::Image(with_caption(m))
            }
            Content::Video(m) if new.media().is_some() || caption.is_some() => {
                Content::Video(with_caption(m))
            }
            Content::Document(m) if new.media().is_some() || caption.is_some() => {
                Content::Document(with_caption(m))
            }
            _ => new.clone(),
        }
    }
}

fn call_summary(business_initiated: bool, state: &str, duration: Option<i64>) -> String {
    let who = if business_initiated {
        "Call to the customer"
    } else {
        "Call from the customer"
    };
    match (state, duration) {
        ("answered", Some(d)) if d > 0 => {
            format!("📞 {who}, {}", clock_duration(d))
        }
        ("missed", _) if !business_initiated => "📞 Missed call".into(),
        ("missed", _) => "📞 Call not answered".into(),
        ("rejected", _) => format!("📞 {who}, declined"),
        ("failed", _) => format!("📞 {who}, failed"),
        ("ringing", _) => format!("📞 {who}, ringing"),
        _ => format!("📞 {who}"),
    }
}

/// `2 min 5 s`, `45 s`, `1 h 2 min`.
#[must_use]
fn clock_duration(secs: i64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    match (h, m) {
        (0, 0) => format!("{s} s"),
        (0, _) => format!("{m} min {s} s"),
        _ => format!("{h} h {m} min"),
    }
}
