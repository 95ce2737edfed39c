//! CSV exports of contacts (the chosen columns, the current search and tag) and orders. Cells
//! that a spreadsheet would run as a formula are defused. Every export is audited.

mod contacts;
mod orders;

use crate::app::AppState;
use crate::db;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

pub use contacts::*;
pub use orders::*;

/// Columns a contact export may have, in this order.
pub const CONTACT_COLUMNS: &[&str] = &[
    "name",
    "whatsapp_name",
    "phone",
    "email",
    "tags",
    "opt_in",
    "created_at",
];

/// Rows fetched per page while exporting.
const CHUNK: u32 = 1000;

/// A cell that will not run as a formula in a spreadsheet (OWASP CSV injection).
pub(crate) fn cell(s: &str) -> String {
    let numeric = |rest: &str| {
        !rest.is_empty()
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || c == ' ' || c == '.')
    };
    match s.chars().next() {
        Some('=' | '@' | '\t' | '\r') => format!("'{s}"),
        Some('+' | '-') if !numeric(&s[1..]) => format!("'{s}"),
        _ => s.to_string(),
    }
}

/// The CSV download; with `bom` it starts with the UTF-8 byte order mark, which Excel needs to
/// show accents (`?bom=1`).
pub(crate) fn csv_response(name: &str, body: Vec<u8>, bom: bool) -> Response {
    let body = if bom {
        [&b"\xEF\xBB\xBF"[..], &body].concat()
    } else {
        body
    };
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

/// Every row of a keyset-paginated query, fetched `CHUNK` at a time; `each` maps a row with
/// the same connection (for its tags or lines).
fn all_pages<R, T, C>(
    mut page: impl FnMut(Option<C>) -> db::Result<Vec<R>>,
    cursor: impl Fn(&R) -> C,
    mut each: impl FnMut(R) -> db::Result<T>,
) -> db::Result<Vec<T>> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let rows = page(before)?;
        let done = rows.len() < CHUNK as usize;
        before = rows.last().map(&cursor);
        for r in rows {
            out.push(each(r)?);
        }
        if done {
            return Ok(out);
        }
    }
}

pub(crate) async fn audit(
    state: &AppState,
    user: &CurrentUser,
    action: &'static str,
    rows: usize,
) -> Result<()> {
    let entry = db::audit::Entry {
        at: state.clock.now(),
        actor: Some(user.session.user.id),
        action: action.into(),
        target: String::new(),
        ip: user.ctx.client.ip.clone(),
        detail: format!("rows={rows}"),
    };
    state
        .db
        .write(move |c| db::audit::record(c, &entry))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::cell;

    #[test]
    fn formulas_are_defused_but_phone_numbers_stay_numbers() {
        assert_eq!(cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(cell("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(cell("+5511988887777"), "+5511988887777");
        assert_eq!(cell("-12.50"), "-12.50");
        assert_eq!(cell("Ana"), "Ana");
    }
}
