//! Handing out a stored media file over HTTP, for the page (`/media/{id}`) and the API
//! (`/api/v1/messages/{id}/media`): revalidated on every use, never run as a page.

use crate::crm::media::StoredFile;
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Kept only privately, and checked with the server before every use: once the media is
/// erased it is never shown from a copy.
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

/// `Content-Disposition` with an ASCII fallback and the UTF-8 name (RFC 6266).
fn disposition(filename: &str, inline: bool) -> String {
    let clean = filename.replace(|c: char| c == '"' || c == '\\' || c.is_control(), "_");
    let ascii: String = clean
        .chars()
        .map(|c| if c.is_ascii() { c } else { '_' })
        .collect();
    let encoded: String = clean
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "{}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}",
        if inline { "inline" } else { "attachment" }
    )
}

/// The file as a response (304 when the client's copy is current).
pub fn file_response(f: StoredFile, request: &HeaderMap) -> Response {
    let cached = request
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().trim_start_matches("W/") == f.etag);
    let mut validators = vec![(
        header::CACHE_CONTROL,
        HeaderValue::from_static(CACHE_POLICY),
    )];
    if let Ok(v) = HeaderValue::from_str(&f.etag) {
        validators.push((header::ETAG, v));
    }
    if cached {
        return (
            StatusCode::NOT_MODIFIED,
            validators.into_iter().collect::<HeaderMap>(),
        )
            .into_response();
    }
    let inline = INLINE.contains(&f.mime.as_str());
    let content_type = if f.mime.is_empty() {
        "application/octet-stream"
    } else {
        f.mime.as_str()
    };
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::new(f.file)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_str(content_type)
            .unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition(&f.filename, inline)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(size) = f.size {
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
    resp
}

/// A contact's export (an unlinked scratch file) as a ZIP download that no cache keeps.
pub fn zip_download(file: std::fs::File, name: &str, size: u64) -> Response {
    let file = tokio::fs::File::from_std(file);
    let mut resp = Body::from_stream(tokio_util::io::ReaderStream::new(file)).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/zip"),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition(name, false)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CONTENT_LENGTH, size.into());
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(
        "content-security-policy",
        HeaderValue::from_static("sandbox; default-src 'none'"),
    );
    resp
}
