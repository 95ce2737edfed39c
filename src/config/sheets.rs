//! `[sheets]`: Google Sheets sync — the spreadsheet, the service-account key file, when it runs,
//! the API addresses (for tests and proxies), and each tab's name and columns. Values set here
//! win over the ones set in Settings → Google Sheets.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// `[sheets]`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields, default)]
pub struct SheetsConfig {
    /// The spreadsheet's id or address (else the one set in the browser).
    pub spreadsheet: Option<String>,
    /// A service-account key JSON file (else the key uploaded in the browser or stored with
    /// `flowcrm secret set sheets.service_account`).
    pub service_account_file: Option<PathBuf>,
    /// When to sync: a cron expression in the business's time zone; empty = on demand only.
    pub schedule: String,
    /// The Sheets API address.
    pub api_base: String,
    /// The OAuth token endpoint (default: the key's `token_uri`).
    pub token_uri: Option<String>,
    /// Seconds to wait for each Google request.
    pub timeout_secs: u32,
    /// The contacts tab's name.
    pub contacts_tab: Option<String>,
    /// The contacts tab's columns, e.g. `name; phone; field:points (sheet owns)`.
    pub contacts_columns: Option<String>,
    /// The orders tab's name.
    pub orders_tab: Option<String>,
    /// The orders tab's columns.
    pub orders_columns: Option<String>,
    /// One row per order line instead of one per order.
    pub order_lines: Option<bool>,
    /// Only contacts who opted in to marketing.
    pub only_opted_in: Option<bool>,
}

impl Default for SheetsConfig {
    fn default() -> Self {
        Self {
            spreadsheet: None,
            service_account_file: None,
            schedule: "*/15 * * * *".into(),
            api_base: "https://sheets.googleapis.com/".into(),
            token_uri: None,
            timeout_secs: 60,
            contacts_tab: None,
            contacts_columns: None,
            orders_tab: None,
            orders_columns: None,
            order_lines: None,
            only_opted_in: None,
        }
    }
}
