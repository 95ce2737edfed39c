//! Inbound completeness, the conversation side: messages the business sent from the WhatsApp
//! Business app (echoes and the phone's history), edits and deletions that change the original
//! (both directions, text and captions, an edit before its original), and calls. Each fixture in
//! `tests/fixtures` follows Meta's documented shape; each test checks the inbox page and the API.

use crate::api::{call, key};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::clock::Clock as _;
use flowcrm::model::Role;
use serde_json::{Value, json};

/// The only conversation's messages as the API lists them, oldest first.
async fn api_messages(app: &mut TestApp) -> Vec<Value> {
    let (_, k) = key(app, Role::Agent).await;
    let convs: Value = serde_json::from_str(
        &call(app, "GET", "/conversations", Some(&k), None)
            .await
            .body,
    )
    .expect("json");
    let id = convs["data"][0]["id"].as_i64().expect("a conversation");
    let r = call(
        app,
        "GET",
        &format!("/conversations/{id}/messages"),
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page: Value = serde_json::from_str(&r.body).expect("json");
    let mut data = page["data"].as_array().expect("data").clone();
    data.reverse();
    data
}

async fn conversation_page(app: &mut TestApp) -> String {
    let id = app.count("SELECT MIN(id) FROM conversations").await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get(&format!("/conversations/{id}")).await;
    assert_eq!(page.status, StatusCode::OK);
    page.body
}

#[tokio::test]
async fn an_echo_is_the_businesss_message_from_the_phone_and_settles_the_unread_state() {
    let mut app = TestApp::spawn().await;
    app.deliver("text").await;
    assert_eq!(app.count("SELECT unread_count FROM conversations").await, 1);
    app.deliver("echo_text").await;
    app.deliver("echo_text").await; // Meta retries: stored once
    app.deliver("echo_image").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations").await,
        1,
        "the customer's conversation"
    );
    assert_eq!(
        app.count("SELECT unread_count FROM conversations").await,
        0,
        "answered on the phone"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE direction = 'out' AND via = 'business_app'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media WHERE media_id = '3003383421387256'")
            .await,
        1,
        "the echo's photo is fetched"
    );

    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[0]["sent_from"], "customer");
    assert_eq!(msgs[1]["sent_from"], "business_app");
    assert_eq!(msgs[1]["direction"], "out");
    assert_eq!(msgs[1]["text"], "Oi Ana! Seu pedido 42 sai hoje.");
    assert_eq!(
        msgs[2]["content"]["media"]["caption"],
        "Nota fiscal do pedido"
    );

    let page = conversation_page(&mut app).await;
    assert!(
        page.contains("Sent from the WhatsApp Business app"),
        "marked on the page"
    );
    assert!(page.contains("Oi Ana! Seu pedido 42 sai hoje."));
}

#[tokio::test]
async fn echo_edits_and_deletions_change_the_original() {
    let mut app = TestApp::spawn().await;
    for f in [
        "echo_text",
        "echo_image",
        "echo_edit",
        "echo_revoke",
        "echo_edit",
    ] {
        app.deliver(f).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages").await,
        2,
        "no separate edit or delete rows"
    );
    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs[0]["text"], "Oi Ana! Seu pedido 42 sai amanhã.");
    assert!(msgs[0]["edited_at"].is_string());
    assert_eq!(
        msgs[0]["versions"][0]["text"],
        "Oi Ana! Seu pedido 42 sai hoje."
    );
    assert_eq!(msgs[1]["type"], "deleted");
    assert!(msgs[1]["deleted_at"].is_string());
    assert!(
        msgs[1]["content"].get("media").is_none(),
        "a deleted photo is not offered"
    );
    assert!(
        !msgs[1].to_string().contains("Nota fiscal"),
        "nor its caption: {}",
        msgs[1]
    );

    let page = conversation_page(&mut app).await;
    assert!(
        page.contains("sai amanhã") && page.contains("edited "),
        "the edit shows as edited"
    );
    assert!(
        page.contains("<details class=\"versions"),
        "with its history on demand"
    );
    assert!(page.contains("This message was deleted"));
    assert!(!page.contains("Nota fiscal do pedido"));
}

#[tokio::test]
async fn a_customers_edits_and_deletions_of_text_and_captions_change_the_original() {
    let mut app = TestApp::spawn().await;
    for f in ["text", "image", "edit_text", "edit_caption"] {
        app.deliver(f).await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 2);
    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs[0]["text"], "Olá! Quero saber do pedido 43");
    assert_eq!(
        msgs[1]["content"]["media"]["caption"],
        "Foto do produto, cor azul"
    );
    assert_eq!(msgs[1]["versions"][0]["text"], "Foto do produto");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media WHERE media_id = '1003383421387256'")
            .await,
        1,
        "a caption edit keeps the one file"
    );

    app.deliver("revoke_text").await;
    app.deliver("revoke_image").await;
    let msgs = api_messages(&mut app).await;
    for m in &msgs {
        assert_eq!(m["type"], "deleted", "{m}");
        assert!(
            m["versions"].is_null(),
            "a deleted message's versions are not returned: {m}"
        );
    }
    let page = conversation_page(&mut app).await;
    assert!(
        !page.contains("pedido 43") && !page.contains("cor azul"),
        "content no longer shown"
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM media WHERE state = 'lost' AND error = 'deleted by its sender'"
        )
        .await,
        1,
        "a deleted photo is never downloaded"
    );
    let media = app.count("SELECT id FROM media").await;
    assert_eq!(
        app.get(&format!("/media/{media}")).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'pedido'")
            .await,
        0,
        "the search index forgot the deleted text"
    );
}

