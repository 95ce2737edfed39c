//! Restriction of processing (GDPR art. 18): a per-contact flag (admins; audited; in the
//! contact's history). A restricted contact stays reachable for 1:1 conversation and is left
//! out of everything else: list exports, AI, Sheets sync, broadcasts and automations. Every one
//! of those calls [`check_processing`] (one contact) or [`exclude_restricted`] (a list) here.

use crate::crm::access::{self, AdminAction, Who};
use crate::crm::contacts::Actor;
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::{ContactFilter, ContactId};
use rusqlite::Connection;

/// What a restricted contact's data may not be used for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// A CSV (or other) export of many contacts.
    ListExport,
    /// Summaries, drafts, translations by the AI endpoint.
    Ai,
    /// Rows in the business's Google Sheet.
    SheetsSync,
    /// A template campaign to a segment.
    Broadcast,
    /// Anything sent or changed automatically.
    Automation,
}

impl Purpose {
    fn refusal(self) -> &'static str {
        match self {
            Self::ListExport => {
                "This contact's processing is restricted: they are left out of exports."
            }
            Self::Ai => "This contact's processing is restricted: AI assist is off for them.",
            Self::SheetsSync => {
                "This contact's processing is restricted: they are not synced to Google Sheets."
            }
            Self::Broadcast => "This contact's processing is restricted: broadcasts skip them.",
            Self::Automation => "This contact's processing is restricted: automations skip them.",
        }
    }
}

/// Refuses `purpose` for contact `id` when their processing is restricted (a `Conflict` that
/// says why); a contact that does not exist is `NotFound`.
pub fn check_processing(conn: &Connection, id: ContactId, purpose: Purpose) -> Result<()> {
    let contact = db::contacts::get(conn, id)?.ok_or(Error::NotFound("contact"))?;
    if contact.restricted_at.is_some() {
        return Err(Error::Conflict(purpose.refusal().into()));
    }
    Ok(())
}

/// Whether a contact whose restriction is `restricted` is left out of `purpose` (every purpose
/// here leaves restricted contacts out); for code that sorts a list by reason rather than
/// narrowing it.
#[must_use]
pub fn excludes(purpose: Purpose, restricted: bool) -> bool {
    let _ = purpose.refusal();
    restricted
}

/// Narrows a list selection to the contacts whose processing is not restricted (whatever the
/// filter asked about restriction).
pub fn exclude_restricted(filter: &mut ContactFilter) {
    filter.restricted = Some(false);
}

/// Sets or lifts the restriction in the caller's transaction (audited, in the contact's
/// history); false when it was already so.
pub fn set_restricted(
    conn: &Connection,
    id: ContactId,
    on: bool,
    actor: &Actor,
    now: time::OffsetDateTime,
) -> Result<bool> {
    if db::contacts::get(conn, id)?.is_none() {
        return Err(Error::NotFound("contact"));
    }
    if !db::contacts::set_restricted(conn, id, on.then_some(now))? {
        return Ok(false);
    }
    let (action, detail) = if on {
        ("contact.restrict", "Processing restricted")
    } else {
        ("contact.unrestrict", "Restriction of processing lifted")
    };
    crate::crm::audit(
        conn,
        actor,
        action,
        format!("contact:{id}"),
        String::new(),
        now,
    )?;
    db::contact_events::insert(
        conn,
        id,
        "restriction",
        detail,
        actor.user.map(|u| u.0),
        now,
    )?;
    Ok(true)
}

impl Crm {
    /// Restricts (or lifts the restriction of) processing contact `id`'s data (admins).
    pub async fn set_restricted(
        &self,
        id: ContactId,
        on: bool,
        who: Who,
        actor: Actor,
    ) -> Result<bool> {
        access::require(who, AdminAction::RestrictProcessing)?;
        let now = self.clock.now();
        self.db
            .write(move |c| set_restricted(c, id, on, &actor, now))
            .await
    }

    /// Whether contact `id`'s data may be used for `purpose` ([`check_processing`]).
    pub async fn may_process(&self, id: ContactId, purpose: Purpose) -> Result<()> {
        self.db
            .read(move |c| check_processing(c, id, purpose))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::testing::memory;

    #[test]
    fn a_restricted_contact_is_refused_every_purpose_but_conversation_and_lifting_restores_it() {
        let conn = memory();
        let now = time::OffsetDateTime::now_utc();
        let phone = crate::model::PhoneE164::parse("+351919000222", None).expect("phone");
        let id = db::contacts::insert_manual(&conn, "Rita", &phone, None, now).expect("contact");
        let all = [
            Purpose::ListExport,
            Purpose::Ai,
            Purpose::SheetsSync,
            Purpose::Broadcast,
            Purpose::Automation,
        ];
        for p in all {
            assert!(check_processing(&conn, id, p).is_ok(), "{p:?} before");
        }
        let actor = Actor::default();
        assert!(set_restricted(&conn, id, true, &actor, now).expect("restrict"));
        assert!(
            !set_restricted(&conn, id, true, &actor, now).expect("again"),
            "already so"
        );
        for p in all {
            let err = check_processing(&conn, id, p).expect_err("refused");
            assert!(err.to_string().contains("restricted"), "{p:?}: {err}");
        }
        let mut f = ContactFilter::default();
        exclude_restricted(&mut f);
        let listed = db::contacts::count_matching(
            &conn,
            &f,
            &crate::model::Now {
                at: now,
                zone: crate::model::Zone::utc(),
            },
        )
        .expect("count");
        assert_eq!(listed, 0, "lists leave them out");
        assert!(set_restricted(&conn, id, false, &actor, now).expect("lift"));
        assert!(check_processing(&conn, id, Purpose::Broadcast).is_ok());
        assert!(matches!(
            check_processing(&conn, ContactId(999), Purpose::Ai),
            Err(Error::NotFound(_))
        ));
    }
}
