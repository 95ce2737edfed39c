//! `GET /media/{id}`: downloaded attachments, for logged-in users only.

use super::error::Result;
use super::extract::CurrentUser;
use crate::api::files::file_response;
use crate::app::AppState;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::Response;

/// `GET /media/{id}`. Customer media is revalidated on every view (`no-cache` with an ETag):
/// a browser may keep a copy, but once the media is erased it is never shown from that copy.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let file = state.crm.open_media(id, user.who()).await?;
    Ok(file_response(file, &headers))
}
