//! `GET /`: the inbox is home.

use axum::response::Redirect;

/// `GET /`.
pub async fn home() -> Redirect {
    Redirect::to("/inbox")
}
