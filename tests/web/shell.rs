//! The shell every page lives in: headers, errors, navigation, assets, health, escaping.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::StatusCode;
use flowcrm::model::Role;

fn assert_security_headers(r: &crate::helpers::TestResponse, what: &str) {
    let csp = r
        .header("content-security-policy")
        .unwrap_or_else(|| panic!("no CSP on {what}"));
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert_eq!(
        r.header("x-content-type-options"),
        Some("nosniff"),
        "{what}"
    );
    assert_eq!(r.header("referrer-policy"), Some("same-origin"), "{what}");
    assert!(r.header("x-request-id").is_some(), "{what}");
    assert!(
        r.header("access-control-allow-origin").is_none(),
        "{what}: no CORS"
    );
}

#[tokio::test]
async fn security_headers_are_on_pages_errors_redirects_and_assets() {
    let mut app = TestApp::spawn().await;
    let login = app.get("/login").await;
    assert_security_headers(&login, "login page");
    assert_eq!(login.header("cache-control"), Some("no-store"));
    assert!(
        login
            .header("content-type")
            .is_some_and(|c| c.contains("charset=utf-8"))
    );
    assert!(
        login.header("strict-transport-security").is_none(),
        "no HSTS over plain http"
    );
    assert_security_headers(&app.get("/no/such/page").await, "404");
    assert_security_headers(&app.get("/inbox").await, "redirect");
    assert_security_headers(&app.get("/static/app.css").await, "asset");
    assert_security_headers(&app.get("/healthz").await, "healthz");
}

#[tokio::test]
async fn https_public_url_turns_on_hsts_and_secure_host_cookies() {
    let mut app =
        TestApp::spawn_with(|c| c.server.public_url = Some("https://crm.shop.example".into()))
            .await;
    app.create_user("ana@shop.example", Role::Admin).await;
    let page = app.get("/login").await;
    let hsts = page.header("strict-transport-security").expect("HSTS");
    assert!(hsts.contains("max-age=31536000"));
    let r = app.login("ana@shop.example", PASSWORD).await;
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with("__Host-flowcrm_session="))
        .expect("__Host- session cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
}

#[tokio::test]
async fn unknown_pages_get_a_friendly_404_with_a_request_id() {
    let mut app = TestApp::spawn().await;
    let r = app.get("/definitely/not/here").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert!(r.body.contains("Page not found"));
    let id = r.header("x-request-id").expect("id").to_string();
    assert!(r.body.contains(&id), "request id shown on the page");
    assert!(
        r.body.contains("<link rel=\"stylesheet\""),
        "styled like the rest"
    );
}

#[tokio::test]
async fn every_section_needs_a_login_and_comes_back_after_it() {
    let mut app = TestApp::spawn().await;
    for path in ["/inbox", "/contacts", "/orders", "/settings"] {
        let r = app.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            r.location().starts_with("/login?next="),
            "{path}: {}",
            r.location()
        );
    }
    app.create_user("ana@shop.example", Role::Agent).await;
    let csrf = app.get("/login?next=/orders").await.csrf();
    let r = app
        .post_form(
            "/login",
            &[
                ("email", "ana@shop.example"),
                ("password", PASSWORD),
                ("next", "/orders"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(r.location(), "/orders");
    for (path, title) in [
        ("/inbox", "Inbox"),
        ("/contacts", "Contacts"),
        ("/orders", "Orders"),
        ("/settings", "Settings"),
    ] {
        let page = app.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(
            page.body
                .contains(&format!("<title>{title} · FlowCRM</title>")),
            "{path}"
        );
        assert!(
            page.body.contains("aria-current=\"page\""),
            "{path}: nav highlights the section"
        );
    }
}

#[tokio::test]
async fn offsite_next_targets_are_ignored() {
    let mut app = TestApp::spawn().await;
    app.create_user("ana@shop.example", Role::Agent).await;
    let csrf = app.get("/login").await.csrf();
    let r = app
        .post_form(
            "/login",
            &[
                ("email", "ana@shop.example"),
                ("password", PASSWORD),
                ("next", "//evil.example/x"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(r.location(), "/inbox");
}

#[tokio::test]
async fn agents_do_not_see_the_admin_sections_of_settings() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get("/settings").await;
    assert!(page.body.contains("Change password"));
    assert!(!page.body.contains("WhatsApp connection"));
    assert!(!page.body.contains("<h2>Team</h2>"));

    let mut admin = app.other_browser();
    admin.logged_in_as("boss@shop.example", Role::Admin).await;
    let page = admin.get("/settings").await;
    assert!(page.body.contains("WhatsApp connection"));
    assert!(page.body.contains("agent@shop.example"));
}

#[tokio::test]
async fn static_assets_are_embedded_with_etag_and_long_caching_for_hashed_urls() {
    let mut app = TestApp::spawn().await;
    let page = app.get("/login").await;
    let start = page
        .body
        .find("/static/app.css?v=")
        .expect("hashed css url");
    let url: String = page.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let css = app.get(&url).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(
        css.header("cache-control")
            .is_some_and(|c| c.contains("immutable"))
    );
    let etag = css.header("etag").expect("etag").to_string();

    let req = axum::http::Request::get("/static/app.css")
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .expect("req");
    let again = app.send(req).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(
        app.get("/static/nope.css").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/static/../Cargo.toml").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn healthz_is_200_while_the_db_answers_and_503_after_it_closed() {
    let mut app = TestApp::spawn().await;
    let ok = app.get("/healthz").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert!(ok.body.contains("\"status\":\"ok\""));
    app.state.db.close().await;
    assert_eq!(
        app.get("/healthz").await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn markup_in_a_user_name_renders_inert() {
    let mut app = TestApp::spawn().await;
    app.create_named_user("x@shop.example", "<script>alert(1)</script>", Role::Admin)
        .await;
    app.login("x@shop.example", PASSWORD).await;
    let page = app.get("/settings").await;
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(page.body.contains("alert(1)"), "shown, escaped");
    assert!(
        !page.body.contains("<script>") || page.body.matches("<script").count() == 1,
        "only our own script tag"
    );
}

/// Checklist row 34 (ASVS 16.5.1, 13.4.4): a failure inside shows a generic page with the
/// request id (no SQL, no cause chain, no stack), and TRACE is not served.
#[tokio::test]
async fn a_failure_inside_shows_a_generic_page_and_trace_is_not_served() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@shop.example", Role::Admin).await;
    let trace = app
        .send(
            axum::http::Request::builder()
                .method("TRACE")
                .uri("/inbox")
                .header("x-secret-header", "echo-me")
                .body(axum::body::Body::empty())
                .expect("request"),
        )
        .await;
    assert_ne!(trace.status, StatusCode::OK);
    assert!(!trace.body.contains("echo-me"), "nothing echoed");
    app.state.db.close().await;
    let broken = app.get("/contacts").await;
    assert!(broken.status.is_server_error(), "{}", broken.status);
    let body = broken.body.to_lowercase();
    for leak in [
        "sqlite",
        "rusqlite",
        "panicked",
        "backtrace",
        "select ",
        "src/",
    ] {
        assert!(!body.contains(leak), "{leak} leaked: {}", broken.body);
    }
    assert!(
        broken
            .header("x-request-id")
            .is_some_and(|id| broken.body.contains(id))
    );
}
