//! An in-process fake of Google's token endpoint and the Sheets API v4 calls FlowCRM makes, on a
//! real port (the client is hyper). It checks what Google checks: a JWT-bearer grant signed for
//! this token URI, the bearer token on every call, A1 ranges inside the grid, `valueInputOption`
//! present (and records it), batch bodies; it keeps the grid as Google would and counts and
//! records every request. Scripted failures answer the next calls.

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

pub const SPREADSHEET: &str = "1FakeSpreadsheetId_abcdefghijklmnopqrstuv";
const TOKEN: &str = "fake-sheets-access-token";

/// One recorded request.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub query: String,
    pub body: String,
}

/// One tab: its id and its cells, row by row.
#[derive(Debug, Clone, Default)]
pub struct FakeTab {
    pub title: String,
    pub id: i32,
    pub rows: Vec<Vec<Value>>,
    pub grid_rows: usize,
    pub grid_cols: usize,
}

#[derive(Default)]
pub struct Inner {
    pub tabs: Vec<FakeTab>,
    pub seen: Vec<Seen>,
    pub tokens: usize,
    pub script: VecDeque<(u16, Value)>,
    pub exists: bool,
    pub shared: bool,
}

#[derive(Clone)]
pub struct FakeSheets {
    pub inner: Arc<Mutex<Inner>>,
    pub base: String,
}

fn err(status: u16, message: &str, state: &str) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    (
        code,
        axum::Json(json!({"error": {"code": status, "message": message, "status": state}})),
    )
        .into_response()
}

fn letters_to_index(s: &str) -> usize {
    s.bytes().fold(0, |n, b| n * 26 + usize::from(b - b'A' + 1)) - 1
}

/// (column, row) of one A1 end (`B3`, `B`, `3`); 0-based.
fn end(s: &str) -> (Option<usize>, Option<usize>) {
    let letters: String = s.chars().take_while(char::is_ascii_uppercase).collect();
    let digits = &s[letters.len()..];
    (
        (!letters.is_empty()).then(|| letters_to_index(&letters)),
        digits.parse::<usize>().ok().map(|r| r - 1),
    )
}

/// A parsed range: tab, first (col, row), last (col, row); `None` is unbounded.
pub type A1 = (
    String,
    (Option<usize>, Option<usize>),
    (Option<usize>, Option<usize>),
);

/// Parses `'Tab''s'!B3:D3` (the tab must be quoted as FlowCRM always does).
pub fn parse_a1(range: &str) -> Result<A1, String> {
    let rest = range
        .strip_prefix('\'')
        .ok_or(format!("unquoted tab in {range}"))?;
    let close = rest
        .match_indices("'!")
        .next()
        .ok_or(format!("bad range {range}"))?
        .0;
    let tab = rest[..close].replace("''", "'");
    let cells = &rest[close + 2..];
    let (a, b) = cells.split_once(':').unwrap_or((cells, cells));
    Ok((tab, end(a), end(b)))
}

