//! Every query parameter of every page and API read, with control characters, quotes, FTS5
//! operators and very long values: a clear answer, never a server error.

use crate::api::{call, key};
use crate::fake_graph::customer_writes;
use crate::helpers::TestApp;
use flowcrm::model::Role;
use serde_json::Value;

/// Values that broke, or could break, a query: NUL and other controls, FTS5 syntax, SQL, LIKE
/// wildcards, numbers out of range, very long text.
fn hostile_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "x\u{0}y",
        "\u{0}",
        "\u{1}\u{7f}\u{1b}[0m",
        "a\tb\nc\rd",
        "\"",
        "\"\"\"",
        "ana\" OR \"b",
        "NEAR(a b, 2)",
        "* ^ : ( ) - + {name}",
        "name : x",
        "AND",
        "OR NOT",
        "ab*",
        "%_\\",
        "'; DROP TABLE contacts; --",
        "\u{feff}\u{200b}",
        "-1",
        "99999999999999999999999",
        "1e308",
        "",
        "é",
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    v.push("x".repeat(10_000));
    v.push("ação ".repeat(2_000));
    v.push("\u{0}".repeat(500));
    v
}

fn enc(v: &str) -> String {
    serde_urlencoded::to_string([("v", v)]).expect("encode")[2..].to_string()
}

/// Pages and the query parameters each one reads.
const PAGES: &[(&str, &[&str])] = &[
    (
        "/contacts",
        &[
            "q",
            "tag",
            "tag_all",
            "field",
            "opt_in",
            "has_orders",
            "inbound_days",
            "sort",
            "segment",
            "before",
        ],
    ),
    (
        "/contacts/export.csv",
        &["q", "tag", "field", "sort", "segment", "columns"],
    ),
    ("/search", &["q", "before"]),
    ("/inbox", &["view", "status", "tag", "window", "before"]),
    (
        "/orders",
        &["status", "from", "until", "contact", "tag", "before"],
    ),
    (
        "/orders/export.csv",
        &["status", "from", "until", "contact"],
    ),
    ("/orders/new", &["contact"]),
    ("/products", &["q", "after"]),
    ("/segments", &["q"]),
    ("/tags", &["q"]),
    ("/templates", &["q"]),
    ("/settings", &["q"]),
    ("/login", &["next"]),
    ("/static/app.css", &["v"]),
    ("/media/1", &["v"]),
];

#[tokio::test]
async fn hostile_query_values_never_cause_a_server_error_on_pages() {
    let mut app = TestApp::spawn().await;
    customer_writes(&mut app, "wamid.HOSTILE1").await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let conv: i64 = app
        .query(|c| c.query_row("SELECT id FROM conversations", [], |r| r.get(0)))
        .await;
    let conv_path = format!("/conversations/{conv}");
    let mut pages: Vec<(&str, &[&str])> = PAGES.to_vec();
    pages.push((&conv_path, &["show", "at", "reply_to"]));
    let mut checked = 0;
    for (path, params) in pages {
        for param in params {
            for value in hostile_values() {
                let uri = format!("{path}?{param}={}", enc(&value));
                let r = app.get(&uri).await;
                assert!(
                    r.status.as_u16() < 500,
                    "{path}?{param}={:?}: {}",
                    value.chars().take(40).collect::<String>(),
                    r.status
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

#[tokio::test]
async fn hostile_query_values_never_cause_a_server_error_in_the_api() {
    let mut app = TestApp::spawn().await;
    customer_writes(&mut app, "wamid.HOSTILE2").await;
    let (_, token) = key(&app, Role::Admin).await;
    let ids = app
        .query(|c| {
            c.query_row("SELECT contact_id, id FROM conversations", [], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
        })
        .await;
    let doc: Value = serde_json::from_str(
        &call(&mut app, "GET", "/openapi.json", None, None)
            .await
            .body,
    )
    .expect("openapi");
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(op) = item.get("get") else { continue };
        let path = path
            .trim_start_matches("/api/v1")
            .replace("{id}", &ids.0.to_string())
            .replace("{contact_id}", &ids.0.to_string())
            .replace("{conversation_id}", &ids.1.to_string());
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        for p in params.iter().filter(|p| p["in"] == "query") {
            let name = p["name"].as_str().expect("name");
            for value in hostile_values() {
                let uri = format!("{path}?{name}={}", enc(&value));
                let r = call(&mut app, "GET", &uri, Some(&token), None).await;
                assert!(
                    r.status.as_u16() < 500,
                    "{uri:.80}: {} {}",
                    r.status,
                    r.body
                );
                checked += 1;
            }
        }
    }
    assert!(checked > 200, "{checked}");
}
