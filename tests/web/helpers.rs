//! `TestApp`: the whole app in-process on a temp data dir, driven with `oneshot`, with a small
//! cookie jar so tests read like a browser session.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use flowcrm::AppState;
use flowcrm::auth::{ClientInfo, NewUserInput};
use flowcrm::clock::ManualClock;
use flowcrm::config::Config;
use flowcrm::model::Role;
use std::collections::HashMap;
use std::sync::Arc;
use tower::ServiceExt;

/// A response with its body read as text.
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl TestResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn location(&self) -> &str {
        self.header("location").unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(String::from))
            .collect()
    }

    /// The value of the first `name="csrf_token"` hidden input.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a csrf field") + marker.len();
        self.body[start..start + 64].to_string()
    }
}

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    router: Router,
    jar: HashMap<String, String>,
    /// Sent as X-Forwarded-For (the test config trusts the proxy).
    pub ip: String,
    _dir: tempfile::TempDir,
}

pub const PASSWORD: &str = "correct horse battery";
pub const APP_SECRET: &str = "test-app-secret";
pub const VERIFY_TOKEN: &str = "test-verify-token";

/// `sha256=<hex>` of `body` under the test app secret.
pub fn sign(body: &[u8]) -> String {
    format!(
        "sha256={}",
        hex::encode(flowcrm::crypto::hmac_sha256(APP_SECRET.as_bytes(), body))
    )
}

