//! An in-process fake of the Graph API media endpoints that checks what the real API checks:
//! the path, the version and the bearer token.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use flowcrm::clock::Clock;
use flowcrm::whatsapp::limiter::Limiter;
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

/// An uploaded file: (MIME type, bytes).
pub type Uploaded = (String, Vec<u8>);

#[derive(Clone, Default)]
pub struct FakeGraph {
    pub media: Arc<Mutex<HashMap<String, FakeMedia>>>,
    /// Uploaded files: (MIME type, bytes).
    pub uploads: Arc<Mutex<Vec<Uploaded>>>,
    /// Bodies of accepted `POST /messages` requests.
    pub sent: Arc<Mutex<Vec<serde_json::Value>>>,
    /// Scripted answers for the next `POST /messages` requests: (HTTP status, JSON body).
    pub script: Arc<Mutex<std::collections::VecDeque<(u16, serde_json::Value)>>>,
    pub requests: Arc<Mutex<Vec<String>>>,
    /// Whether the app is subscribed to the WABA's webhooks.
    pub subscribed: Arc<Mutex<bool>>,
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

/// Fields Meta documents on a phone number node; asking for another one is error 100.
const PHONE_FIELDS: &[&str] = &[
    "id",
    "display_phone_number",
    "verified_name",
    "quality_rating",
    "throughput",
    "whatsapp_business_manager_messaging_limit",
    "messaging_limit_tier",
    "name_status",
    "platform_type",
    "code_verification_status",
    "status",
    "account_mode",
    "is_official_business_account",
];

/// `GET /{phone-number-id}?fields=…` like Meta answers it.
fn phone_number(fields: Option<&String>) -> Response {
    let fields: Vec<&str> = fields.map_or(vec![], |f| f.split(',').collect());
    if let Some(bad) = fields.iter().find(|f| !PHONE_FIELDS.contains(f)) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            &format!(
                "(#100) Tried accessing nonexisting field ({bad}) on node type (WhatsAppBusinessPhoneNumber)"
            ),
        );
    }
    let all = json!({
        "id": PNID, "display_phone_number": "+55 11 3456-7890", "verified_name": "Loja da Ana",
        "quality_rating": "GREEN", "throughput": {"level": "STANDARD"},
        "whatsapp_business_manager_messaging_limit": "TIER_2K", "name_status": "APPROVED",
        "platform_type": "CLOUD_API",
    });
    let mut out = serde_json::Map::new();
    out.insert("id".into(), json!(PNID));
    for f in fields {
        if let Some(v) = all.get(f) {
            out.insert(f.into(), v.clone());
        }
    }
    axum::Json(serde_json::Value::Object(out)).into_response()
}

async fn subscribed_apps(
    State(g): State<FakeGraph>,
    Path((_version, waba)): Path<(String, String)>,
    method: axum::http::Method,
    headers: HeaderMap,
) -> Response {
    g.requests
        .lock()
        .expect("lock")
        .push(format!("{method} {waba}/subscribed_apps"));
    if !authorized(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    if method == axum::http::Method::POST {
        *g.subscribed.lock().expect("lock") = true;
        return axum::Json(json!({"success": true})).into_response();
    }
    let data = if *g.subscribed.lock().expect("lock") {
        json!([{"whatsapp_business_api_data": {"id": "7777", "link": "https://www.facebook.com/games/?app_id=7777", "name": "Loja CRM"}}])
    } else {
        json!([])
    };
    axum::Json(json!({"data": data})).into_response()
}

async fn media_info(
    State(g): State<FakeGraph>,
    Path((version, id)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
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
    if id == PNID {
        return phone_number(q.get("fields"));
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

/// What Meta checks on a send, roughly: the shape of every type.
fn shape_problem(b: &serde_json::Value) -> Option<String> {
    let s = |v: &serde_json::Value, k: &str| {
        v.get(k)
            .and_then(serde_json::Value::as_str)
            .map(str::to_string)
    };
    if s(b, "messaging_product").as_deref() != Some("whatsapp") {
        return Some("messaging_product must be whatsapp".into());
    }
    if s(b, "status").as_deref() == Some("read") {
        return s(b, "message_id")
            .is_none()
            .then(|| "message_id required".into());
    }
    match (s(b, "to"), s(b, "recipient")) {
        (Some(to), None) if to.starts_with('+') && to[1..].chars().all(|c| c.is_ascii_digit()) => {}
        (None, Some(_)) => {}
        _ => return Some("exactly one of to (E.164) or recipient".into()),
    }
    let kind = s(b, "type")?;
    let obj = b.get(&kind)?;
    let ok = match kind.as_str() {
        "text" => s(obj, "body").is_some_and(|x| !x.is_empty() && x.chars().count() <= 4096),
        "image" | "video" | "audio" | "document" | "sticker" => {
            s(obj, "id").is_some() || s(obj, "link").is_some()
        }
        "template" => {
            s(obj, "name").is_some() && obj.get("language").and_then(|l| s(l, "code")).is_some()
        }
        "interactive" => {
            let t = s(obj, "type").unwrap_or_default();
            let body = obj.get("body").and_then(|x| s(x, "text")).is_some();
            let action = obj.get("action");
            let fits = match t.as_str() {
                "button" => action
                    .and_then(|a| a.get("buttons"))
                    .and_then(|x| x.as_array())
                    .is_some_and(|x| (1..=3).contains(&x.len())),
                "list" => {
                    action.and_then(|a| s(a, "button")).is_some()
                        && action.and_then(|a| a.get("sections")).is_some()
                }
                _ => false,
            };
            body && fits
        }
        "reaction" => s(obj, "message_id").is_some() && obj.get("emoji").is_some(),
        _ => false,
    };
    (!ok).then(|| format!("invalid {kind} object"))
}

async fn send(
    State(g): State<FakeGraph>,
    Path((version, pnid)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    g.requests
        .lock()
        .expect("lock")
        .push(format!("POST /{version}/{pnid}/messages"));
    if version != "v23.0" {
        return graph_error(StatusCode::BAD_REQUEST, 2635, "unknown version");
    }
    if !authorized(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let Ok(b) = serde_json::from_slice::<serde_json::Value>(&body) else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "invalid JSON");
    };
    if let Some(problem) = shape_problem(&b) {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            &format!("(#100) Invalid parameter: {problem}"),
        );
    }
    if let Some((status, answer)) = g.script.lock().expect("lock").pop_front() {
        return (
            StatusCode::from_u16(status).expect("status"),
            axum::Json(answer),
        )
            .into_response();
    }
    let n = {
        let mut sent = g.sent.lock().expect("lock");
        sent.push(b.clone());
        sent.len()
    };
    if b.get("status").is_some() {
        return axum::Json(json!({"success": true})).into_response();
    }
    let to = b.get("to").cloned().unwrap_or_default();
    axum::Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{"input": to, "wa_id": to.as_str().unwrap_or("").trim_start_matches('+')}],
        "messages": [{"id": format!("wamid.SENT.{n}")}]
    }))
    .into_response()
}

