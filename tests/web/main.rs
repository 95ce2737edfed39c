//! Integration tests of the web app, built in-process on a temp data dir.

mod ai;
mod ai_page;
mod consent_keywords;
mod contact_data;
mod data_requests;
#[path = "../common/fake_ai.rs"]
mod fake_ai;
mod fake_graph;
mod fake_sheets;
mod filters;
mod helpers;
#[path = "../common/mutate.rs"]
mod mutate;
#[path = "../common/payload.rs"]
mod payload;
#[path = "../common/wait.rs"]
mod wait;

mod api;
mod api_messages;
mod attachments;
mod audit;
mod auth;
mod backups;
mod campaign_pages;
mod campaigns;
mod connection;
mod contacts;
mod conversation;
mod fuzz;
mod hostile_input;
mod inbound_account;
mod inbound_echoes;
mod live_events;
mod local_time;
#[cfg(feature = "smtp")]
mod mail;
mod media;
mod notifications;
mod orders;
mod outbound;
mod permissions;
mod privacy_notice;
mod records;
mod reports;
mod restrict;
mod retention;
mod role_matrix;
mod route_rules;
mod setup;
mod sheets;
mod sheets_page;
mod shell;
pub mod start_conversation;
mod tags;
mod team;
mod team_admin;
mod templates;
mod two_factor;
mod viewer;
pub mod webhooks;
