//! The privacy notice, generated from the live configuration (`/privacy` and
//! `flowcrm privacy notice`): who the controller is, the processors that are switched on (and
//! only those), the retention periods in force, the cookies, the rights and how to exercise
//! them, and the data deletion instructions Meta's app review asks for. A feature that sends
//! data somewhere new (the AI endpoint, Google Sheets) adds its processor here when it is on.

use crate::config::{Config, ErasedOrders};

/// One party the data goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Processor {
    /// Who.
    pub name: String,
    /// What for, and what they receive.
    pub purpose: String,
}

/// One retention period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Kept {
    /// What.
    pub what: &'static str,
    /// For how long, in words.
    pub period: String,
}

/// One cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CookieUse {
    /// Its name.
    pub name: String,
    /// What it is for.
    pub purpose: String,
}

/// The notice's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The data controller.
    pub controller: String,
    /// How to reach them about data, if configured.
    pub contact: Option<String>,
    /// The install's public address (for the callback and status URLs).
    pub public_url: String,
    /// Processors switched on.
    pub processors: Vec<Processor>,
    /// Retention periods in force.
    pub retention: Vec<Kept>,
    /// Cookies set by the app (for the team; customers never get one).
    pub cookies: Vec<CookieUse>,
    /// Words that opt a customer out of marketing messages.
    pub opt_out_words: String,
    /// Words that opt them back in.
    pub opt_in_words: String,
    /// Whether an erasure keeps orders for accounting.
    pub keeps_orders: bool,
}

fn days(n: Option<u32>, otherwise: &str) -> String {
    match n {
        Some(1) => "1 day".into(),
        Some(d) => format!("{d} days"),
        None => otherwise.into(),
    }
}

/// The processors `config` switches on: Meta always, the SMTP relay when configured.
#[must_use]
pub fn processors(config: &Config) -> Vec<Processor> {
    let mut out = vec![Processor {
        name: "Meta Platforms (WhatsApp Business Cloud API)".into(),
        purpose: "Carries every WhatsApp message between you and us, with your phone number, \
                  WhatsApp profile name and the messages' content and media. Meta keeps message \
                  content for up to 30 days under its own terms."
            .into(),
    }];
    if config.smtp.is_configured() {
        let host = config.smtp.host.as_deref().unwrap_or_default().trim();
        out.push(Processor {
            name: format!("Email relay ({host})"),
            purpose: "Delivers our team's notification emails, which can name you (\"… wrote on \
                      WhatsApp\"); never your messages' content."
                .into(),
        });
    }
    out
}

/// Google as a processor, when the Sheets sync is set up: which tabs and columns go there.
fn sheets(setup: &super::sheets::Setup) -> Option<Processor> {
    setup.spreadsheet.as_ref()?;
    let tabs: Vec<String> = setup
        .tabs()
        .iter()
        .map(|t| {
            format!(
                "{} ({})",
                t.tab.as_str(),
                t.columns
                    .to_string()
                    .replace(" (sheet owns)", "")
                    .replace(" (sheet owns, sheet wins)", "")
            )
        })
        .collect();
    if tabs.is_empty() {
        return None;
    }
    Some(Processor {
        name: "Google (Google Sheets)".into(),
        purpose: format!(
            "Holds a copy of our customer list in our own spreadsheet: {}. People who asked us \
             to restrict the use of their data are left out; an erased person's row is removed \
             at the next sync.",
            tabs.join("; ")
        ),
    })
}

impl super::Crm {
    /// The notice as `/privacy` and `flowcrm privacy notice` show it: [`notice`] plus the
    /// processors switched on in the browser (Google Sheets, the AI endpoint).
    pub async fn privacy_notice(
        &self,
        config: &Config,
        cookies: Vec<CookieUse>,
    ) -> super::Result<Notice> {
        let mut n = notice(config, cookies);
        if self.sheets.is_some() {
            let file = self.sheets_file();
            let setup = self
                .db
                .read(move |c| super::sheets::setup::setup(c, &file))
                .await;
            // A setup that no longer parses syncs nothing; the Sheets page says why.
            if let Ok(s) = setup
                && let Some(p) = sheets(&s)
            {
                n.processors.push(p);
            }
        }
        if let Some(host) = self.ai_host().await? {
            n.processors.push(Processor {
                name: format!("AI assist endpoint ({host})"),
                purpose: "When a team member asks for a summary, a reply draft, a rewrite or tag \
                          suggestions, recent messages of that one conversation are sent there, \
                          with phone numbers, emails, card numbers, IBANs and your name replaced \
                          by placeholders first; internal notes never. People who asked for \
                          \"no AI\" or to restrict the use of their data are never sent. A \
                          person reads and sends every reply; nothing is decided automatically."
                    .into(),
            });
        }
        Ok(n)
    }
}

/// The notice for `config`, with the cookies the web layer sets.
#[must_use]
pub fn notice(config: &Config, cookies: Vec<CookieUse>) -> Notice {
    let r = &config.retention;
    let raw = config.whatsapp.raw_payload_days;
    Notice {
        controller: config
            .privacy
            .controller_name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map_or_else(|| config.business_name(), ToString::to_string),
        contact: config
            .privacy
            .controller_contact
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(ToString::to_string),
        public_url: config.public_url(),
        processors: processors(config),
        retention: vec![
            Kept {
                what: "Messages, with their delivery statuses and edits",
                period: days(r.messages_days, "kept until deleted or erased"),
            },
            Kept {
                what: "Photos, voice notes, videos and documents",
                period: days(r.media_days, "kept until deleted or erased"),
            },
            Kept {
                what: "WhatsApp notifications as received (for troubleshooting)",
                period: if raw == 0 {
                    "not kept".into()
                } else {
                    days(Some(raw), "")
                },
            },
            Kept {
                what: "Audit log of actions by the team",
                period: days(Some(r.audit_days), ""),
            },
            Kept {
                what: "Closed data protection requests",
                period: days(r.requests_days, "kept"),
            },
        ],
        cookies,
        opt_out_words: config.crm.opt_out_keywords.clone(),
        opt_in_words: config.crm.opt_in_keywords.clone(),
        keeps_orders: config.privacy.erased_orders == ErasedOrders::Keep,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_exactly_the_processors_switched_on() {
        let mut c = Config::default();
        assert_eq!(processors(&c).len(), 1, "Meta only");
        c.smtp.host = Some("mail.loja.example".into());
        c.smtp.from_address = Some("crm@loja.example".into());
        let on = processors(&c);
        assert_eq!(on.len(), 2);
        assert!(on[1].name.contains("mail.loja.example"));
    }

    #[test]
    fn retention_shows_the_configured_values_and_keep_when_unset() {
        let mut c = Config::default();
        let n = notice(&c, Vec::new());
        assert_eq!(n.retention[0].period, "kept until deleted or erased");
        assert_eq!(n.retention[3].period, "365 days");
        c.retention.messages_days = Some(730);
        c.whatsapp.raw_payload_days = 0;
        let n = notice(&c, Vec::new());
        assert_eq!(n.retention[0].period, "730 days");
        assert_eq!(n.retention[2].period, "not kept");
        assert_eq!(n.controller, "FlowCRM");
    }
}
