//! One rule per action, the same on every door: a role × route sweep for an agent against a
//! colleague's conversation and an admin's records, the take-over that unlocks the work, the
//! same answers from an agent API key, and the audit entries of deletions.

use crate::api::{call, key};
use crate::attachments::{JPEG, upload};
use crate::fake_graph::{customer_writes, setup};
use crate::helpers::{TestApp, TestResponse};
use axum::http::StatusCode;
use flowcrm::model::Role;
use serde_json::json;

async fn user_id(app: &TestApp, email: &'static str) -> i64 {
    app.query(move |c| {
        c.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
            r.get(0)
        })
    })
    .await
}

/// POSTs a form with the session's CSRF token.
async fn post(app: &mut TestApp, path: &str, fields: &[(&str, &str)]) -> TestResponse {
    app.submit("/inbox", path, fields).await
}

/// Rows that a refused request must leave as they were.
async fn snapshot(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM messages",
        "SELECT COUNT(*) FROM outbox",
        "SELECT COUNT(*) FROM conversation_notes",
        "SELECT COUNT(*) FROM conversation_tags",
        "SELECT COUNT(*) FROM contacts",
        "SELECT COUNT(*) FROM contact_notes",
        "SELECT COUNT(*) FROM segments",
        "SELECT COUNT(*) FROM products",
        "SELECT COUNT(*) FROM audit_log WHERE action NOT LIKE 'login.%'",
        "SELECT COALESCE(SUM(assignee_id), 0) FROM conversations",
        "SELECT COUNT(*) FROM conversations WHERE status = 'resolved'",
        "SELECT COALESCE(SUM(LENGTH(name)), 0) FROM segments",
    ] {
        out.push(app.count(sql).await);
    }
    out
}

/// An admin (owner), two agents (Bob, Ann), a conversation assigned to Bob, and records the
/// owner made: a contact note, a tag, a segment, a product.
struct Team {
    owner: TestApp,
    bob: TestApp,
    ann: TestApp,
    conv: i64,
    contact: i64,
    note: i64,
    tag: String,
    segment: i64,
    product: i64,
    message: i64,
}