/// A recorded webhook payload from `tests/fixtures/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/fixtures/{name}.json", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(|_| {}).await
    }

    pub async fn spawn_with(edit: impl FnOnce(&mut Config)) -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut config = Config::default();
        config.server.data_dir = dir.path().join("data");
        config.server.trust_proxy = true;
        config.database.readers = 2;
        config.whatsapp.app_secret = Some(flowcrm::config::Secret::new(APP_SECRET));
        config.whatsapp.verify_token = Some(VERIFY_TOKEN.into());
        edit(&mut config);
        let clock = ManualClock::starting_now();
        let state = AppState::open(config, clock.clone())
            .await
            .expect("open app");
        let router = flowcrm::web::router(state.clone());
        Self {
            state,
            clock,
            router,
            jar: HashMap::new(),
            ip: "203.0.113.7".into(),
            _dir: dir,
        }
    }

    /// A second browser on the same server (separate cookies).
    pub fn other_browser(&self) -> Self {
        Self {
            state: self.state.clone(),
            clock: self.clock.clone(),
            router: self.router.clone(),
            jar: HashMap::new(),
            ip: "198.51.100.9".into(),
            _dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn cookie(&self, name: &str) -> Option<&String> {
        self.jar.get(name)
    }

    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.jar.insert(name.into(), value.into());
    }

    pub async fn send(&mut self, mut req: Request<Body>) -> TestResponse {
        if !self.jar.is_empty() {
            let cookie: Vec<_> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.headers_mut().insert(
                header::COOKIE,
                cookie.join("; ").parse().expect("cookie header"),
            );
        }
        req.headers_mut()
            .insert("x-forwarded-for", self.ip.parse().expect("ip"));
        let resp = self.router.clone().oneshot(req).await.expect("infallible");
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let r = TestResponse {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for c in r.set_cookies() {
            let first = c.split(';').next().unwrap_or("");
            let (name, value) = first.split_once('=').expect("cookie pair");
            if value.is_empty() || c.contains("Max-Age=0") {
                self.jar.remove(name);
            } else {
                self.jar.insert(name.into(), value.into());
            }
        }
        r
    }

    /// Sends with this browser's cookies and returns the response unread (for streams).
    pub async fn send_streaming(&mut self, mut req: Request<Body>) -> axum::response::Response {
        if !self.jar.is_empty() {
            let cookie: Vec<_> = self.jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req.headers_mut().insert(
                header::COOKIE,
                cookie.join("; ").parse().expect("cookie header"),
            );
        }
        req.headers_mut()
            .insert("x-forwarded-for", self.ip.parse().expect("ip"));
        self.router.clone().oneshot(req).await.expect("infallible")
    }

    pub async fn get(&mut self, path: &str) -> TestResponse {
        let req = Request::get(path).body(Body::empty()).expect("request");
        self.send(req).await
    }

    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        let body = serde_urlencoded::to_string(fields).expect("form");
        let req = Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// Posts a multipart form (`fields`, and `header_file` as (file name, MIME type, bytes)) to
    /// `path` with `csrf` in the query, as the pages with a file input do.
    pub async fn post_multipart(
        &mut self,
        path: &str,
        csrf: &str,
        fields: &[(&str, &str)],
        file: Option<(&str, &str, &[u8])>,
    ) -> TestResponse {
        let boundary = "TeStBoUnDaRy";
        let mut body = Vec::new();
        for (k, v) in fields {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        if let Some((name, mime, bytes)) = file {
            body.extend_from_slice(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"header_file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n").as_bytes());
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        let req = Request::post(format!("{path}?csrf_token={csrf}"))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }

    /// The `contact.json` of a contact's export (`/contacts/{id}/export.zip`).
    pub async fn exported(&mut self, contact: i64) -> serde_json::Value {
        let resp = self
            .send_streaming(
                Request::get(format!("/contacts/{contact}/export.zip"))
                    .body(Body::empty())
                    .expect("req"),
            )
            .await;
        assert_eq!(resp.status(), StatusCode::OK);
        let bytes = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .expect("body");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("zip");
        let mut json = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("contact.json").expect("contact.json"),
            &mut json,
        )
        .expect("read");
        serde_json::from_str(&json).expect("json")
    }

    /// GETs `page` for its CSRF token, then posts `fields` plus the token to `path`.
    pub async fn submit(
        &mut self,
        page: &str,
        path: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let csrf = self.get(page).await.csrf();
        let mut all = fields.to_vec();
        all.push(("csrf_token", &csrf));
        self.post_form(path, &all).await
    }

    /// An admin adds a team member on the team page (the invitation is emailed or shown).
    pub async fn invite(&mut self, name: &str, email: &str, role: &str) -> TestResponse {
        self.submit(
            "/settings/team",
            "/settings/team",
            &[("name", name), ("email", email), ("role", role)],
        )
        .await
    }

    pub async fn login(&mut self, email: &str, password: &str) -> TestResponse {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password)],
        )
        .await
    }

    pub async fn create_user(&self, email: &str, role: Role) {
        self.create_named_user(email, "", role).await;
    }

    pub async fn create_named_user(&self, email: &str, name: &str, role: Role) {
        let input = NewUserInput {
            email: email.into(),
            name: name.into(),
            role,
            password: PASSWORD.into(),
            confirm: None,
        };
        self.state
            .auth
            .create_user(&input, None, &ClientInfo::default())
            .await
            .expect("create user");
    }

    /// Creates a user and logs this browser in as them.
    pub async fn logged_in_as(&mut self, email: &str, role: Role) {
        self.create_user(email, role).await;
        let r = self.login(email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "login failed: {}", r.body);
    }

    /// POSTs `body` to the webhook with the given signature header (if any).
    pub async fn post_webhook_signed(
        &mut self,
        body: &[u8],
        signature: Option<&str>,
    ) -> TestResponse {
        let mut req =
            Request::post("/webhooks/whatsapp").header(header::CONTENT_TYPE, "application/json");
        if let Some(s) = signature {
            req = req.header("x-hub-signature-256", s);
        }
        self.send(req.body(Body::from(body.to_vec())).expect("request"))
            .await
    }

    /// POSTs `body` to the webhook, correctly signed.
    pub async fn post_webhook(&mut self, body: &[u8]) -> TestResponse {
        let sig = sign(body);
        self.post_webhook_signed(body, Some(&sig)).await
    }

    /// POSTs a fixture, signed, and checks Meta gets its 200.
    pub async fn deliver(&mut self, name: &str) {
        let r = self.post_webhook(&fixture(name)).await;
        assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
    }

    /// Runs a read query on the app's database.
    pub async fn query<T, F>(&self, f: F) -> T
    where
        F: FnOnce(&rusqlite::Connection) -> rusqlite::Result<T> + Send + 'static,
        T: Send + 'static,
    {
        self.state
            .db
            .read(move |c| -> flowcrm::db::Result<_> { Ok(f(c)?) })
            .await
            .expect("query")
    }

    /// A single integer from SQL.
    pub async fn count(&self, sql: &'static str) -> i64 {
        self.query(move |c| c.query_row(sql, [], |r| r.get(0)))
            .await
    }

    /// Number of audit rows with this action.
    pub async fn audit_count(&self, action: &str) -> usize {
        let entries = self
            .state
            .db
            .read(|c| flowcrm::db::audit::recent(c, 1000))
            .await
            .expect("audit");
        entries.iter().filter(|e| e.action == action).count()
    }
}