/// Meta's error answer, for scripts.
pub fn meta_error(code: i64, message: &str) -> serde_json::Value {
    json!({"error": {"message": format!("(#{code}) {message}"), "type": "OAuthException", "code": code,
                     "error_data": {"messaging_product": "whatsapp", "details": message}, "fbtrace_id": "Fake"}})
}

/// Three templates, two per page, like Meta's cursor paging.
async fn list_templates(
    State(g): State<FakeGraph>,
    Path((version, waba)): Path<(String, String)>,
    axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    g.requests.lock().expect("lock").push(format!(
        "GET /{version}/{waba}/message_templates?after={}",
        q.get("after").map_or("", String::as_str)
    ));
    if !authorized(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let all = [
        json!({"name":"order_update","language":"pt_BR","status":"APPROVED","category":"UTILITY","id":"987654321","parameter_format":"POSITIONAL",
               "components":[{"type":"BODY","text":"Olá {{1}}, seu pedido {{2}} saiu para entrega.","example":{"body_text":[["Ana","42"]]}}]}),
        json!({"name":"promo_novembro","language":"pt_BR","status":"REJECTED","category":"MARKETING","id":"111","rejected_reason":"PROMOTIONAL",
               "components":[{"type":"BODY","text":"Descontos!"}]}),
        json!({"name":"welcome","language":"en_US","status":"PENDING","category":"UTILITY","id":"222","components":[{"type":"BODY","text":"Welcome {{name}}"}],"parameter_format":"NAMED"}),
    ];
    let start: usize = q
        .get("after")
        .and_then(|a| a.strip_prefix("cursor"))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    let page: Vec<_> = all.iter().skip(start).take(2).cloned().collect();
    let mut paging = json!({"cursors": {"before": format!("cursor{start}"), "after": format!("cursor{}", start + 2)}});
    if start + 2 < all.len() {
        paging["next"] = json!(format!(
            "https://graph.example/next?after=cursor{}",
            start + 2
        ));
    }
    axum::Json(json!({"data": page, "paging": paging})).into_response()
}

/// Creating a template: checks name, category, body and examples like Meta does.
async fn create_template(
    State(g): State<FakeGraph>,
    headers: HeaderMap,
    axum::Json(b): axum::Json<serde_json::Value>,
) -> Response {
    g.requests
        .lock()
        .expect("lock")
        .push("POST message_templates".into());
    if !authorized(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let name = b["name"].as_str().unwrap_or("");
    if name.is_empty()
        || !name
            .bytes()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'_')
    {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter: name");
    }
    if name == "duplicate_name" {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "Message template already exists in this language",
        );
    }
    let category = b["category"].as_str().unwrap_or("");
    if !["UTILITY", "MARKETING", "AUTHENTICATION"].contains(&category) {
        return graph_error(StatusCode::BAD_REQUEST, 100, "Invalid parameter: category");
    }
    let Some(body) = b["components"]
        .as_array()
        .and_then(|c| c.iter().find(|x| x["type"] == "BODY"))
    else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "BODY component required");
    };
    let vars = body["text"].as_str().unwrap_or("").matches("{{").count();
    let examples = body["example"]["body_text"][0]
        .as_array()
        .map_or(0, Vec::len);
    if vars != examples {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "Number of parameters does not match the expected number of params",
        );
    }
    g.sent.lock().expect("lock").push(b.clone());
    axum::Json(json!({"id": "333", "status": "PENDING", "category": category})).into_response()
}

