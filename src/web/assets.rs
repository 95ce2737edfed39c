//! Static files embedded in the binary, served with an `ETag`; URLs carry a content hash so
//! browsers may cache them for a year.

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;
use std::collections::HashMap;
use std::sync::OnceLock;

use super::error::AppError;

#[derive(RustEmbed)]
#[folder = "static/"]
struct Static;

/// First 16 hex digits of each file's SHA-256, computed once.
fn hashes() -> &'static HashMap<String, String> {
    static HASHES: OnceLock<HashMap<String, String>> = OnceLock::new();
    HASHES.get_or_init(|| {
        Static::iter()
            .filter_map(|name| {
                let file = Static::get(&name)?;
                let hash = hex::encode(&file.metadata.sha256_hash()[..8]);
                Some((name.into_owned(), hash))
            })
            .collect()
    })
}

/// URL of an embedded file, with its content hash as `?v=`.
#[must_use]
pub fn url(path: &str) -> String {
    match hashes().get(path) {
        Some(h) => format!("/static/{path}?v={h}"),
        None => format!("/static/{path}"),
    }
}

/// Query of an asset URL.
#[derive(serde::Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

/// `GET /static/{*path}`.
pub async fn serve(
    Path(path): Path<String>,
    Query(q): Query<AssetQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let (Some(file), Some(hash)) = (Static::get(&path), hashes().get(&path)) else {
        return Err(AppError::NotFound);
    };
    let etag = format!("\"{hash}\"");
    let cache = if q.v.as_deref() == Some(hash.as_str()) {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let mut resp = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mime = file.metadata.mimetype();
        let content_type = if mime.starts_with("text/") || mime.ends_with("javascript") {
            format!("{mime}; charset=utf-8")
        } else {
            mime.to_string()
        };
        (
            [(header::CONTENT_TYPE, content_type)],
            file.data.into_owned(),
        )
            .into_response()
    };
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    Ok(resp)
}
