//! The Google Sheets adapter: the service-account key, and a client for the few Sheets API v4
//! calls the sync makes (spreadsheet metadata, one batch read, one batch write of changed cells
//! with `valueInputOption=RAW`, row deletions, appends), over `google-sheets4`. Every failure
//! comes back as an [`Error`] with a kind the sync can act on and Google's own message. Imports
//! only `model`.

mod client;
mod error;
mod key;
mod structure;

pub use client::{Client, TabMeta};
pub use error::{Error, ErrorKind};
pub use key::ServiceAccount;
pub use structure::Structure;

/// Google's default Sheets API address.
pub const DEFAULT_API_BASE: &str = "https://sheets.googleapis.com/";