impl FakeSheets {
    pub async fn start() -> Self {
        let inner = Arc::new(Mutex::new(Inner {
            exists: true,
            shared: true,
            ..Inner::default()
        }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}/", listener.local_addr().expect("addr"));
        let fake = Self { inner, base };
        let app = axum::Router::new().fallback({
            let fake = fake.clone();
            move |m: Method, uri: Uri, h: HeaderMap, body: Bytes| {
                let fake = fake.clone();
                async move { fake.handle(&m, &uri, &h, &body) }
            }
        });
        tokio::spawn(async move { axum::serve(listener, app).await });
        fake
    }

    /// A service-account key whose token URI is this fake's.
    pub fn key_json(&self) -> String {
        let pem = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/sheets-test-key.pem"
        ))
        .expect("test key");
        json!({
            "type": "service_account",
            "project_id": "flowcrm-test",
            "private_key_id": "k1",
            "private_key": pem,
            "client_email": "sync@flowcrm-test.iam.gserviceaccount.com",
            "client_id": "1",
            "token_uri": format!("{}token", self.base),
        })
        .to_string()
    }

    pub fn tab(&self, title: &str) -> Option<FakeTab> {
        self.inner
            .lock()
            .expect("ok")
            .tabs
            .iter()
            .find(|t| t.title == title)
            .cloned()
    }

    /// Requests to the Sheets API (not the token endpoint).
    pub fn api_requests(&self) -> Vec<Seen> {
        self.inner
            .lock()
            .expect("ok")
            .seen
            .iter()
            .filter(|s| s.path != "/token")
            .cloned()
            .collect()
    }

    pub fn clear_seen(&self) {
        self.inner.lock().expect("lock").seen.clear();
    }

    pub fn fail_next(&self, status: u16, message: &str) {
        self.inner
            .lock()
            .expect("ok")
            .script
            .push_back((status, json!(message)));
    }

    pub fn with_tab(&self, f: impl FnOnce(&mut FakeTab), title: &str) {
        let mut g = self.inner.lock().expect("lock");
        let t = g.tabs.iter_mut().find(|t| t.title == title).expect("tab");
        f(t);
        t.grid_rows = t.grid_rows.max(t.rows.len());
    }

    #[allow(clippy::many_single_char_names)]
    fn handle(&self, m: &Method, uri: &Uri, h: &HeaderMap, body: &[u8]) -> Response {
        let path = percent(uri.path());
        let query = uri.query().unwrap_or_default().to_string();
        let text = String::from_utf8_lossy(body).to_string();
        let mut g = self.inner.lock().expect("lock");
        // For the benchmark driving the fake from outside: what was asked, and a reset.
        if path == "/_stats" {
            let seen: Vec<Value> = g
                .seen
                .iter()
                .filter(|s| s.path != "/token")
                .map(|s| json!({"method": s.method, "path": s.path, "bytes": s.body.len(), "body": if s.body.len() < 20_000 { s.body.clone() } else { String::new() }}))
                .collect();
            let rows = g
                .tabs
                .iter()
                .map(|t| json!({"title": t.title, "rows": t.rows.len()}))
                .collect::<Vec<_>>();
            return axum::Json(json!({"requests": seen, "tokens": g.tokens, "tabs": rows}))
                .into_response();
        }
        if path == "/_reset" {
            g.seen.clear();
            return axum::Json(json!({})).into_response();
        }
        g.seen.push(Seen {
            method: m.to_string(),
            path: path.clone(),
            query: query.clone(),
            body: text.clone(),
        });
        if path == "/token" {
            return token(&mut g, &text, &self.base);
        }
        if h.get("authorization").and_then(|v| v.to_str().ok()) != Some(&format!("Bearer {TOKEN}"))
        {
            return err(
                401,
                "Request had invalid authentication credentials.",
                "UNAUTHENTICATED",
            );
        }
        if let Some((status, message)) = g.script.pop_front() {
            let state = match status {
                429 => "RESOURCE_EXHAUSTED",
                403 => "PERMISSION_DENIED",
                _ => "UNAVAILABLE",
            };
            return err(status, message.as_str().unwrap_or("scripted"), state);
        }
        let Some(rest) = path.strip_prefix("/v4/spreadsheets/") else {
            return err(404, "Not found", "NOT_FOUND");
        };
        if !rest.starts_with(SPREADSHEET) || !g.exists {
            return err(404, "Requested entity was not found.", "NOT_FOUND");
        }
        if !g.shared {
            return err(
                403,
                "The caller does not have permission",
                "PERMISSION_DENIED",
            );
        }
        let action = &rest[SPREADSHEET.len()..];
        let r = match (m.as_str(), action) {
            ("GET", "") => Ok(meta(&g)),
            ("GET", "/values:batchGet") => batch_get(&g, &query),
            ("POST", "/values:batchUpdate") => values_update(&mut g, &text),
            ("POST", ":batchUpdate") => structure(&mut g, &text),
            ("POST", a) if a.starts_with("/values/") && a.ends_with(":append") => append(
                &mut g,
                &a["/values/".len()..a.len() - ":append".len()],
                &query,
                &text,
            ),
            _ => Err(format!("unknown call {m} {action}")),
        };
        match r {
            Ok(v) => axum::Json(v).into_response(),
            Err(e) => err(400, &e, "INVALID_ARGUMENT"),
        }
    }
}

fn percent(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).to_string()
}

