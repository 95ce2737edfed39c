//! The use-case layer: every behaviour on customer data has one door here, called alike by the
//! pages, the JSON API, the CLI and the jobs. `Crm` (service.rs) holds the handles; its async
//! methods own their transaction (any `Err` rolls it back, see `Error`), then wake the sender
//! and publish live events. The plain functions run inside a caller's writer transaction.
//! Permissions are decided in `access`. Imports `db`, `model`, `clock`, `config`, `crypto` and
//! the WhatsApp adapter (event types, the Graph client).

pub mod access;
pub mod ai;
pub mod alerts;
pub mod api_keys;
pub mod audit_log;
pub mod backup;
pub mod campaigns;
pub mod connection;
pub mod consent;
pub mod contacts;
pub mod conversations;
pub mod data_requests;
mod error;
pub mod events;
pub mod fields;
pub mod filters;
pub mod identity;
pub mod import;
pub mod inbound;
pub mod mail;
pub mod media;
pub mod merge_preview;
pub mod notes;
pub mod notice;
pub mod notify;
pub mod orders;
pub mod outbound;
pub mod password_reset;
pub mod products;
mod receive;
pub mod reports;
pub mod retention;
pub mod segments;
pub mod send;
mod service;
pub mod sheets;
pub mod start;
pub mod subject;
pub mod tags;
pub mod team;
mod team_links;
pub mod templates;
pub mod two_factor;

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
