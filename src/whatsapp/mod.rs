//! The WhatsApp Cloud API adapter: webhook parsing (pure) and the Graph API client.
//! Imports `model`, `crypto` and its own configuration only.

pub mod client;
pub mod limiter;
pub mod outbound;
pub mod signed_request;
pub mod webhook;
