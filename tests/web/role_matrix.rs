//! Role × route matrix (ASVS 8.2.1, 8.2.2, 8.3.1; checklist row 30, and row 11: no GET
//! changes data): every page route (from the
//! route table the router is built from, `flowcrm::web::route_rules`) and every API operation
//! (from the served OpenAPI document) for anonymous, viewer, agent and admin. What each may do
//! is `crm::access::check_need` of the route's rule; a refusal is 403 and changes nothing; a
//! route added without a rule cannot exist, and an operation missing from the rules falls to
//! the strictest default for its method.

use crate::api::key;
use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowcrm::crm::access::{Need, Who, api_need, check_need};
use flowcrm::model::{Role, UserId};
use serde_json::Value;

/// Counts of the tables a refused request must leave alone.
async fn fingerprint(app: &TestApp) -> Vec<i64> {
    app.query(|c| {
        [
            "contacts",
            "conversations",
            "messages",
            "orders",
            "tags",
            "segments",
            "contact_notes",
            "conversation_notes",
            "contact_tags",
            "conversation_tags",
            "contact_field_values",
            "consent_events",
            "custom_fields",
            "products",
            "api_keys",
            "users",
            "outbox",
            "settings",
            "secrets",
            "two_factor",
            "user_links",
            "templates",
            "mail_outbox",
        ]
        .iter()
        .map(|t| c.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0)))
        .chain(std::iter::once(c.query_row(
            "SELECT COALESCE(SUM(length(role) * id), 0) + COALESCE(SUM(disabled_at IS NOT NULL), 0) FROM users",
            [],
            |r| r.get(0),
        )))
        .collect()
    })
    .await
}

