//! The WhatsApp connection: the business number's ids (phone number id, WABA id, app id) and
//! whether an access token is stored. A value set in `flowcrm.toml` (or the environment) wins;
//! otherwise the one set in the browser (the `settings` table and the vault) applies. One rule decides "connected" for every door: a phone number id
//! and an access token. A send while not connected is refused with the same words everywhere,
//! never queued to wait forever.

use super::{Error, Result};
use crate::config::Config;
use crate::db;
use rusqlite::Connection;

mod setup;

pub use setup::*;

/// The setting names of the connection's ids.
pub const PHONE_NUMBER_ID: &str = "whatsapp.phone_number_id";
/// WABA id setting.
pub const WABA_ID: &str = "whatsapp.waba_id";
/// App id setting.
pub const APP_ID: &str = "whatsapp.app_id";

/// What refusals say while WhatsApp is not connected.
pub const NOT_CONNECTED: &str = "WhatsApp is not connected yet, so nothing can be sent: an admin connects it in Settings → WhatsApp (phone number id and access token).";

/// The connection values `flowcrm.toml` (or the environment) gives.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileValues {
    /// `whatsapp.phone_number_id`.
    pub phone_number_id: Option<String>,
    /// `whatsapp.waba_id`.
    pub waba_id: Option<String>,
    /// `whatsapp.app_id`.
    pub app_id: Option<String>,
    /// The access token is in the file.
    pub token_in_file: bool,
}

impl FileValues {
    /// The values of `config`.
    #[must_use]
    pub fn of(config: &Config) -> Self {
        let w = &config.whatsapp;
        Self {
            phone_number_id: w.phone_number_id.clone(),
            waba_id: w.waba_id.clone(),
            app_id: w.app_id.clone(),
            token_in_file: w.access_token.is_some(),
        }
    }
}

/// The connection's ids in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ids {
    /// The business number's phone number id.
    pub phone_number_id: Option<String>,
    /// The WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// The Meta app id.
    pub app_id: Option<String>,
}

fn value(conn: &Connection, name: &str, file: Option<&String>) -> db::Result<Option<String>> {
    if let Some(v) = file.filter(|v| !v.trim().is_empty()) {
        return Ok(Some(v.clone()));
    }
    Ok(db::settings::get(conn, name)?
        .map(|s| s.value)
        .filter(|v| !v.trim().is_empty()))
}

/// The ids in force: the file's, else the browser's.
pub fn ids(conn: &Connection, file: &FileValues) -> db::Result<Ids> {
    Ok(Ids {
        phone_number_id: value(conn, PHONE_NUMBER_ID, file.phone_number_id.as_ref())?,
        waba_id: value(conn, WABA_ID, file.waba_id.as_ref())?,
        app_id: value(conn, APP_ID, file.app_id.as_ref())?,
    })
}

/// Whether an access token is in force (stored encrypted or in the file).
pub fn token_set(conn: &Connection, file: &FileValues) -> db::Result<bool> {
    Ok(file.token_in_file || db::secrets::get(conn, "whatsapp.access_token")?.is_some())
}

/// The business number's phone number id when WhatsApp is connected (an id and a token);
/// refused with [`NOT_CONNECTED`] otherwise.
pub fn require(conn: &Connection, file: &FileValues) -> Result<String> {
    // Runs in every send transaction and on every inbox page: only the two values it needs.
    match value(conn, PHONE_NUMBER_ID, file.phone_number_id.as_ref())? {
        Some(id) if token_set(conn, file)? => Ok(id),
        _ => Err(Error::NotConnected),
    }
}

impl super::Crm {
    /// The connection's ids in force.
    pub async fn whatsapp_ids(&self) -> Result<Ids> {
        let file = self.whatsapp.clone();
        Ok(self.db.read(move |c| ids(c, &file)).await?)
    }

    /// Whether WhatsApp is connected (a phone number id and an access token).
    pub async fn connected(&self) -> Result<bool> {
        let file = self.whatsapp.clone();
        self.db
            .read(move |c| match require(c, &file) {
                Ok(_) => Ok(true),
                Err(Error::NotConnected) => Ok(false),
                Err(e) => Err(e),
            })
            .await
    }
}
