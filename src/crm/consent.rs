//! Recording consent: the one place a contact's opt-in state changes by hand, from the page,
//! the API or an import, with the same limits everywhere. Every change is a ledger row with its
//! source, the webhook's consent keywords (STOP, START …) included.

use super::{Error, Result};
use crate::db;
use crate::model::{ContactId, OptIn, UserId};
use rusqlite::Connection;
use time::OffsetDateTime;

/// Longest consent source kept (longer ones are cut).
pub const MAX_SOURCE: usize = 200;

/// A consent change to record.
#[derive(Debug, Clone)]
pub struct Consent {
    /// The new state.
    pub state: OptIn,
    /// Where it came from, as given (trimmed and cut to [`MAX_SOURCE`]).
    pub source: String,
    /// Used when `source` is blank: "recorded by Ana", "API key 3", "import people.csv".
    pub fallback: String,
    /// The team member who recorded it.
    pub by: Option<UserId>,
}

impl Consent {
    fn source(&self) -> String {
        let s: String = self.source.trim().chars().take(MAX_SOURCE).collect();
        if s.is_empty() {
            self.fallback.chars().take(MAX_SOURCE).collect()
        } else {
            s
        }
    }
}

/// Records `consent` for contact `id` in the current transaction; `true` when the state
/// changed. Not found when there is no such contact.
pub fn record(
    conn: &Connection,
    id: ContactId,
    consent: &Consent,
    now: OffsetDateTime,
) -> Result<bool> {
    if db::contacts::get(conn, id)?.is_none() {
        return Err(Error::NotFound("contact"));
    }
    let by = consent.by.map(|u| u.0);
    Ok(db::consent::set_opt_in(
        conn,
        id,
        consent.state,
        &consent.source(),
        by,
        now,
    )?)
}

/// The consent keywords in force: a customer message that is exactly one of them flips the
/// contact's opt-in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keywords {
    opt_out: Vec<String>,
    opt_in: Vec<String>,
    /// The confirmation sent back for an opt-out and an opt-in keyword, when configured.
    replies: (Option<String>, Option<String>),
}

impl Default for Keywords {
    fn default() -> Self {
        let c = crate::config::CrmConfig::default();
        Self::new(&c.opt_out_keywords, &c.opt_in_keywords)
    }
}

/// A keyword as compared: lower case, without accents or surrounding punctuation and spaces.
#[must_use]
pub fn fold(text: &str) -> String {
    text.trim()
        .trim_matches(|c: char| !c.is_alphanumeric())
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' | 'ä' | 'å' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other,
        })
        .collect()
}

impl Keywords {
    /// From comma-separated lists (as in `[crm]`).
    #[must_use]
    pub fn new(opt_out: &str, opt_in: &str) -> Self {
        let list = |s: &str| {
            s.split(',')
                .map(fold)
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
        };
        Self {
            opt_out: list(opt_out),
            opt_in: list(opt_in),
            replies: (None, None),
        }
    }

    /// With the confirmations to send back (`crm.opt_out_reply`, `crm.opt_in_reply`); blank
    /// ones are none.
    #[must_use]
    pub fn with_replies(mut self, opt_out: Option<&str>, opt_in: Option<&str>) -> Self {
        let clean = |r: Option<&str>| r.map(str::trim).filter(|r| !r.is_empty()).map(String::from);
        self.replies = (clean(opt_out), clean(opt_in));
        self
    }

    /// The confirmation to send back after a keyword set `state`, when one is configured.
    #[must_use]
    pub fn reply(&self, state: OptIn) -> Option<&str> {
        match state {
            OptIn::Out => self.replies.0.as_deref(),
            OptIn::In => self.replies.1.as_deref(),
            OptIn::Unknown => None,
        }
    }

    /// The consent a message asks for, when it is exactly a keyword.
    #[must_use]
    pub fn classify(&self, text: &str) -> Option<OptIn> {
        if text.len() > 64 {
            return None;
        }
        let word = fold(text);
        if self.opt_out.contains(&word) {
            Some(OptIn::Out)
        } else if self.opt_in.contains(&word) {
            Some(OptIn::In)
        } else {
            None
        }
    }
}

/// Template categories Meta names.
const MARKETING: &str = "MARKETING";

/// Whether a broadcast of a template of `category` may go to a contact with consent `opt_in`:
/// only to contacts who opted in, and, for a utility template when the campaign allows it, to
/// contacts whose consent is unknown. Nobody confirms a broadcast per contact, so it is stricter
/// than [`template_allowed`]. `None`: allowed; else why not.
#[must_use]
pub fn broadcast_allowed(
    opt_in: OptIn,
    category: &str,
    allow_unknown: bool,
) -> Option<crate::model::campaign::LeftOut> {
    use crate::model::campaign::LeftOut;
    match opt_in {
        OptIn::In => None,
        OptIn::Out => Some(LeftOut::OptedOut),
        OptIn::Unknown if allow_unknown && category.eq_ignore_ascii_case("UTILITY") => None,
        OptIn::Unknown => Some(LeftOut::ConsentUnknown),
    }
}

