//! Orders: list with status filter and totals per currency, the order page with its lines,
//! status changes along the pipeline and their history.

mod list;
mod show;

pub use list::*;
pub use show::*;