fn token(g: &mut Inner, body: &str, base: &str) -> Response {
    use base64::Engine;
    let form: Vec<(String, String)> = serde_urlencoded::from_str(body).unwrap_or_default();
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let oauth_err = |e: &str, d: &str| {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({"error": e, "error_description": d})),
        )
            .into_response()
    };
    if get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
        return oauth_err("unsupported_grant_type", "Invalid grant_type");
    }
    let jwt = get("assertion");
    let parts: Vec<&str> = jwt.split('.').collect();
    if parts.len() != 3 || parts[2].is_empty() {
        return oauth_err("invalid_grant", "Invalid JWT");
    }
    let claims: Value = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[1].trim_end_matches('='))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    if claims["aud"] != json!(format!("{base}token"))
        || claims["iss"] != json!("sync@flowcrm-test.iam.gserviceaccount.com")
        || claims["scope"] != json!("https://www.googleapis.com/auth/spreadsheets")
    {
        return oauth_err("invalid_grant", &format!("bad claims {claims}"));
    }
    g.tokens += 1;
    axum::Json(json!({"access_token": TOKEN, "expires_in": 3600, "token_type": "Bearer"}))
        .into_response()
}

fn meta(g: &Inner) -> Value {
    let sheets: Vec<Value> = g
        .tabs
        .iter()
        .map(|t| json!({"properties": {"sheetId": t.id, "title": t.title, "gridProperties": {"rowCount": t.grid_rows.max(t.rows.len()), "columnCount": t.grid_cols}}}))
        .collect();
    json!({"sheets": sheets})
}

fn find<'a>(g: &'a Inner, tab: &str) -> Result<&'a FakeTab, String> {
    g.tabs
        .iter()
        .find(|t| t.title == tab)
        .ok_or(format!("Unable to parse range: '{tab}'"))
}

fn batch_get(g: &Inner, query: &str) -> Result<Value, String> {
    let q: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (_, range) in q.iter().filter(|(k, _)| k == "ranges") {
        let (tab, (c1, r1), (c2, r2)) = parse_a1(range)?;
        let t = find(g, &tab)?;
        let (c1, c2) = (c1.unwrap_or(0), c2.unwrap_or(t.grid_cols.saturating_sub(1)));
        if c2 >= t.grid_cols {
            return Err(format!(
                "Range ({range}) exceeds grid limits. Max columns: {}",
                t.grid_cols
            ));
        }
        let (r1, r2) = (r1.unwrap_or(0), r2.unwrap_or(usize::MAX));
        let mut rows: Vec<Value> = Vec::new();
        for r in r1..t.rows.len().min(r2.saturating_add(1)) {
            let row: Vec<Value> = (c1..=c2)
                .map(|c| t.rows[r].get(c).cloned().unwrap_or(json!("")))
                .collect();
            let trimmed: Vec<Value> = {
                let mut v = row;
                while v.last().is_some_and(|x| x == &json!("")) {
                    v.pop();
                }
                v
            };
            rows.push(json!(trimmed));
        }
        while rows
            .last()
            .is_some_and(|r| r.as_array().is_some_and(Vec::is_empty))
        {
            rows.pop();
        }
        out.push(json!({"range": range, "majorDimension": "ROWS", "values": rows}));
    }
    Ok(json!({"spreadsheetId": SPREADSHEET, "valueRanges": out}))
}

fn put(t: &mut FakeTab, row: usize, col: usize, v: Value) {
    while t.rows.len() <= row {
        t.rows.push(Vec::new());
    }
    let r = &mut t.rows[row];
    while r.len() <= col {
        r.push(json!(""));
    }
    r[col] = v;
}

fn check_input(body: &Value) -> Result<(), String> {
    match body["valueInputOption"].as_str() {
        Some("RAW" | "USER_ENTERED") => Ok(()),
        _ => Err("Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED".into()),
    }
}

fn values_update(g: &mut Inner, text: &str) -> Result<Value, String> {
    let body: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    check_input(&body)?;
    let data = body["data"].as_array().ok_or("data missing")?;
    for d in data {
        let range = d["range"].as_str().ok_or("range missing")?;
        let (tab, (c1, r1), _) = parse_a1(range)?;
        let t = g
            .tabs
            .iter_mut()
            .find(|t| t.title == tab)
            .ok_or(format!("Unable to parse range: {range}"))?;
        let (c1, r1) = (c1.unwrap_or(0), r1.unwrap_or(0));
        for (i, row) in d["values"]
            .as_array()
            .ok_or("values missing")?
            .iter()
            .enumerate()
        {
            for (j, v) in row.as_array().ok_or("row not a list")?.iter().enumerate() {
                if c1 + j >= t.grid_cols || r1 + i >= t.grid_rows.max(t.rows.len()) {
                    return Err(format!("Range ({range}) exceeds grid limits"));
                }
                put(t, r1 + i, c1 + j, v.clone());
            }
        }
    }
    Ok(json!({"spreadsheetId": SPREADSHEET, "totalUpdatedCells": data.len()}))
}