#[tokio::test]
async fn an_edit_that_arrives_before_its_original_is_applied_when_the_original_appears() {
    let mut app = TestApp::spawn().await;
    app.deliver("edit_text").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages").await,
        0,
        "nothing to show yet"
    );
    app.deliver("text").await;
    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs.len(), 1);
    assert_eq!(msgs[0]["text"], "Olá! Quero saber do pedido 43");
    assert_eq!(
        msgs[0]["versions"][0]["text"],
        "Olá! Quero saber do pedido 42"
    );
}

#[tokio::test]
async fn a_deleted_messages_content_is_kept_only_for_the_raw_payload_retention() {
    let mut app = TestApp::spawn().await;
    let now = app.clock.now().unix_timestamp();
    let text =
        crate::payload::text_from("5511988887777", "Ana", "wamid.SOON1", now, "Meu CPF é 123");
    app.post_webhook(text.to_string().as_bytes()).await;
    let mut revoke = text.clone();
    revoke["entry"][0]["changes"][0]["value"]["messages"][0] = json!({
        "from": "5511988887777", "id": "wamid.SOON1DEL", "timestamp": now.to_string(),
        "type": "revoke", "revoke": {"original_message_id": "wamid.SOON1"}
    });
    app.post_webhook(revoke.to_string().as_bytes()).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM message_versions").await, 1);
    let days = app.state.config.whatsapp.raw_payload_days;
    let kept = app
        .state
        .crm
        .purge_deleted_messages(days)
        .await
        .expect("purge");
    assert_eq!(kept, (0, 0), "younger than the retention: kept");
    app.clock.advance(time::Duration::days(i64::from(days) + 1));
    let gone = app
        .state
        .crm
        .purge_deleted_messages(days)
        .await
        .expect("purge");
    assert_eq!(gone.0, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM message_versions").await
            + app
                .count(
                    "SELECT COUNT(*) FROM messages WHERE content LIKE '%CPF%' OR raw LIKE '%CPF%'"
                )
                .await,
        0
    );
}

#[tokio::test]
async fn the_phones_history_is_imported_in_both_directions_without_unread_and_a_refusal_is_an_alert()
 {
    let mut app = TestApp::spawn().await;
    app.deliver("history").await;
    app.deliver("history").await;
    app.deliver("history_media").await; // the photo's file comes in a later chunk
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media WHERE media_id = '4003383421387256'")
            .await,
        1,
        "the later chunk's file is fetched for the imported message"
    );
    assert_eq!(app.count("SELECT unread_count FROM conversations").await, 0);
    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs[0]["direction"], "in");
    assert_eq!(msgs[1]["sent_from"], "business_app");
    assert_eq!(msgs[1]["status"], "read", "the phone's tick");
    assert_eq!(msgs[2]["content"]["media"]["caption"], "Esta cor");
    assert!(msgs.iter().all(|m| m["imported"] == true));
    let page = conversation_page(&mut app).await;
    assert!(page.contains("chat history"), "marked as imported");

    app.deliver("history_declined").await;
    let alerts = app.get("/settings/alerts").await;
    assert!(
        alerts.body.contains("Chat history not imported"),
        "{}",
        alerts.body
    );
}

#[tokio::test]
async fn calls_are_entries_in_the_conversation_and_a_customers_call_opens_the_window() {
    let mut app = TestApp::spawn().await;
    app.deliver("call_connect").await;
    app.deliver("call_terminate").await;
    app.deliver("call_connect").await; // late retry: never moves the call back
    app.deliver("call_missed").await;
    app.deliver("call_status_rejected").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE kind = 'call'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations WHERE last_inbound_at IS NOT NULL")
            .await,
        1
    );
    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs[0]["content"]["call"]["state"], "answered");
    assert_eq!(msgs[0]["content"]["call"]["duration_seconds"], 135);
    assert_eq!(msgs[0]["content"]["call"]["caller"], "customer");
    assert_eq!(msgs[1]["content"]["call"]["state"], "missed");
    assert_eq!(msgs[2]["content"]["call"]["state"], "rejected");
    assert_eq!(msgs[2]["direction"], "out");
    let page = conversation_page(&mut app).await;
    assert!(
        page.contains("Call from the customer, 2 min 15 s"),
        "answered with its duration"
    );
    assert!(page.contains("Missed call"));
    assert!(page.contains("Call to the customer, declined"));
}

#[tokio::test]
async fn call_permission_replies_show_as_granted_until_or_refused() {
    let mut app = TestApp::spawn().await;
    app.deliver("call_permission_accept").await;
    app.deliver("call_permission_reject").await;
    let msgs = api_messages(&mut app).await;
    assert_eq!(msgs[0]["type"], "call_permission");
    assert_eq!(msgs[0]["content"]["call_permission"]["response"], "accept");
    assert!(
        msgs[0]["content"]["call_permission"]["expires_at"]
            .as_str()
            .is_some_and(|t| t.starts_with("2026-01-08"))
    );
    assert_eq!(msgs[1]["content"]["call_permission"]["response"], "reject");
    let page = conversation_page(&mut app).await;
    assert!(page.contains("Permission granted until"));
    assert!(page.contains("Permission refused"));
    assert!(!page.contains("Interactive reply"));
}
