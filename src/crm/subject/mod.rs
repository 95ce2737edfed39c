//! A data subject's rights over what FlowCRM stores about them, as use cases every door calls:
//! a copy of everything (export, a ZIP with JSON and media), erasure that reaches every copy
//! (with a receipt and the erasure journal), and restriction of processing.

mod erase;
pub(crate) use erase::remove_in;
mod export;
pub mod restrict;

pub use erase::{ERASE_WORD, Erase, Receipt, erasure_hash};
pub use export::{EXPORT_FORMAT, ExportSummary};
pub use restrict::{Purpose, check_processing, exclude_restricted};
