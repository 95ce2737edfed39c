//! CRM use cases: recording what WhatsApp tells us, contacts and their identities. Owns the
//! transaction boundaries (functions here run inside one writer transaction). Imports `db`,
//! `model` and the WhatsApp adapter's event types.

pub mod access;
pub mod api_keys;
pub mod consent;
pub mod contacts;
pub mod conversations;
pub mod demo;
mod error;
pub mod events;
pub mod fields;
pub mod filters;
pub mod identity;
pub mod import;
pub mod inbound;
pub mod media;
pub mod notes;
pub mod orders;
pub mod outbound;
pub mod products;
mod receive;
pub mod segments;
pub mod send;
mod service;
pub mod tags;
pub mod templates;

pub use error::{Error, Result};
pub use service::{Crm, MetaLink};

/// Appends an audit entry for `actor`.
pub(crate) fn audit(
    conn: &rusqlite::Connection,
    actor: &contacts::Actor,
    action: &str,
    target: String,
    detail: String,
    now: time::OffsetDateTime,
) -> crate::db::Result<()> {
    crate::db::audit::record(
        conn,
        &crate::db::audit::Entry {
            at: now,
            actor: actor.user,
            action: action.into(),
            target,
            ip: actor.ip.clone(),
            detail,
        },
    )
}
