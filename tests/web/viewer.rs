//! The viewer role on real data: reads the inbox, a conversation, contacts and orders; cannot
//! send, edit, assign, import or export, nor mark a conversation read (which would send the
//! customer a read receipt); the pages do not offer what they cannot do; a viewer API key only
//! reads. Admins invite viewers on the team page.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn customer_writes(app: &mut TestApp) -> (i64, i64) {
    let ts = app.clock.now_plus(time::Duration::ZERO).unix_timestamp();
    let body = crate::payload::text_from(
        "5511988887777",
        "Ana Lima",
        "wamid.V1",
        ts,
        "Is the blue dress in stock?",
    );
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    let conversation = app.count("SELECT id FROM conversations").await;
    let contact = app.count("SELECT contact_id FROM conversations").await;
    (conversation, contact)
}

/// An admin invites a viewer; a customer writes; a viewer signs in.
async fn setup() -> (TestApp, i64, i64) {
    let mut admin = TestApp::spawn().await;
    admin.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = admin
        .invite("Carla Contadora", "carla@loja.example", "viewer")
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        admin
            .count("SELECT COUNT(*) FROM users WHERE role = 'viewer'")
            .await,
        1,
        "admins invite viewers"
    );
    let (conversation, contact) = customer_writes(&mut admin).await;
    let mut carla = admin.other_browser();
    carla
        .logged_in_as("viewer@loja.example", Role::Viewer)
        .await;
    (carla, conversation, contact)
}

#[tokio::test]
async fn a_viewer_reads_the_inbox_conversations_contacts_and_orders_without_forms_to_change_them() {
    let (mut carla, conversation, contact) = setup().await;
    let inbox = carla.get("/inbox").await;
    assert_eq!(inbox.status, StatusCode::OK);
    assert!(inbox.body.contains("Ana Lima"));
    let page = carla.get(&format!("/conversations/{conversation}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Is the blue dress in stock?"));
    assert!(page.body.contains("Viewers do not reply"));
    for form in [
        "/messages\"",
        "/assign\"",
        "/seen\"",
        "/notes\"",
        "/status\"",
    ] {
        assert!(
            !page
                .body
                .contains(&format!("action=\"/conversations/{conversation}{form}")),
            "no {form} form for a viewer"
        );
    }
    let contact_page = carla.get(&format!("/contacts/{contact}")).await;
    assert_eq!(contact_page.status, StatusCode::OK);
    assert!(
        !contact_page.body.contains("/notes\" class=\"stack\""),
        "no note form"
    );
    assert!(!contact_page.body.contains("Send a WhatsApp message"));
    let contacts = carla.get("/contacts").await;
    assert!(contacts.body.contains("Ana Lima") && !contacts.body.contains("New contact"));
    let orders = carla.get("/orders").await;
    assert_eq!(orders.status, StatusCode::OK);
    assert!(!orders.body.contains("New order"));
    for path in [
        "/contacts/export.csv",
        "/orders/export.csv",
        "/contacts/import",
        "/contacts/new",
    ] {
        assert_eq!(
            carla.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_viewer_cannot_send_edit_assign_tag_or_mark_read_and_is_told_why() {
    let (mut carla, conversation, contact) = setup().await;
    let unread = "SELECT unread_count FROM conversations";
    assert_eq!(carla.count(unread).await, 1);
    let csrf = carla.get("/settings").await.csrf();
    let c = conversation;
    let attempts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            format!("/conversations/{c}/messages"),
            vec![("body", "Yes!")],
        ),
        (format!("/conversations/{c}/assign"), vec![("to", "2")]),
        (
            format!("/conversations/{c}/status"),
            vec![("status", "resolved")],
        ),
        (
            format!("/conversations/{c}/notes"),
            vec![("body", "call her")],
        ),
        (format!("/conversations/{c}/seen"), vec![]),
        (format!("/contacts/{contact}/notes"), vec![("body", "VIP")]),
        (
            format!("/contacts/{contact}/consent"),
            vec![("state", "out")],
        ),
        (
            format!("/contacts/{contact}/edit"),
            vec![("name", "Changed")],
        ),
        (
            "/contacts/new".into(),
            vec![("name", "New"), ("phone", "+5511977776666")],
        ),
        ("/tags".into(), vec![("name", "vip"), ("color", "green")]),
        ("/orders/new".into(), vec![("contact", "1")]),
    ];
    for (path, fields) in attempts {
        let mut all = fields.clone();
        all.push(("csrf_token", &csrf));
        let r = carla.post_form(&path, &all).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            r.body.contains("Viewers can read"),
            "{path}: the reason is given"
        );
    }
    assert_eq!(carla.count(unread).await, 1, "still unread for the team");
    assert_eq!(
        carla.count("SELECT COUNT(*) FROM outbox").await,
        0,
        "nothing sent"
    );
    assert_eq!(carla.count("SELECT COUNT(*) FROM contacts").await, 1);
    assert_eq!(
        carla.count("SELECT COUNT(*) FROM conversation_notes").await,
        0
    );
    assert_eq!(
        carla
            .count(
                "SELECT COUNT(*) FROM conversations WHERE assignee_id IS NULL AND status = 'open'"
            )
            .await,
        1
    );

    // Their own account is theirs: the password can change.
    let r = carla
        .submit(
            "/settings",
            "/settings/password",
            &[
                ("current", PASSWORD),
                ("password", "a new long passphrase"),
                ("confirm", "a new long passphrase"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_viewer_api_key_reads_and_is_refused_every_write() {
    let mut app = TestApp::spawn().await;
    customer_writes(&mut app).await;
    let (_, token) = crate::api::key(&app, Role::Viewer).await;
    let r = crate::api::call(&mut app, "GET", "/contacts", Some(&token), None).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Ana Lima"));
    let body = serde_json::json!({"name": "Bob", "phone": "+5511966665555"});
    let r = crate::api::call(&mut app, "POST", "/contacts", Some(&token), Some(body)).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Viewers can read"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
}
