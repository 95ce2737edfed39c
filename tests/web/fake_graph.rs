//! An in-process fake of the Graph API media endpoints that checks what the real API checks:
//! the path, the version and the bearer token.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub const TOKEN: &str = "test-access-token";

/// One fake attachment.
#[derive(Clone)]
pub struct FakeMedia {
    pub bytes: Vec<u8>,
    pub mime: &'static str,
    /// Announce this hash instead of the real one.
    pub wrong_hash: bool,
}

#[derive(Clone, Default)]
pub struct FakeGraph {
    pub media: Arc<Mutex<HashMap<String, FakeMedia>>>,
    pub requests: Arc<Mutex<Vec<String>>>,
    base: Arc<Mutex<String>>,
}

fn graph_error(status: StatusCode, code: i64, message: &str) -> Response {
    let body = json!({"error": {"message": message, "type": "OAuthException", "code": code, "fbtrace_id": "Fake"}});
    (status, axum::Json(body)).into_response()
}

fn authorized(headers: &HeaderMap) -> bool {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {TOKEN}"))
}

async fn media_info(
    State(g): State<FakeGraph>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    g.requests
        .lock()
        .expect("lock")
        .push(format!("GET /{version}/{id}"));
    if version != "v23.0" {
        return graph_error(StatusCode::BAD_REQUEST, 2635, "unknown version");
    }
    if !authorized(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let Some(m) = g.media.lock().expect("lock").get(&id).cloned() else {
        return graph_error(StatusCode::NOT_FOUND, 100, "Unsupported get request");
    };
    let hash = if m.wrong_hash {
        "00".repeat(32)
    } else {
        hex::encode(Sha256::digest(&m.bytes))
    };
    let base = g.base.lock().expect("lock").clone();
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "url": format!("{base}/download/{id}?ext=1"),
        "mime_type": m.mime,
        "sha256": hash,
        "file_size": m.bytes.len().to_string(),
        "id": id,
    }))
    .into_response()
}

async fn download(
    State(g): State<FakeGraph>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Response {
    g.requests
        .lock()
        .expect("lock")
        .push(format!("GET /download/{id}"));
    if !authorized(&headers) {
        return StatusCode::UNAUTHORIZED.into_response();
    }
    match g.media.lock().expect("lock").get(&id).cloned() {
        Some(m) => ([(header::CONTENT_TYPE, m.mime)], m.bytes).into_response(),
        None => StatusCode::NOT_FOUND.into_response(),
    }
}

impl FakeGraph {
    /// Starts the fake on a free loopback port and returns its base URL.
    pub async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        self.base.lock().expect("lock").clone_from(&base);
        let app = Router::new()
            .route("/{version}/{id}", get(media_info))
            .route("/download/{id}", get(download))
            .with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.expect("fake graph") });
        base
    }

    pub fn add(&self, id: &str, bytes: &[u8], mime: &'static str, wrong_hash: bool) {
        self.media.lock().expect("lock").insert(
            id.into(),
            FakeMedia {
                bytes: bytes.to_vec(),
                mime,
                wrong_hash,
            },
        );
    }
}