fn append(g: &mut Inner, range: &str, query: &str, text: &str) -> Result<Value, String> {
    let q: Vec<(String, String)> = serde_urlencoded::from_str(query).map_err(|e| e.to_string())?;
    if !q
        .iter()
        .any(|(k, v)| k == "valueInputOption" && (v == "RAW" || v == "USER_ENTERED"))
    {
        return Err("valueInputOption is required".into());
    }
    let body: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let (tab, (c1, _), _) = parse_a1(range)?;
    let t = g
        .tabs
        .iter_mut()
        .find(|t| t.title == tab)
        .ok_or(format!("Unable to parse range: {range}"))?;
    let last = t
        .rows
        .iter()
        .rposition(|r| r.iter().any(|v| v != &json!("")))
        .map_or(0, |i| i + 1);
    let rows = body["values"].as_array().ok_or("values missing")?;
    for (i, row) in rows.iter().enumerate() {
        for (j, v) in row.as_array().ok_or("row not a list")?.iter().enumerate() {
            let col = c1.unwrap_or(0) + j;
            t.grid_cols = t.grid_cols.max(col + 1);
            put(t, last + i, col, v.clone());
        }
    }
    t.grid_rows = t.grid_rows.max(t.rows.len());
    Ok(json!({"spreadsheetId": SPREADSHEET, "updates": {"updatedRows": rows.len()}}))
}

fn structure(g: &mut Inner, text: &str) -> Result<Value, String> {
    let body: Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
    let mut replies = Vec::new();
    for r in body["requests"].as_array().ok_or("requests missing")? {
        if let Some(a) = r.get("addSheet") {
            let p = &a["properties"];
            let title = p["title"].as_str().ok_or("title missing")?.to_string();
            if g.tabs.iter().any(|t| t.title.eq_ignore_ascii_case(&title)) {
                return Err(format!("A sheet with the name \"{title}\" already exists."));
            }
            let id = i32::try_from(g.tabs.len()).unwrap_or(0) * 1000 + 7;
            let cols = usize::try_from(p["gridProperties"]["columnCount"].as_i64().unwrap_or(26))
                .unwrap_or(26);
            let rows = usize::try_from(p["gridProperties"]["rowCount"].as_i64().unwrap_or(1000))
                .unwrap_or(1000);
            g.tabs.push(FakeTab {
                title,
                id,
                rows: Vec::new(),
                grid_rows: rows,
                grid_cols: cols,
            });
            replies.push(json!({"addSheet": {"properties": {"sheetId": id}}}));
        } else if let Some(a) = r.get("appendDimension") {
            let id = a["sheetId"].as_i64().ok_or("sheetId missing")?;
            let t = g
                .tabs
                .iter_mut()
                .find(|t| i64::from(t.id) == id)
                .ok_or("no such sheet")?;
            let n = usize::try_from(a["length"].as_i64().unwrap_or(0)).unwrap_or(0);
            if a["dimension"] == "COLUMNS" {
                t.grid_cols += n;
            } else {
                t.grid_rows += n;
            }
            replies.push(json!({}));
        } else if let Some(d) = r.get("deleteDimension") {
            let range = &d["range"];
            let id = range["sheetId"].as_i64().ok_or("sheetId missing")?;
            let t = g
                .tabs
                .iter_mut()
                .find(|t| i64::from(t.id) == id)
                .ok_or("no such sheet")?;
            t.grid_rows = t.grid_rows.max(t.rows.len());
            if range["dimension"] != "ROWS" {
                return Err("only ROWS here".into());
            }
            let s = usize::try_from(range["startIndex"].as_i64().ok_or("startIndex")?).unwrap_or(0);
            let e = usize::try_from(range["endIndex"].as_i64().ok_or("endIndex")?).unwrap_or(0);
            if s >= e || e > t.grid_rows.max(t.rows.len()) {
                return Err(format!("Invalid deleteDimension {s}..{e}"));
            }
            let upto = e.min(t.rows.len());
            if s < upto {
                t.rows.drain(s..upto);
            }
            t.grid_rows -= e - s;
            replies.push(json!({}));
        } else {
            return Err(format!("unexpected request {r}"));
        }
    }
    Ok(json!({"spreadsheetId": SPREADSHEET, "replies": replies}))
}
