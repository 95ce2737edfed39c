//! First-run setup link.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::StatusCode;
use time::Duration;

async fn link(app: &TestApp) -> String {
    let link = app
        .state
        .auth
        .issue_setup_link(Duration::minutes(60))
        .await
        .expect("issue")
        .expect("no users yet, so a link is issued");
    format!("/setup/{}", link.token)
}

#[tokio::test]
async fn setup_link_creates_the_first_admin_once_and_then_stops_working() {
    let mut app = TestApp::spawn().await;
    let path = link(&app).await;

    let form = app.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Create the first admin"));

    let fields = [
        ("name", "Owner"),
        ("email", "owner@shop.example"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let done = app.submit(&path, &path, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.location(), "/inbox");
    let inbox = app.get("/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK, "signed in right away");
    assert!(inbox.body.contains("Your admin account is ready"));

    let users = app.state.auth.list_users().await.expect("users");
    assert_eq!(users.len(), 1);
    assert!(users[0].is_admin());

    // The same link again, from another browser: setup is over.
    let mut other = app.other_browser();
    let again = other.get(&path).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    assert_eq!(again.location(), "/login");
    let csrf = other.get("/login").await.csrf();
    let mut replay = fields.to_vec();
    replay[1] = ("email", "intruder@evil.example");
    replay.push(("csrf_token", &csrf));
    let r = other.post_form(&path, &replay).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.state.auth.list_users().await.expect("users").len(), 1);
    // And no new link is issued once a user exists.
    let none = app
        .state
        .auth
        .issue_setup_link(Duration::minutes(60))
        .await
        .expect("ok");
    assert!(none.is_none());
}

#[tokio::test]
async fn unknown_and_expired_setup_links_are_refused() {
    let mut app = TestApp::spawn().await;
    let path = link(&app).await;
    let wrong = app
        .get("/setup/0000000000000000000000000000000000000000000000000000000000000000")
        .await;
    assert_eq!(wrong.status, StatusCode::NOT_FOUND);
    assert!(wrong.body.contains("setup link does not work"));

    app.clock.advance(Duration::minutes(61));
    let expired = app.get(&path).await;
    assert_eq!(expired.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn setup_form_reports_every_bad_field_and_keeps_the_input() {
    let mut app = TestApp::spawn().await;
    let path = link(&app).await;
    let long = "x".repeat(73);
    let r = app
        .submit(
            &path,
            &path,
            &[
                ("name", "Owner <b>"),
                ("email", "not-an-email"),
                ("password", &long),
                ("confirm", &long),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Enter an email address like name@example.com.")
    );
    assert!(r.body.contains("at most 72 bytes"));
    assert!(r.body.contains("value=\"not-an-email\""), "email kept");
    assert!(
        r.body.contains("Owner &#60;b&#62;") || r.body.contains("Owner &lt;b&gt;"),
        "name kept, escaped"
    );
    assert!(app.state.auth.list_users().await.expect("users").is_empty());

    let r = app
        .submit(
            &path,
            &path,
            &[
                ("email", "a@b.example"),
                ("password", PASSWORD),
                ("confirm", "different pass"),
            ],
        )
        .await;
    assert!(r.body.contains("The two passwords do not match."));
    // The link still works after failed attempts.
    assert_eq!(app.get(&path).await.status, StatusCode::OK);
}