/// Media upload: multipart with `messaging_product`, `type` and `file`, like Meta requires.
async fn upload(
    State(g): State<FakeGraph>,
    headers: HeaderMap,
    mut form: axum::extract::Multipart,
) -> Response {
    if !authorized(&headers) {
        return graph_error(StatusCode::UNAUTHORIZED, 190, "Invalid OAuth access token");
    }
    let (mut product, mut kind, mut file) = (String::new(), String::new(), None);
    while let Ok(Some(field)) = form.next_field().await {
        match field.name().unwrap_or("") {
            "messaging_product" => product = field.text().await.unwrap_or_default(),
            "type" => kind = field.text().await.unwrap_or_default(),
            "file" => {
                let mime = field.content_type().unwrap_or("").to_string();
                file = Some((mime, field.bytes().await.unwrap_or_default().to_vec()));
            }
            _ => {}
        }
    }
    let Some((mime, bytes)) = file else {
        return graph_error(StatusCode::BAD_REQUEST, 100, "file is required");
    };
    if product != "whatsapp" || kind != mime {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            "messaging_product and type are required",
        );
    }
    let id = format!("uploaded-{}", g.uploads.lock().expect("lock").len() + 1);
    g.uploads.lock().expect("lock").push((mime, bytes));
    axum::Json(json!({"id": id})).into_response()
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
            .route("/{version}/{id}/messages", axum::routing::post(send))
            .route("/{version}/{id}/media", axum::routing::post(upload))
            .route(
                "/{version}/{id}/message_templates",
                get(list_templates).post(create_template),
            )
            .route(
                "/{version}/{id}/subscribed_apps",
                get(subscribed_apps).post(subscribed_apps),
            )
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

pub const PNID: &str = "200000000000002";

pub async fn setup() -> (crate::helpers::TestApp, FakeGraph) {
    setup_with(|_| {}).await
}

/// As [`setup`], with more configuration.
pub async fn setup_with(
    edit: impl FnOnce(&mut flowcrm::config::Config),
) -> (crate::helpers::TestApp, FakeGraph) {
    let fake = FakeGraph::default();
    let base = fake.start().await;
    let app = crate::helpers::TestApp::spawn_with(move |c| {
        c.whatsapp.graph_base_url = base;
        c.whatsapp.phone_number_id = Some(PNID.into());
        c.whatsapp.access_token = Some(flowcrm::config::Secret::new(TOKEN));
        edit(c);
    })
    .await;
    *app.state.sender.limiter.lock().expect("lock") = Limiter::with_pair_burst(1000, 100);
    (app, fake)
}

/// The customer writes now, which opens the 24-hour window; returns the conversation id.
pub async fn customer_writes(app: &mut crate::helpers::TestApp, wamid: &str) -> i64 {
    let ts = app.clock.now().unix_timestamp();
    let body = crate::payload::text_from("5511988887777", "Ana", wamid, ts, "Oi");
    let r = app.post_webhook(body.to_string().as_bytes()).await;
    assert_eq!(r.status, axum::http::StatusCode::OK);
    app.count("SELECT id FROM conversations").await
}

/// Stores a synced template as Meta would list it.
pub async fn add_template(
    app: &crate::helpers::TestApp,
    name: &'static str,
    language: &'static str,
    status: &'static str,
    components: serde_json::Value,
) {
    app.state
        .db
        .write(move |c| {
            let t = flowcrm::db::templates::Template {
                meta_id: Some(format!("{name}-{language}")),
                name: name.into(),
                language: language.into(),
                category: "UTILITY".into(),
                status: status.into(),
                reason: None,
                parameter_format: "POSITIONAL".into(),
                components: components.to_string(),
            };
            flowcrm::db::templates::upsert(c, &t, time::OffsetDateTime::now_utc())
        })
        .await
        .expect("template");
}

/// Runs the sender once with the token the fake accepts.
pub async fn run_sender(app: &crate::helpers::TestApp) -> flowcrm::jobs::outbox::Outcome {
    app.state
        .sender
        .run_once(Some(&flowcrm::config::Secret::new(TOKEN)))
        .await
        .expect("sender run")
}

impl FakeGraph {
    /// The first accepted send body of this `type`.
    pub fn sent_of_type(&self, kind: &str) -> serde_json::Value {
        self.sent
            .lock()
            .expect("lock")
            .iter()
            .find(|b| b["type"] == kind)
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} message reached the fake"))
    }
}