/// Whether a template of `category` may go to a contact with consent `opt_in` (one rule for
/// every door). A contact who opted out is refused marketing templates; any other template to
/// them, and any template to a contact whose consent is unknown and who has never written to the
/// business, needs the sender's confirmation. Returns the confirmation to record in the
/// contact's timeline when one was needed and given.
pub fn template_allowed(
    opt_in: OptIn,
    category: &str,
    has_written: bool,
    confirmed: bool,
    template: &str,
) -> Result<Option<String>> {
    let marketing = category.eq_ignore_ascii_case(MARKETING);
    let needs = match opt_in {
        OptIn::In => return Ok(None),
        OptIn::Out if marketing => {
            return Err(Error::ConsentRefused(format!(
                "Marketing template `{template}` not sent: this contact opted out of messages. \
                 Replies inside the 24-hour window and utility templates (with confirmation) are still possible."
            )));
        }
        OptIn::Out => "opted out",
        OptIn::Unknown if has_written => return Ok(None),
        OptIn::Unknown => "consent unknown",
    };
    if confirmed {
        return Ok(Some(format!(
            "Template `{template}` sent with {needs}: the sender confirmed the contact may be messaged."
        )));
    }
    let why = if opt_in == OptIn::Out {
        format!(
            "This contact opted out of messages. Send `{template}` only if it is about something they asked for \
             (an order, an appointment): confirm to send it."
        )
    } else {
        format!(
            "We do not know whether this contact agreed to receive WhatsApp messages, and they have never written to you. \
             Confirm that they did (for example, they gave you their number for this) to send `{template}`."
        )
    };
    Err(Error::ConsentUnconfirmed(why))
}

/// Records in contact `id`'s timeline that a send was refused for consent (after the send's
/// own transaction was rolled back).
pub fn record_refusal(
    conn: &Connection,
    id: ContactId,
    why: &str,
    by: Option<UserId>,
    now: OffsetDateTime,
) -> db::Result<()> {
    db::contact_events::insert(conn, id, "send_refused", why, by.map(|u| u.0), now)
}

/// Whose timeline a refused send is recorded in.
#[derive(Debug, Clone, Copy)]
pub enum RefusedFor {
    /// This contact's.
    Contact(ContactId),
    /// The contact of this conversation.
    Conversation(crate::model::ConversationId),
}

impl super::Crm {
    /// Records a consent refusal in the contact's timeline after the send's own transaction was
    /// rolled back. A failure here is logged: the refusal itself stands.
    pub(super) async fn note_refusal(&self, whose: RefusedFor, why: String, by: Option<UserId>) {
        let now = self.clock.now();
        let done = self
            .db
            .write(move |c| -> db::Result<()> {
                let contact = match whose {
                    RefusedFor::Contact(id) => Some(id),
                    RefusedFor::Conversation(id) => {
                        db::conversations::get(c, id.0)?.map(|conv| conv.contact_id)
                    }
                };
                match contact {
                    Some(id) => record_refusal(c, id, &why, by, now),
                    None => Ok(()),
                }
            })
            .await;
        if let Err(e) = done {
            tracing::warn!(error = %e, "could not record a consent refusal");
        }
    }

    /// Records a consent change for contact `id`.
    #[tracing::instrument(skip_all, fields(contact = %id, state = consent.state.as_str()), err(Display, level = "debug"))]
    pub async fn record_consent(&self, id: ContactId, consent: Consent) -> Result<bool> {
        let now = self.clock.now();
        self.db.write(move |c| record(c, id, &consent, now)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opted_out_contacts_are_refused_marketing_and_unknown_consent_asks_first() {
        let refused = template_allowed(OptIn::Out, "MARKETING", true, true, "promo");
        assert!(matches!(refused, Err(Error::ConsentRefused(m)) if m.contains("opted out")));
        let ask = template_allowed(OptIn::Out, "UTILITY", true, false, "order_update");
        assert!(matches!(ask, Err(Error::ConsentUnconfirmed(_))));
        let ok = template_allowed(OptIn::Out, "UTILITY", true, true, "order_update");
        assert!(
            ok.expect("confirmed")
                .is_some_and(|t| t.contains("opted out"))
        );
        let ask = template_allowed(OptIn::Unknown, "marketing", false, false, "promo");
        assert!(matches!(ask, Err(Error::ConsentUnconfirmed(m)) if m.contains("never written")));
        assert!(
            template_allowed(OptIn::Unknown, "MARKETING", false, true, "promo")
                .expect("confirmed")
                .is_some()
        );
        assert_eq!(
            template_allowed(OptIn::Unknown, "MARKETING", true, false, "promo").ok(),
            Some(None),
            "a customer who wrote to the business started the contact"
        );
        assert_eq!(
            template_allowed(OptIn::In, "MARKETING", false, false, "promo").ok(),
            Some(None)
        );
    }

    #[test]
    fn blank_sources_fall_back_and_long_ones_are_cut() {
        let mut c = Consent {
            state: OptIn::In,
            source: "   ".into(),
            fallback: "API key 3".into(),
            by: None,
        };
        assert_eq!(c.source(), "API key 3");
        c.source = format!("  {}  ", "x".repeat(500));
        assert_eq!(c.source().chars().count(), MAX_SOURCE);
    }
}

#[cfg(test)]
mod keyword_tests {
    use super::*;

    #[test]
    fn a_message_that_is_exactly_a_keyword_in_any_case_or_accent_flips_consent() {
        let k = Keywords::default();
        for out in [
            "STOP",
            "stop",
            " Stop. ",
            "Parar!",
            "SAIR",
            "baja",
            "Cancelar",
            "cancelár",
        ] {
            assert_eq!(k.classify(out), Some(OptIn::Out), "{out}");
        }
        for back in ["START", "start", "Voltar", "ALTA!"] {
            assert_eq!(k.classify(back), Some(OptIn::In), "{back}");
        }
        for other in ["stop sending me that", "please stop", "", "!!!", "startup"] {
            assert_eq!(k.classify(other), None, "{other}");
        }
        let custom = Keywords::new("arrêter, nein danke", "ja");
        assert_eq!(custom.classify("ARRETER"), Some(OptIn::Out));
        assert_eq!(custom.classify("Nein danke"), Some(OptIn::Out));
        assert_eq!(custom.classify("Ja"), Some(OptIn::In));
    }
}
