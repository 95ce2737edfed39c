//! `GET /media/{id}`: downloaded attachments, for logged-in users only.

use super::extract::CurrentUser;
use crate::app::AppState;
use crate::db;
use crate::db::media::MediaState;
use crate::error::{AppError, Result};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// Types a browser may show inline; anything else is a download.
const INLINE: &[&str] = &[
    "image/jpeg",
    "image/png",
    "image/webp",
    "video/mp4",
    "video/3gpp",
    "audio/ogg",
    "audio/mpeg",
    "audio/mp4",
    "audio/aac",
    "audio/amr",
];

/// `GET /media/{id}`.
pub async fn show(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    let row = state
        .db
        .read(move |c| db::media::get(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let (MediaState::Stored, Some(name)) = (row.state, row.stored_name.as_ref()) else {
        return Err(AppError::NotFound);
    };
    let path = state.config.media_dir().join(name);
    let file = tokio::fs::File::open(&path).await.map_err(|e| {
        tracing::error!(media = id, path = %path.display(), error = %e, "stored media file missing");
        AppError::NotFound
    })?;
    let mime = row
        .mime_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let inline = INLINE.contains(&mime.as_str());
    let content_type = if mime.is_empty() {
        "application/octet-stream".to_string()
    } else {
        mime
    };
    let filename = row
        .filename
        .clone()
        .unwrap_or_else(|| name.clone())
        .replace(|c: char| c == '"' || c == '\\' || c.is_control(), "_");
    let ascii: String = filename
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let disposition = format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    );
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(file));
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(&content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(size) = row.size {
        h.insert(header::CONTENT_LENGTH, size.into());
    }
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400"),
    );
    // A file never runs as a page, whatever its content.
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}
