//! Connecting WhatsApp from the browser: secrets stored encrypted and never echoed back, "Test
//! connection" against the fake Graph API (its display number and quality rating, Meta's error
//! for a bad token), the webhook subscription, and "not connected" refusing replies with a banner.

use crate::fake_graph::{FakeGraph, PNID, TOKEN};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

/// An install pointed at the fake Graph API but not connected yet.
async fn fresh() -> (TestApp, FakeGraph) {
    let fake = FakeGraph::default();
    let base = fake.start().await;
    let app = TestApp::spawn_with(move |c| {
        c.whatsapp.graph_base_url = base;
        c.whatsapp.verify_token = None;
    })
    .await;
    (app, fake)
}

async fn save(app: &mut TestApp, fields: &[(&str, &str)]) -> crate::helpers::TestResponse {
    app.submit("/settings/whatsapp", "/settings/whatsapp", fields)
        .await
}

const CONNECT: &[(&str, &str)] = &[
    ("phone_number_id", PNID),
    ("waba_id", "555"),
    ("app_id", "7777"),
    ("access_token", TOKEN),
    ("app_secret", "0123456789abcdef0123456789abcdef"),
    ("verify_token", "loja-verify-2026"),
];

#[tokio::test]
async fn an_admin_connects_whatsapp_in_the_browser_and_secrets_are_never_shown_again() {
    let (mut app, fake) = fresh().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let before = app.get("/settings/whatsapp").await;
    assert_eq!(before.status, StatusCode::OK);
    assert!(before.body.contains("Not connected yet"));
    assert!(
        before.body.contains("/webhooks/whatsapp"),
        "the callback URL to paste"
    );
    let inbox = app.get("/inbox").await;
    assert!(
        inbox.body.contains("WhatsApp is not connected yet"),
        "the inbox says so"
    );

    let r = save(&mut app, CONNECT).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let after = app.get("/settings/whatsapp").await;
    assert!(after.body.contains("Connected"));
    assert!(
        !after.body.contains(TOKEN),
        "the token is never echoed back"
    );
    assert!(
        !after.body.contains("0123456789abcdef0123456789abcdef"),
        "nor the app secret"
    );
    assert!(
        after.body.contains("loja-verify-2026"),
        "the verify token is shown to paste into Meta"
    );
    assert!(
        after.body.contains("by owner@shop.example") || after.body.contains("by Owner"),
        "set on … by …: {}",
        after.body
    );
    let stored: Vec<u8> = app
        .query(|c| {
            c.query_row(
                "SELECT ciphertext FROM secrets WHERE name = 'whatsapp.access_token'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(
        !stored.windows(TOKEN.len()).any(|w| w == TOKEN.as_bytes()),
        "stored encrypted"
    );
    assert_eq!(app.audit_count("whatsapp.connection").await, 1);
    let audit: String = app
        .query(|c| {
            c.query_row(
                "SELECT detail FROM audit_log WHERE action = 'whatsapp.connection'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(
        !audit.contains(TOKEN),
        "the audit names, never values: {audit}"
    );

    // Meta's handshake with the verify token set in the browser.
    let hs = app
        .get("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=42&hub.verify_token=loja-verify-2026")
        .await;
    assert_eq!((hs.status, hs.body.as_str()), (StatusCode::OK, "42"));

    let test = app
        .submit("/settings/whatsapp", "/settings/whatsapp/test", &[])
        .await;
    assert_eq!(test.status, StatusCode::OK);
    assert!(test.body.contains("+55 11 3456-7890"), "display number");
    assert!(test.body.contains("GREEN"), "quality rating");
    assert!(test.body.contains("Loja da Ana"));
    assert!(test.body.contains("no app subscribed"));
    assert!(
        fake.requests
            .lock()
            .expect("lock")
            .iter()
            .any(|r| r == &format!("GET /v23.0/{PNID}"))
    );

    let sub = app
        .submit("/settings/whatsapp", "/settings/whatsapp/subscribe", &[])
        .await;
    assert_eq!(sub.status, StatusCode::SEE_OTHER);
    assert!(*fake.subscribed.lock().expect("lock"));
    let test = app
        .submit("/settings/whatsapp", "/settings/whatsapp/test", &[])
        .await;
    assert!(test.body.contains("subscribed: Loja CRM"), "{}", test.body);
}

#[tokio::test]
async fn a_bad_token_shows_metas_error_in_plain_words() {
    let (mut app, _fake) = fresh().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut fields = CONNECT.to_vec();
    fields[3] = ("access_token", "EAAG-expired-token");
    save(&mut app, &fields).await;
    let test = app
        .submit("/settings/whatsapp", "/settings/whatsapp/test", &[])
        .await;
    assert!(
        test.body.contains("Invalid OAuth access token"),
        "{}",
        test.body
    );
    assert!(test.body.contains("code 190"));
    assert!(
        test.body.contains("wrong or expired"),
        "what to do about it"
    );
}

#[tokio::test]
async fn bad_ids_are_refused_with_every_problem_and_nothing_is_stored() {
    let (mut app, _fake) = fresh().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let r = save(
        &mut app,
        &[
            ("phone_number_id", "12-34"),
            ("waba_id", "abc"),
            ("access_token", "two words"),
            ("verify_token", "short"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("phone number id is a number"));
    assert!(r.body.contains("WhatsApp Business Account id is a number"));
    assert!(r.body.contains("without spaces"));
    assert!(r.body.contains("at least 8 characters"));
    assert_eq!(app.count("SELECT COUNT(*) FROM settings").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM secrets WHERE name LIKE 'whatsapp.%'")
            .await,
        0
    );
}

#[tokio::test]
async fn agents_cannot_see_or_change_the_connection() {
    let (mut app, _fake) = fresh().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    assert_eq!(
        app.get("/settings/whatsapp").await.status,
        StatusCode::FORBIDDEN
    );
    let r = app.submit("/settings", "/settings/whatsapp", CONNECT).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    for path in ["/settings/whatsapp/test", "/settings/whatsapp/subscribe"] {
        assert_eq!(
            app.submit("/settings", path, &[]).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM settings").await, 0);
}

#[tokio::test]
async fn replies_are_refused_with_a_clear_message_until_whatsapp_is_connected() {
    let (mut app, fake) = fresh().await;
    let conv = crate::fake_graph::customer_writes(&mut app, "wamid.CONN.1").await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("WhatsApp is not connected yet"),
        "a banner"
    );
    let r = app
        .submit(
            &format!("/conversations/{conv}"),
            &format!("/conversations/{conv}/messages"),
            &[("body", "Oi Ana")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let back = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        back.body.contains("nothing can be sent"),
        "the refusal says why"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        0,
        "never left queued"
    );

    save(&mut app, CONNECT).await;
    let r = app
        .submit(
            &format!("/conversations/{conv}"),
            &format!("/conversations/{conv}/messages"),
            &[("body", "Oi Ana")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
    crate::fake_graph::run_sender(&app).await;
    assert_eq!(
        fake.sent_of_type("text")["text"]["body"],
        "Oi Ana",
        "the number set in the browser sends"
    );
}
