//! The approved templates a conversation page offers, and the window countdown text.

use crate::crm::{self};
use crate::db;

/// An approved template offered when the window is closed.
pub struct TemplateChoice {
    pub(super) name: String,
    pub(super) language: String,
    pub(super) text: String,
    pub(super) variables: Vec<usize>,
    pub(super) header_variables: Vec<usize>,
    pub(super) media_header: bool,
}

pub(super) fn choice(t: db::templates::Template) -> db::Result<TemplateChoice> {
    let parts = t.components()?;
    let text = parts.body_text().to_string();
    let header = parts.header();
    let media_header = header.is_some_and(|h| h.format != "TEXT");
    let header_vars = header.map_or(0, |h| crm::outbound::placeholders(&h.text).len());
    Ok(TemplateChoice {
        variables: (1..=crm::outbound::placeholders(&text).len()).collect(),
        header_variables: (1..=header_vars).collect(),
        media_header,
        name: t.name,
        language: t.language,
        text,
    })
}

pub(super) fn duration_text(d: time::Duration) -> String {
    let mins = d.whole_minutes().max(0);
    if mins >= 60 {
        format!("{} h {} min", mins / 60, mins % 60)
    } else {
        format!("{mins} min")
    }
}
