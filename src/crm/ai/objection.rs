//! "No AI": a contact's objection to AI processing. Recorded or lifted by anyone who may change
//! contacts (a customer can say it to any agent); audited; in the contact's export.

use crate::crm::access::{self, Who};
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::ContactId;
use time::OffsetDateTime;

impl Crm {
    /// Since when the contact said "no AI", if they did.
    pub async fn no_ai(&self, id: ContactId) -> Result<Option<OffsetDateTime>> {
        self.db.read(move |c| Ok(db::ai::objection(c, id)?)).await
    }

    /// Records (`on`) or lifts "no AI" for contact `id`.
    pub async fn set_no_ai(&self, who: Who, id: ContactId, on: bool) -> Result<()> {
        access::check_need(access::Need::Work, who)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                db::contacts::get(c, id)?.ok_or(Error::NotFound("contact"))?;
                if db::ai::set_objection(c, id, on, who.user.map(|u| u.0), now)? {
                    db::audit::record(
                        c,
                        &db::audit::Entry {
                            at: now,
                            actor: who.user,
                            action: if on {
                                "contact.no_ai"
                            } else {
                                "contact.ai_allowed"
                            }
                            .into(),
                            target: format!("contact:{}", id.0),
                            ip: String::new(),
                            detail: String::new(),
                        },
                    )?;
                }
                Ok(())
            })
            .await
    }

    /// Records in the audit log that the AI API key was stored (`set`) or removed (admins).
    pub async fn ai_key_changed(&self, who: Who, set: bool) -> Result<()> {
        access::require(who, access::AdminAction::AiSettings)?;
        let now = self.clock.now();
        self.db
            .write(move |c| {
                Ok(db::audit::record(
                    c,
                    &db::audit::Entry {
                        at: now,
                        actor: who.user,
                        action: if set { "ai.key_set" } else { "ai.key_removed" }.into(),
                        target: "ai".into(),
                        ip: String::new(),
                        detail: String::new(),
                    },
                )?)
            })
            .await
    }
}
