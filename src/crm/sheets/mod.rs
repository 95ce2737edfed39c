//! Google Sheets sync: one door for every way a sync starts (the schedule inside the server, the
//! "Sync now" button, `flowcrm sheets sync [--dry-run]`) and for the setup page. Contacts and
//! orders go into the business's own spreadsheet, incrementally: rows are found by their
//! `flowcrm_id` cell (people may sort, filter, insert rows and move columns), only changed
//! cells are written (`valueInputOption=RAW`), new rows appended, rows of erased, deleted,
//! restricted or no-longer-selected contacts deleted bottom-up, and edits in columns the sheet
//! owns read back into custom fields with the page's validation (audited as "Google Sheets").
//! A value set in `flowcrm.toml` wins over the one set in the browser.

mod commit;
mod cycle;
mod plan;
mod rows;
mod run;
pub(super) mod setup;
mod status;
mod want;

pub use plan::{Read, Readback, TabPlan, Want, text};
pub use run::Outcome;
pub use setup::{FileValues, Setup, SetupInput, TabSetup};
pub use status::{Checklist, Status, Step};

use crate::model::Zone;
use crate::model::schedule::Schedule;
use std::time::Duration;

/// The Sheets client kept between runs, with the fingerprint of the key and addresses it was
/// made for.
pub type CachedClient = (String, std::sync::Arc<crate::sheets::Client>);

/// Setting names of what the browser sets.
pub mod names {
    /// Spreadsheet id.
    pub const SPREADSHEET: &str = "sheets.spreadsheet";
    /// Contacts tab name.
    pub const CONTACTS_TAB: &str = "sheets.contacts_tab";
    /// Contacts tab columns (text form).
    pub const CONTACTS_COLUMNS: &str = "sheets.contacts_columns";
    /// Orders tab name.
    pub const ORDERS_TAB: &str = "sheets.orders_tab";
    /// Orders tab columns.
    pub const ORDERS_COLUMNS: &str = "sheets.orders_columns";
    /// One row per order line.
    pub const ORDER_LINES: &str = "sheets.order_lines";
    /// Only contacts who opted in.
    pub const ONLY_OPTED_IN: &str = "sheets.only_opted_in";
    /// The vault's name of the service-account key.
    pub const KEY_SECRET: &str = "sheets.service_account";
}

/// Google's per-spreadsheet limit is 10 million cells; FlowCRM stops adding rows before it.
pub const CELL_LIMIT: u64 = 9_000_000;

/// How the sync talks to Google and when it runs (from `flowcrm.toml`).
#[derive(Debug, Clone)]
pub struct Runtime {
    /// When (none: on demand only).
    pub schedule: Option<Schedule>,
    /// The Sheets API address (trailing slash).
    pub api_base: String,
    /// The token endpoint instead of the key's own.
    pub token_uri: Option<String>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// The business's zone (schedule, dates in cells).
    pub zone: Zone,
    /// The values `flowcrm.toml` sets.
    pub file: FileValues,
}

/// What started a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// `sheets.schedule`.
    Schedule,
    /// "Sync now" in Settings.
    Button,
    /// `flowcrm sheets sync`.
    Cli,
    /// The setup checklist's first sync.
    Setup,
}

impl Trigger {
    /// Stored name.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Schedule => "schedule",
            Self::Button => "button",
            Self::Cli => "cli",
            Self::Setup => "setup",
        }
    }
}
