//! `GET /media/{id}`: downloaded attachments, for logged-in users only.

use super::extract::CurrentUser;
use crate::app::AppState;
use crate::db;
use crate::db::media::MediaState;
use crate::error::{AppError, Result};
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Kept only privately, and checked with the server before every use.
const CACHE_POLICY: &str = "private, no-cache";

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

/// `GET /media/{id}`. Customer media is revalidated on every view (`no-cache` with an ETag):
/// a browser may keep a copy, but once the media is erased it is never shown from that copy.
pub async fn show(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response> {
    let row = state
        .db
        .read(move |c| db::media::get(c, id))
        .await?
        .ok_or(AppError::NotFound)?;
    let (MediaState::Stored, Some(name)) = (row.state, row.stored_name.as_ref()) else {
        return Err(AppError::NotFound);
    };
    // A stored file never changes under its generated name, so the name is the validator.
    let etag = format!("\"{id}-{name}\"");
    let cached = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().trim_start_matches("W/") == etag);
    let validators = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(CACHE_POLICY),
        ),
        (
            header::ETAG,
            HeaderValue::from_str(&etag).map_err(|_| AppError::NotFound)?,
        ),
    ];
    if cached {
        return Ok((StatusCode::NOT_MODIFIED, validators).into_response());
    }
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
    for (name, value) in validators {
        h.insert(name, value);
    }
    // A file never runs as a page, whatever its content.
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    Ok(resp)
}
