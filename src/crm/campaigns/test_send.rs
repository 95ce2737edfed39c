//! A test send: the campaign's message, with the variables as one chosen contact would get
//! them, sent to that contact now as a 1:1 conversation start (`Crm::start_conversation`, so
//! the connection, consent and template checks are the ones of any first message). It is not
//! part of the campaign: no recipient row, no funnel, no frequency cap.

use super::input::template_use;
use super::{Crm, Error, Result, audience, feed, get};
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::send::SendKey;
use crate::crm::start::{Start, Started};
use crate::crm::subject::restrict;
use crate::model::ContactId;

impl Crm {
    /// Sends campaign `id`'s message to the contact `to` names (a phone number, or a contact id)
    /// now (admins). `confirm_consent`: the sender confirmed they may get it although their
    /// consent is unknown (as on the contact page).
    pub async fn test_campaign(
        &self,
        who: Who,
        id: i64,
        to: &str,
        key: String,
        confirm_consent: bool,
    ) -> Result<Started> {
        access::require(who, AdminAction::Campaigns)?;
        if to.trim().is_empty() {
            return Err(Error::field(
                "to",
                "Type the phone number to send the test to.",
            ));
        }
        let contact = match self.find_contact(to).await {
            Ok(c) => c,
            Err(Error::NotFound(_)) => {
                return Err(Error::field(
                    "to",
                    "No contact has this number. Add it as a contact first (your own number, for example).",
                ));
            }
            Err(e) => return Err(e),
        };
        let message = self
            .db
            .read(move |c| {
                let k = get(c, id)?;
                let t = template_use(c, &k.template_name, &k.template_language)?;
                let Some((facts, params)) = audience::one(c, &k, contact.0)? else {
                    return Err(Error::NotFound("contact"));
                };
                if restrict::excludes(restrict::Purpose::Broadcast, facts.restricted) {
                    return Err(Error::field(
                        "to",
                        "This contact asked to restrict the processing of their data; campaigns leave them out.",
                    ));
                }
                let Some(params) = params else {
                    return Err(Error::field(
                        "to",
                        "A variable would be empty or invalid for this contact; set a fallback.",
                    ));
                };
                Ok(feed::message_for(&k, &t, params))
            })
            .await?;
        self.start_conversation(Start {
            contact_id: ContactId(contact.0),
            message,
            key: SendKey::Form(key),
            author: who.user,
            by: who,
            confirm_consent,
            file: None,
        })
        .await
    }
}
