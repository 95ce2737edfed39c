//! Orders: list with status filter and totals per currency, the order page with its lines,
//! status changes along the pipeline and their history.

mod list;
mod show;

pub use list::*;
pub use show::*;

fn date(t: time::OffsetDateTime) -> String {
    let fmt = time::macros::format_description!(
        "[day padding:none] [month repr:short] [year] [hour]:[minute]"
    );
    t.format(&fmt).unwrap_or_default()
}
