//! FlowCRM: a self-hosted WhatsApp CRM in one binary. This crate root lists the modules; see
//! `docs/architecture.md` for who may import whom.

pub mod ai;
pub mod api;
pub mod app;
pub mod auth;
pub mod cli;
pub mod clock;
pub mod config;
pub mod crm;
pub mod crypto;
pub mod db;
pub mod jobs;
pub mod logging;
pub mod mail;
pub mod model;
pub mod server;
pub mod sheets;
pub mod vault;
pub mod web;
pub mod whatsapp;

pub use app::AppState;
