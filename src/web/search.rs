//! `GET /search`: messages (full-text, newest first, with the matching words highlighted) and
//! contacts (name, phone, email; accents and case ignored) and an order by its number (`42` or
//! `#42`). A hit links into its conversation at that message.

use super::error::Result;
use super::extract::CurrentUser;
use super::layout::{Layout, Nav};
use crate::app::AppState;
use crate::db;
use crate::model::ContactFilter;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use serde::Deserialize;

/// Hits per page.
const PAGE: u32 = 30;

/// A message hit.
pub struct Hit {
    href: String,
    name: String,
    when: String,
    /// Snippet parts: (text, highlighted).
    parts: Vec<(String, bool)>,
}

/// The search page.
#[derive(Template, WebTemplate)]
#[template(path = "inbox/search.html")]
pub struct SearchPage {
    layout: Layout,
    q: String,
    hits: Vec<Hit>,
    contacts: Vec<(i64, String, String)>,
    /// More contacts match than are shown: link to the contacts list.
    more_contacts: bool,
    /// The order whose number was typed: (id, customer, status, total).
    order: Option<(i64, String, String, String)>,
    next: Option<String>,
}

/// Query of `GET /search`.
#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
    before: Option<String>,
}

/// The FTS5 query for what a person typed: every word must appear (prefix match on the last
/// one, so results come while typing); quotes and operators are taken literally, and control
/// characters separate words like spaces.
#[must_use]
pub fn fts_query(q: &str) -> Option<String> {
    let words: Vec<String> = crate::model::search_text(q)
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .take(12)
        .collect();
    let last = words.len().checked_sub(1)?;
    Some(
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i == last {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// Splits a snippet at the highlight markers.
fn parts(snippet: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut rest = snippet;
    while let Some(start) = rest.find('\u{e000}') {
        out.push((rest[..start].to_string(), false));
        let after = &rest[start + '\u{e000}'.len_utf8()..];
        let end = after.find('\u{e001}').unwrap_or(after.len());
        out.push((after[..end].to_string(), true));
        rest = after.get(end + '\u{e001}'.len_utf8()..).unwrap_or("");
    }
    out.push((rest.to_string(), false));
    out.retain(|(s, _)| !s.is_empty());
    out
}

/// Contacts shown on the search page; more links to the contacts list.
const CONTACTS_SHOWN: u32 = 10;

/// The order whose number is `q` (`42` or `#42`): (id, customer, status, total).
fn order_by_number(
    c: &rusqlite::Connection,
    q: &str,
) -> db::Result<Option<(i64, String, String, String)>> {
    let Ok(n) = q.trim().trim_start_matches('#').trim().parse::<i64>() else {
        return Ok(None);
    };
    Ok(db::orders::get(c, n)?.map(|o| {
        (
            o.id,
            o.contact_name,
            o.status.as_str().to_string(),
            crate::model::money::format(o.total_minor, &o.currency),
        )
    }))
}

/// The first contacts the search text matches (one more than shown): (id, name, phone).
fn matching_contacts(
    c: &rusqlite::Connection,
    filter: &ContactFilter,
    now: &crate::model::Now,
) -> db::Result<Vec<(i64, String, String)>> {
    Ok(
        db::contacts::list(c, filter, None, CONTACTS_SHOWN + 1, now)?
            .into_iter()
            .map(|(r, _)| {
                let k = r.contact;
                (
                    k.id.0,
                    k.display_name(),
                    k.phone.map(|p| p.to_string()).unwrap_or_default(),
                )
            })
            .collect(),
    )
}

/// `GET /search`.
pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<SearchQuery>,
) -> Result<SearchPage> {
    let q: String = query.q.trim().chars().take(200).collect();
    let mut page = SearchPage {
        layout: Layout::new(&user.ctx, "Search", Nav::Inbox),
        q: q.clone(),
        hits: Vec::new(),
        contacts: Vec::new(),
        more_contacts: false,
        order: None,
        next: None,
    };
    let Some(expr) = fts_query(&q) else {
        return Ok(page);
    };
    let before = query.before.as_deref().and_then(|b| b.parse::<i64>().ok());
    let now = crate::model::Now {
        at: state.clock.now(),
        zone: user.ctx.zone.clone(),
    };
    let filter = ContactFilter {
        q: q.clone(),
        ..ContactFilter::default()
    };
    let first = before.is_none();
    let number = q.clone();
    let (hits, mut contacts, order) = state
        .db
        .read(move |c| -> crate::db::Result<_> {
            let hits = db::inbox::search_messages(c, &expr, before, PAGE)?;
            if !first {
                return Ok((hits, Vec::new(), None));
            }
            let contacts = matching_contacts(c, &filter, &now)?;
            Ok((hits, contacts, order_by_number(c, &number)?))
        })
        .await?;
    page.more_contacts = contacts.len() > CONTACTS_SHOWN as usize;
    contacts.truncate(CONTACTS_SHOWN as usize);
    page.order = order;
    page.next = (hits.len() == PAGE as usize)
        .then(|| hits.last().map(|h| h.message_id.to_string()))
        .flatten();
    page.hits = hits
        .into_iter()
        .map(|h| Hit {
            href: format!(
                "/conversations/{}?at={}#m{}",
                h.conversation_id, h.message_id, h.message_id
            ),
            name: h.contact_name,
            when: crate::web::when::stamp(&user.ctx.zone, h.sent_at),
            parts: parts(&h.snippet),
        })
        .collect();
    page.contacts = contacts;
    Ok(page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_words_become_a_safe_fts_query() {
        assert_eq!(fts_query("  "), None);
        assert_eq!(
            fts_query("entrega amanhã").as_deref(),
            Some("\"entrega\" \"amanhã\"*")
        );
        assert_eq!(
            fts_query("a\"b OR c*").as_deref(),
            Some("\"ab\" \"OR\" \"c*\"*")
        );
    }

    #[test]
    fn snippets_split_at_the_markers() {
        assert_eq!(
            parts("pedido \u{e000}entrega\u{e001} <b>x</b>"),
            vec![
                ("pedido ".to_string(), false),
                ("entrega".to_string(), true),
                (" <b>x</b>".to_string(), false)
            ]
        );
    }
}