/// A concrete path for a pattern: ids that do not exist (so an allowed request touches
/// nothing), a token that is not one.
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|seg| match seg {
            "{token}" => "not-a-token",
            s if s.starts_with('{') => "999999",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

async fn request(app: &mut TestApp, method: &str, path: &str, csrf: &str) -> (u16, String) {
    if path == "/events" {
        // A live stream that never ends: only its start is read.
        let req = Request::get(path).body(Body::empty()).expect("request");
        let r = app.send_streaming(req).await;
        let location = r
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        return (r.status().as_u16(), location);
    }
    let r = if method == "GET" {
        app.get(path).await
    } else {
        app.post_form(path, &[("csrf_token", csrf)]).await
    };
    (r.status.as_u16(), r.location().to_string())
}

#[tokio::test]
async fn every_page_route_answers_every_role_by_its_rule() {
    let mut admin = TestApp::spawn().await;
    let mut anonymous = admin.other_browser();
    admin.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut agent = admin.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let mut viewer = admin.other_browser();
    viewer
        .logged_in_as("viewer@loja.example", Role::Viewer)
        .await;

    let mut rules = flowcrm::web::route_rules();
    assert!(rules.len() > 100, "the whole table: {}", rules.len());
    // Signing out last, so each browser stays signed in for the rest.
    rules.sort_by_key(|r| r.path == "/logout");
    let csrf_anon = anonymous.get("/login").await.csrf();
    let mut checked = 0;
    for (role, app) in [
        (Role::Viewer, &mut viewer),
        (Role::Agent, &mut agent),
        (Role::Admin, &mut admin),
    ] {
        let csrf = app.get("/settings").await.csrf();
        let who = Who::user(UserId(0), role);
        for rule in &rules {
            let path = concrete(rule.path);
            let before = fingerprint(app).await;
            let (status, location) = request(app, rule.method, &path, &csrf).await;
            let what = format!("{role} {} {path} ({:?})", rule.method, rule.need);
            assert!(
                !location.starts_with("/login?"),
                "{what}: signed in, yet sent to sign in"
            );
            if rule.method == "GET" {
                // Checklist row 11 (ASVS 3.5.3): no page changes data by being opened.
                assert_eq!(fingerprint(app).await, before, "{what}: a GET changed data");
            }
            if check_need(rule.need, who).is_ok() {
                // Whatever the table says, a viewer's allowed forms are about their own account.
                assert!(
                    role != Role::Viewer
                        || rule.method == "GET"
                        || matches!(rule.need, Need::Own | Need::Public),
                    "{what}: a viewer may change data"
                );
                assert_ne!(status, 403, "{what}: refused though its rule allows it");
            } else {
                assert_eq!(status, 403, "{what}: not refused");
                assert_eq!(
                    fingerprint(app).await,
                    before,
                    "{what}: a refusal changed data"
                );
            }
            checked += 1;
        }
    }
    for rule in &rules {
        let path = concrete(rule.path);
        let before = fingerprint(&anonymous).await;
        let (status, location) = request(&mut anonymous, rule.method, &path, &csrf_anon).await;
        let what = format!("anonymous {} {path}", rule.method);
        if rule.need == Need::Public {
            assert!(
                !location.starts_with("/login?"),
                "{what}: public, yet sent to sign in"
            );
            assert_ne!(status, 403, "{what}");
        } else {
            assert_eq!(status, 303, "{what}");
            assert!(location.starts_with("/login?next="), "{what}: {location}");
            assert_eq!(
                fingerprint(&anonymous).await,
                before,
                "{what}: changed data"
            );
        }
        checked += 1;
    }
    assert_eq!(checked, rules.len() * 4);
}

#[tokio::test]
async fn every_api_operation_answers_every_role_by_its_rule() {
    let mut app = TestApp::spawn_with(|c| c.api.requests_per_minute = 10_000).await;
    let doc: Value = serde_json::from_str(&app.get("/api/v1/openapi.json").await.body)
        .expect("the OpenAPI document");
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_some() {
                operations.push((method.to_uppercase(), path.clone()));
            }
        }
    }
    assert!(operations.len() >= 25, "{operations:?}");
    let mut keys = Vec::new();
    for role in [Role::Viewer, Role::Agent, Role::Admin] {
        keys.push((role, key(&app, role).await.1));
    }
    for (method, pattern) in &operations {
        let path = concrete(pattern);
        let need = api_need(method, pattern);
        for (role, token) in keys
            .iter()
            .map(|(r, t)| (Some(*r), Some(t.as_str())))
            .chain([(None, None)])
        {
            let before = fingerprint(&app).await;
            let mut req = Request::builder()
                .method(method.as_str())
                .uri(format!("/api/v1{path}"));
            if let Some(t) = token {
                req = req.header("authorization", format!("Bearer {t}"));
            }
            let body = if method == "GET" || method == "DELETE" {
                Body::empty()
            } else {
                req = req.header("content-type", "application/json");
                Body::from("{}")
            };
            let status = app.send(req.body(body).expect("request")).await.status;
            let what = format!("{role:?} {method} {path} ({need:?})");
            match role {
                None => assert_eq!(status, StatusCode::UNAUTHORIZED, "{what}"),
                Some(r) if check_need(need, Who::key(r)).is_ok() => {
                    assert!(
                        r != Role::Viewer || method == "GET",
                        "{what}: a viewer key may write"
                    );
                    assert_ne!(
                        status,
                        StatusCode::FORBIDDEN,
                        "{what}: refused though allowed"
                    );
                    assert_ne!(status, StatusCode::UNAUTHORIZED, "{what}");
                }
                Some(_) => {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{what}: not refused");
                    assert_eq!(
                        fingerprint(&app).await,
                        before,
                        "{what}: a refusal changed data"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn the_routes_meta_signs_ignore_sessions_and_refuse_every_role_without_the_signature() {
    let mut admin = TestApp::spawn().await;
    let mut anonymous = admin.other_browser();
    admin.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut agent = admin.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let mut viewer = admin.other_browser();
    viewer
        .logged_in_as("viewer@loja.example", Role::Viewer)
        .await;
    let table = flowcrm::web::route_rules();
    for path in flowcrm::crm::access::SIGNED_BY_META {
        assert!(
            table.iter().all(|r| r.path != *path),
            "{path} is not a page route: no session rule applies"
        );
        for (who, app) in [
            ("anonymous", &mut anonymous),
            ("viewer", &mut viewer),
            ("agent", &mut agent),
            ("admin", &mut admin),
        ] {
            let before = fingerprint(app).await;
            let forged = flowcrm::whatsapp::signed_request::sign(
                r#"{"algorithm":"HMAC-SHA256","user_id":"1"}"#,
                b"not the app secret",
            );
            let r = app
                .post_form(path, &[("signed_request", forged.as_str())])
                .await;
            assert!(
                r.status.is_client_error(),
                "{who} {path}: {} without Meta's signature",
                r.status
            );
            assert_eq!(
                fingerprint(app).await,
                before,
                "{who} {path}: nothing stored"
            );
            assert_eq!(
                app.count("SELECT COUNT(*) FROM data_requests").await,
                0,
                "{who} {path}"
            );
        }
    }
}