async fn team() -> Team {
    let (mut owner, _fake) = setup().await;
    let conv = customer_writes(&mut owner, "wamid.PERM.1").await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut bob = owner.other_browser();
    bob.logged_in_as("bob@shop.example", Role::Agent).await;
    let mut ann = owner.other_browser();
    ann.logged_in_as("ann@shop.example", Role::Agent).await;
    let bob_id = user_id(&owner, "bob@shop.example").await.to_string();

    // An admin's records, and a conversation assigned to Bob.
    let page = format!("/conversations/{conv}");
    assert_eq!(
        post(&mut owner, &format!("{page}/assign"), &[("to", &bob_id)])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    let contact: i64 = owner.count("SELECT contact_id FROM conversations").await;
    post(
        &mut owner,
        &format!("/contacts/{contact}/notes"),
        &[("body", "VIP, owner's note")],
    )
    .await;
    let note: i64 = owner.count("SELECT id FROM contact_notes").await;
    post(&mut owner, "/tags", &[("name", "Hot"), ("color", "red")]).await;
    let tag = owner.count("SELECT id FROM tags").await.to_string();
    post(
        &mut owner,
        "/segments",
        &[("name", "Everyone named Ana"), ("query", "q=Ana")],
    )
    .await;
    let segment: i64 = owner.count("SELECT id FROM segments").await;
    post(
        &mut owner,
        "/products",
        &[
            ("retailer_id", "SKU1"),
            ("name", "Shirt"),
            ("price", "10"),
            ("currency", "BRL"),
        ],
    )
    .await;
    let product: i64 = owner.count("SELECT id FROM products").await;
    let message: i64 = owner.count("SELECT id FROM messages").await;
    assert_eq!(owner.count("SELECT COUNT(*) FROM segments").await, 1);
    assert_eq!(owner.count("SELECT COUNT(*) FROM products").await, 1);
    Team {
        owner,
        bob,
        ann,
        conv,
        contact,
        note,
        tag,
        segment,
        product,
        message,
    }
}

#[tokio::test]
async fn agents_are_refused_the_same_actions_on_every_door_and_nothing_changes() {
    let Team {
        owner,
        mut ann,
        conv,
        contact,
        note,
        tag,
        segment,
        product,
        message,
        ..
    } = team().await;
    let page = format!("/conversations/{conv}");

    let (_, agent_key) = key(&owner, Role::Agent).await;
    let before = snapshot(&owner).await;
    let forbidden: Vec<(String, Vec<(&str, String)>)> = vec![
        (format!("{page}/messages"), vec![("body", "hi".into())]),
        (
            format!("{page}/status"),
            vec![("status", "resolved".into())],
        ),
        (format!("{page}/notes"), vec![("body", "note".into())]),
        (
            format!("{page}/tags"),
            vec![("tag", tag.clone()), ("action", "add".into())],
        ),
        (
            format!("{page}/reactions"),
            vec![
                ("message_id", "wamid.PERM.1".into()),
                ("emoji", "👍".into()),
            ],
        ),
        (
            format!("{page}/template"),
            vec![("name", "x".into()), ("language", "en_US".into())],
        ),
        (format!("/messages/{message}/retry"), vec![]),
        (
            format!("/contacts/{contact}/merge"),
            vec![("other", "999".into()), ("confirm", "1".into())],
        ),
        (format!("/contacts/{contact}/notes/{note}/delete"), vec![]),
        (
            format!("/segments/{segment}"),
            vec![("name", "Renamed".into())],
        ),
        (format!("/segments/{segment}/delete"), vec![]),
        (
            "/products".into(),
            vec![
                ("retailer_id", "SKU1".into()),
                ("name", "Cheap".into()),
                ("price", "1".into()),
                ("currency", "BRL".into()),
            ],
        ),
        (format!("/products/{product}/delete"), vec![]),
        (format!("/tags/{tag}/delete"), vec![]),
        ("/templates/sync".into(), vec![]),
        ("/settings/sending/resume".into(), vec![]),
    ];
    for (path, fields) in &forbidden {
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = post(&mut ann, path, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "POST {path}: {}", r.body);
    }
    for path in [
        "/contacts/export.csv",
        "/orders/export.csv",
        "/contacts/import",
        "/inbox?view=all",
    ] {
        assert_eq!(
            ann.get(path).await.status,
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    let csrf = ann.get("/inbox").await.csrf();
    let r = upload(&mut ann, conv, Some(&csrf), "image/jpeg", "a.jpg", JPEG).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "attachment: {}", r.body);
    assert_eq!(
        snapshot(&owner).await,
        before,
        "refused requests changed nothing"
    );

    // The same rule through the API: an agent key cannot answer Bob's conversation.
    let send = json!({"type": "text", "text": {"body": "hi"}});
    let r = call(
        &mut ann,
        "POST",
        &format!("/conversations/{conv}/messages"),
        Some(&agent_key),
        Some(send.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    assert!(r.body.contains("take it over first"), "{}", r.body);
    assert_eq!(snapshot(&owner).await, before);
}

#[tokio::test]
async fn taking_a_conversation_over_is_audited_and_moves_the_work() {
    let Team {
        mut owner,
        mut bob,
        mut ann,
        conv,
        ..
    } = team().await;
    let page = format!("/conversations/{conv}");
    // Reading a colleague's conversation is allowed, marking it read too (part of reading),
    // and the page offers to take it over.
    assert_eq!(
        post(&mut ann, &format!("{page}/seen"), &[]).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        owner.count("SELECT unread_count FROM conversations").await,
        0
    );
    assert_eq!(
        post(&mut owner, &format!("{page}/seen"), &[]).await.status,
        StatusCode::SEE_OTHER,
        "admins too"
    );
    let view = ann.get(&page).await;
    assert_eq!(view.status, StatusCode::OK);
    assert!(view.body.contains("Take over"), "{}", view.body);
    assert!(!view.body.contains("Write a reply"));

    // Taking it over is allowed and audited; then the work is Ann's.
    let r = post(
        &mut ann,
        &format!("{page}/assign"),
        &[("to", &user_id(&owner, "ann@shop.example").await.to_string())],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(owner.audit_count("conversation.take_over").await, 1);
    let r = post(
        &mut ann,
        &format!("{page}/messages"),
        &[("body", "Hi, Ann here")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        post(&mut ann, &format!("{page}/notes"), &[("body", "mine now")])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // Bob, who lost it, is refused in turn.
    assert_eq!(
        post(
            &mut bob,
            &format!("{page}/status"),
            &[("status", "resolved")]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn an_agent_key_works_unassigned_conversations_and_an_admin_key_any() {
    let (mut app, _fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.PERM.2").await;
    let (_, agent_key) = key(&app, Role::Agent).await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    let send = |t: &str| json!({"type": "text", "text": {"body": t}});
    let path = format!("/conversations/{conv}/messages");
    let r = call(&mut app, "POST", &path, Some(&agent_key), Some(send("one"))).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "unassigned: {}", r.body);
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let me = user_id(&app, "owner@shop.example").await.to_string();
    post(
        &mut app,
        &format!("/conversations/{conv}/assign"),
        &[("to", &me)],
    )
    .await;
    let r = call(&mut app, "POST", &path, Some(&agent_key), Some(send("two"))).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = call(
        &mut app,
        "POST",
        &path,
        Some(&admin_key),
        Some(send("three")),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
}

#[tokio::test]
async fn authors_delete_their_own_notes_and_segments_and_deletions_are_audited() {
    let mut owner = TestApp::spawn().await;
    owner.deliver("text").await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut ann = owner.other_browser();
    ann.logged_in_as("ann@shop.example", Role::Agent).await;
    let contact: i64 = owner.count("SELECT id FROM contacts").await;

    post(
        &mut ann,
        &format!("/contacts/{contact}/notes"),
        &[("body", "Ann's note")],
    )
    .await;
    let note: i64 = owner.count("SELECT id FROM contact_notes").await;
    let page = ann.get(&format!("/contacts/{contact}")).await;
    assert!(
        page.body.contains(&format!("/notes/{note}/delete")),
        "the author sees Delete"
    );
    let r = post(
        &mut ann,
        &format!("/contacts/{contact}/notes/{note}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(owner.audit_count("contact.note.delete").await, 1);

    post(
        &mut ann,
        "/segments",
        &[("name", "Anas"), ("query", "q=Ana")],
    )
    .await;
    let segment: i64 = owner.count("SELECT id FROM segments").await;
    let r = post(
        &mut ann,
        &format!("/segments/{segment}"),
        &[("name", "All Anas")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        post(&mut ann, &format!("/segments/{segment}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(owner.audit_count("segment.delete").await, 1);

    // Admins delete anyone's, audited too.
    post(
        &mut ann,
        &format!("/contacts/{contact}/notes"),
        &[("body", "another")],
    )
    .await;
    let note: i64 = owner.count("SELECT id FROM contact_notes").await;
    assert_eq!(
        post(
            &mut owner,
            &format!("/contacts/{contact}/notes/{note}/delete"),
            &[]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    post(&mut owner, "/tags", &[("name", "Hot"), ("color", "red")]).await;
    let tag: i64 = owner.count("SELECT id FROM tags").await;
    assert_eq!(
        post(&mut owner, &format!("/tags/{tag}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    post(
        &mut owner,
        "/products",
        &[
            ("retailer_id", "SKU1"),
            ("name", "Shirt"),
            ("price", ""),
            ("currency", "BRL"),
        ],
    )
    .await;
    let product: i64 = owner.count("SELECT id FROM products").await;
    assert_eq!(
        post(&mut owner, &format!("/products/{product}/delete"), &[])
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(owner.audit_count("contact.note.delete").await, 2);
    assert_eq!(owner.audit_count("tag.delete").await, 1);
    assert_eq!(owner.audit_count("product.delete").await, 1);
}

#[tokio::test]
async fn resuming_sending_is_audited() {
    let mut app = TestApp::spawn().await;
    app.state
        .db
        .write(|c| {
            flowcrm::db::outbox::pause(c, "token refused", "fp", time::OffsetDateTime::now_utc())
        })
        .await
        .expect("pause");
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let r = app
        .submit("/settings", "/settings/sending/resume", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("sending.resume").await, 1);
    assert!(
        app.state
            .db
            .read(flowcrm::db::outbox::pause_state)
            .await
            .expect("read")
            .is_none()
    );
}
