//! Integration tests of the web app, built in-process on a temp data dir.

mod helpers;

mod auth;
mod setup;
mod shell;
mod webhooks;
