//! What a webhook says about the account and the contacts rather than a conversation:
//! template changes, alerts for the admins, customers' marketing preferences (into the consent
//! ledger) and the WhatsApp Business app's address book.

use super::{Outcome, time_of};
use crate::crm::consent::{self, Consent};
use crate::crm::identity::{self, Identity};
use crate::db::{self, Result};
use crate::model::OptIn;
use crate::whatsapp::webhook::{AddressBookEntry, Alert, Preference, TemplateUpdate};
use rusqlite::Connection;
use time::OffsetDateTime;

/// The consent ledger's source for a preference Meta reports.
pub const PREFERENCE_SOURCE: &str = "WhatsApp marketing preference";

pub(super) fn record_alert(
    conn: &Connection,
    a: &Alert,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let alert = db::alerts::NewAlert {
        at: a.at.map_or(now, |t| time_of(t, now)),
        field: &a.field,
        event: &a.event,
        topic: &a.topic,
        severity: a.severity.as_str(),
        blocks_sending: a.blocks_sending,
        title: &a.title,
        detail: &a.detail,
        value: &a.value.to_string(),
    };
    db::alerts::insert(conn, &alert, now)?;
    out.alerts += 1;
    Ok(())
}

pub(super) fn record_preference(
    conn: &Connection,
    p: &Preference,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let who = Identity {
        phone: p.customer_phone.as_ref(),
        bsuid: p.customer_user_id.as_deref(),
        profile_name: None,
        username: None,
        parent_bsuid: None,
    };
    let contact = identity::resolve(conn, &who, now)?;
    let at = time_of(p.timestamp, now);
    out.contact_updates += 1;
    let state = match (p.category.as_str(), p.value.as_str()) {
        ("marketing_messages", "stop") => Some(OptIn::Out),
        ("marketing_messages", "resume") => Some(OptIn::In),
        _ => None,
    };
    // A preference older than the newest consent change (Meta retried it late) is history.
    let newest = db::consent::consent_events(conn, contact)?
        .first()
        .map(|e| e.at);
    let outdated = newest.is_some_and(|n| n > at);
    match state {
        Some(state) if !outdated => {
            let consent = Consent {
                state,
                source: PREFERENCE_SOURCE.into(),
                fallback: String::new(),
                by: None,
            };
            // The contact was resolved above, so only the store itself can fail here.
            if let Err(e) = consent::record(conn, contact, &consent, at) {
                return Err(match e {
                    crate::crm::Error::Db(e) => e,
                    _ => db::Error::Corrupt("contact of a marketing preference"),
                });
            }
        }
        _ => {
            let why = if outdated {
                " (older than the consent on record, so not applied)"
            } else {
                ""
            };
            let detail = format!(
                "WhatsApp preference {} = {}: {}{why}",
                p.category, p.value, p.detail
            );
            db::contact_events::insert(conn, contact, "whatsapp_preference", &detail, None, at)?;
        }
    }
    Ok(())
}

pub(super) fn record_address_book(
    conn: &Connection,
    e: &AddressBookEntry,
    now: OffsetDateTime,
    out: &mut Outcome,
) -> Result<()> {
    let who = Identity {
        phone: Some(&e.phone),
        bsuid: None,
        profile_name: None,
        username: None,
        parent_bsuid: None,
    };
    let contact = identity::resolve(conn, &who, now)?;
    let at = time_of(e.timestamp, now);
    out.contact_updates += 1;
    let detail = match (e.action.as_str(), e.full_name.as_deref()) {
        ("remove", _) => {
            "Removed from the WhatsApp Business app's contacts (FlowCRM keeps the contact)".into()
        }
        (_, Some(name)) => {
            db::contacts::name_if_unnamed(conn, contact, name, now)?;
            format!("Saved in the WhatsApp Business app's contacts as “{name}”")
        }
        (action, None) => format!("WhatsApp Business app contacts: {action}"),
    };
    db::contact_events::insert(conn, contact, "address_book", &detail, None, at)
}

pub(super) fn record_template(
    conn: &Connection,
    t: &TemplateUpdate,
    now: OffsetDateTime,
) -> Result<()> {
    let change = db::templates::TemplateChange {
        meta_id: &t.meta_id,
        name: t.name.as_deref(),
        language: t.language.as_deref(),
        status: t.status.as_deref(),
        reason: t.reason.as_deref(),
        category: t.category.as_deref(),
        quality: t.quality.as_deref(),
    };
    db::templates::apply_change(conn, &change, now)
}
