//! Meta's data deletion callback (whatsapp-cloud-api.md §10): a valid `signed_request` (padded
//! or not) is recorded and answered with a status URL and a confirmation code; a tampered
//! payload, another algorithm, garbage and a missing app secret are refused and store nothing;
//! the status page shows the code, the date and the status and nothing about the person. The
//! register (admins): the request with its 30-day deadline, requests logged by hand, closing
//! one with what was done.

use crate::helpers::{APP_SECRET, TestApp};
use axum::http::StatusCode;
use base64::Engine as _;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use flowcrm::model::Role;
use flowcrm::whatsapp::signed_request;

const PAYLOAD: &str = r#"{"algorithm":"HMAC-SHA256","expires":1291840400,"issued_at":1291836800,"user_id":"1029384756"}"#;

async fn callback(app: &mut TestApp, signed: &str) -> crate::helpers::TestResponse {
    app.post_form("/meta/data-deletion", &[("signed_request", signed)])
        .await
}

#[tokio::test]
async fn a_signed_deletion_request_is_recorded_and_answered_with_a_status_url_and_code() {
    let mut app =
        TestApp::spawn_with(|c| c.server.public_url = Some("https://crm.loja.example".into()))
            .await;
    let r = callback(
        &mut app,
        &signed_request::sign(PAYLOAD, APP_SECRET.as_bytes()),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.header("content-type")
            .is_some_and(|t| t.starts_with("application/json"))
    );
    let json: serde_json::Value = serde_json::from_str(&r.body).expect("standard JSON");
    let code = json["confirmation_code"]
        .as_str()
        .expect("code")
        .to_string();
    assert!(
        code.len() >= 8 && code.chars().all(|c| c.is_ascii_alphanumeric()),
        "{code}"
    );
    assert_eq!(
        json["url"],
        format!("https://crm.loja.example/meta/data-deletion/{code}")
    );

    // Padded form: the signature over the padded payload text, as some senders do.
    let payload = URL_SAFE.encode(PAYLOAD.replace("1029384756", "5647382910"));
    let sig = URL_SAFE.encode(flowcrm::crypto::hmac_sha256(
        APP_SECRET.as_bytes(),
        payload.as_bytes(),
    ));
    let padded = callback(&mut app, &format!("{sig}.{payload}")).await;
    assert_eq!(padded.status, StatusCode::OK, "{}", padded.body);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_requests WHERE kind = 'meta_deletion'")
            .await,
        2
    );
    assert_eq!(app.audit_count("data_request.received").await, 2);

    let mut stranger = app.other_browser();
    let page = stranger.get(&format!("/meta/data-deletion/{code}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(&code));
    assert!(page.body.contains("being handled"));
    assert!(
        !page.body.contains("1029384756"),
        "nothing about the person"
    );
    assert_eq!(
        stranger
            .get("/meta/data-deletion/0000000000000000")
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn tampered_wrong_algorithm_garbage_and_no_secret_are_refused_and_store_nothing() {
    let mut app = TestApp::spawn().await;
    let good = signed_request::sign(PAYLOAD, APP_SECRET.as_bytes());
    let (sig, _) = good.split_once('.').expect("two parts");
    let tampered = format!(
        "{sig}.{}",
        URL_SAFE_NO_PAD.encode(PAYLOAD.replace("1029384756", "1"))
    );
    assert_eq!(
        callback(&mut app, &tampered).await.status,
        StatusCode::FORBIDDEN
    );
    let other_key = signed_request::sign(PAYLOAD, b"not the app secret");
    assert_eq!(
        callback(&mut app, &other_key).await.status,
        StatusCode::FORBIDDEN
    );
    let md5 = signed_request::sign(
        &PAYLOAD.replace("HMAC-SHA256", "MD5"),
        APP_SECRET.as_bytes(),
    );
    let r = callback(&mut app, &md5).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("HMAC-SHA256"));
    for garbage in ["", "no-dot", "!!!.???"] {
        assert_eq!(
            callback(&mut app, garbage).await.status,
            StatusCode::BAD_REQUEST,
            "{garbage}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM data_requests").await, 0);

    let mut no_secret = TestApp::spawn_with(|c| c.whatsapp.app_secret = None).await;
    let r = callback(&mut no_secret, &good).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        no_secret.count("SELECT COUNT(*) FROM data_requests").await,
        0
    );
}

#[tokio::test]
async fn admins_keep_the_register_log_requests_by_hand_and_close_them() {
    let mut app = TestApp::spawn().await;
    callback(
        &mut app,
        &signed_request::sign(PAYLOAD, APP_SECRET.as_bytes()),
    )
    .await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let page = app.get("/settings/requests").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Meta data deletion"));
    assert!(
        page.body.contains("/meta/data-deletion"),
        "the callback URL to give Meta"
    );

    let empty = app
        .submit(
            "/settings/requests",
            "/settings/requests",
            &[("kind", "erasure"), ("subject", " ")],
        )
        .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    let logged = app
        .submit(
            "/settings/requests",
            "/settings/requests",
            &[
                ("kind", "erasure"),
                ("subject", "Ana Lima +55 11 98888-7777"),
                ("channel", "email of 2 Dec"),
            ],
        )
        .await;
    assert_eq!(logged.status, StatusCode::SEE_OTHER);
    let due: i64 = app
        .count("SELECT due_at - received_at FROM data_requests WHERE kind = 'erasure'")
        .await;
    assert_eq!(due, 30 * 86_400, "30 days to answer");
    let id = app
        .count("SELECT id FROM data_requests WHERE kind = 'erasure'")
        .await;
    let path = format!("/settings/requests/{id}/close");
    let no_action = app
        .submit(
            "/settings/requests",
            &path,
            &[("outcome", "done"), ("action", "")],
        )
        .await;
    assert_eq!(no_action.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_requests WHERE status = 'open'")
            .await,
        2
    );
    app.submit(
        "/settings/requests",
        &path,
        &[
            ("outcome", "done"),
            ("action", "Contact erased; receipt sent by email."),
        ],
    )
    .await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_requests WHERE status = 'done'")
            .await,
        1
    );
    assert_eq!(app.audit_count("data_request.logged").await, 1);
    assert_eq!(app.audit_count("data_request.closed").await, 1);
    let code: String = app
        .query(move |c| {
            c.query_row("SELECT code FROM data_requests WHERE id = ?1", [id], |r| {
                r.get(0)
            })
        })
        .await;
    assert!(
        app.get(&format!("/meta/data-deletion/{code}"))
            .await
            .body
            .contains("Completed")
    );

    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    assert_eq!(
        agent.get("/settings/requests").await.status,
        StatusCode::FORBIDDEN
    );
}
