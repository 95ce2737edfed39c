//! CRM use cases: recording what WhatsApp tells us, contacts and their identities. Owns the
//! transaction boundaries (functions here run inside one writer transaction). Imports `db`,
//! `model` and the WhatsApp adapter's event types.

pub mod api_keys;
pub mod contacts;
pub mod conversations;
pub mod demo;
pub mod fields;
pub mod identity;
pub mod import;
pub mod inbound;
pub mod orders;
pub mod outbound;
pub mod products;
pub mod templates;
