//! Helpers for forms: field errors shown next to their inputs, and redirects with a flash.

use super::cookies::{CookieConfig, FlashKind};
use crate::auth::FieldError;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Field errors of a submitted form.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(pub Vec<FieldError>);

impl FormErrors {
    /// True when `field` has an error.
    #[must_use]
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    /// The message for `field`, or "".
    #[must_use]
    pub fn get(&self, field: &str) -> &str {
        self.0
            .iter()
            .find(|e| e.field == field)
            .map_or("", |e| e.message.as_str())
    }

    /// True when there is no error.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A 303 redirect (Post/Redirect/Get) that shows `message` on the next page.
pub fn redirect_with_flash(
    cookies: &CookieConfig,
    to: &str,
    kind: FlashKind,
    message: &str,
) -> Response {
    let mut resp = see_other(to);
    resp.headers_mut()
        .append(header::SET_COOKIE, cookies.flash(kind, message));
    resp
}

/// A plain 303 redirect.
#[must_use]
pub fn see_other(to: &str) -> Response {
    let location = HeaderValue::from_str(to).unwrap_or_else(|_| HeaderValue::from_static("/"));
    (StatusCode::SEE_OTHER, [(header::LOCATION, location)]).into_response()
}

/// A keyset-pagination cursor `(time, id)`, written in URLs as `<unix seconds>_<id>`.
pub type Cursor = (time::OffsetDateTime, i64);

/// Reads a `before=` cursor; a malformed one counts as none (first page).
#[must_use]
pub fn parse_cursor(text: Option<&str>) -> Option<Cursor> {
    let (t, id) = text?.split_once('_')?;
    Some((
        time::OffsetDateTime::from_unix_timestamp(t.parse().ok()?).ok()?,
        id.parse().ok()?,
    ))
}

/// The cursor of the next page: the last row's `(time, id)` when the page was full.
#[must_use]
pub fn next_cursor(page_len: usize, page_size: u32, last: Option<Cursor>) -> Option<String> {
    if page_len < page_size as usize {
        return None;
    }
    last.map(|(t, id)| format!("{}_{id}", t.unix_timestamp()))
}
