//! The inbox list and the conversation page in the browser: reading, replying, templates,
//! retry, reactions, mark-as-read.

use crate::fake_graph::{add_template, customer_writes, meta_error, run_sender, setup};
use axum::http::StatusCode;
use flowcrm::model::Role;

#[tokio::test]
async fn inbox_lists_conversations_and_marking_one_seen_is_a_post_that_reaches_meta_once() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let inbox = app.get("/inbox").await;
    assert!(inbox.body.contains(&format!("/conversations/{conv}")));
    assert!(
        inbox.body.contains("Ana") && inbox.body.contains("aria-label=\"1 unread\""),
        "{}",
        inbox.body
    );
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Reply window open"));
    // Viewing changes nothing: still unread here, no read receipt to the customer.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(app.count("SELECT unread_count FROM conversations").await, 1);
    assert!(fake.sent.lock().expect("lock").is_empty());
    assert!(
        page.body.contains("id=\"seen-form\""),
        "the page offers to mark it read"
    );

    let path = format!("/conversations/{conv}");
    let r = app.submit(&path, &format!("{path}/seen"), &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT unread_count FROM conversations").await, 0);
    wait_for_read_receipt(&fake).await;
    let r = app.submit(&path, &format!("{path}/seen"), &[]).await;
    assert_eq!(
        r.status,
        StatusCode::SEE_OTHER,
        "marking it again is harmless"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(
        sent,
        vec![
            serde_json::json!({"messaging_product":"whatsapp","status":"read","message_id":"wamid.IN.1"})
        ],
        "one read receipt"
    );
    let page = app.get(&path).await;
    assert!(!page.body.contains("id=\"seen-form\""));
    let missing = app
        .post_form(
            "/conversations/999999/seen",
            &[("csrf_token", &page.csrf())],
        )
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// The read receipt goes out in the background; wait for it.
async fn wait_for_read_receipt(fake: &crate::fake_graph::FakeGraph) {
    for _ in 0..200 {
        if fake
            .sent
            .lock()
            .expect("lock")
            .iter()
            .any(|b| b["status"] == "read")
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("no read receipt reached the fake");
}

#[tokio::test]
async fn replying_from_the_composer_queues_and_sends_once() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    let key = {
        let marker = "name=\"key\" value=\"";
        let start = page.body.find(marker).expect("key") + marker.len();
        page.body[start..start + 64].to_string()
    };
    let path = format!("/conversations/{conv}/messages");
    let csrf = page.csrf();
    for _ in 0..2 {
        // A double click posts twice with the same key.
        let r = app
            .post_form(
                &path,
                &[
                    ("body", "Seu pedido saiu hoje"),
                    ("key", &key),
                    ("csrf_token", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
    fake.sent.lock().expect("lock").clear();
    run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(sent.iter().filter(|b| b["type"] == "text").count(), 1);
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("Seu pedido saiu hoje"));
    assert!(
        page.body.contains("tick-accepted") || page.body.contains("tick-sent"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn with_the_window_closed_the_page_offers_templates_and_refuses_free_text() {
    let (mut app, _fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.clock.advance(time::Duration::hours(30));
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("reply window is closed"));
    assert!(!page.body.contains("Write a reply"));
    let csrf = page.csrf();
    let path = format!("/conversations/{conv}/messages");
    let r = app
        .post_form(
            &path,
            &[
                ("body", "Oi?"),
                ("key", &"k".repeat(20)),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let after = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        after.body.contains("the 24-hour window is closed"),
        "flash shown"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn failed_messages_show_metas_reason_and_can_be_retried() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    fake.script
        .lock()
        .expect("lock")
        .push_back((400, meta_error(131_026, "Message undeliverable")));
    let csrf = page.csrf();
    app.post_form(
        &format!("/conversations/{conv}/messages"),
        &[
            ("body", "Oi"),
            ("key", &"x".repeat(20)),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    run_sender(&app).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("tick-failed"));
    assert!(page.body.contains("131026"), "reason shown");
    let mid: i64 = app
        .count("SELECT id FROM messages WHERE direction = 'out'")
        .await;
    let r = app
        .post_form(
            &format!("/messages/{mid}/retry"),
            &[("csrf_token", &page.csrf())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE state = 'queued'")
            .await,
        1
    );
    run_sender(&app).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
            .await,
        1
    );
}

#[tokio::test]
async fn reacting_to_a_customer_message_sends_a_reaction_shown_on_the_bubble() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    let r = app
        .post_form(
            &format!("/conversations/{conv}/reactions"),
            &[
                ("message_id", "wamid.IN.1"),
                ("emoji", "👍"),
                ("csrf_token", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    run_sender(&app).await;
    assert!(
        fake.sent
            .lock()
            .expect("lock")
            .iter()
            .any(|b| b["reaction"]["emoji"] == "👍")
    );
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("<p class=\"reactions\"><span>👍</span>"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn customer_text_and_names_with_markup_render_inert() {
    let (mut app, _fake) = setup().await;
    let body = crate::payload::text_from(
        "5511988880000",
        "<img src=x onerror=alert(1)>",
        "wamid.XSS",
        1_767_225_600,
        "<script>alert('x')</script>",
    );
    app.post_webhook(body.to_string().as_bytes()).await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let inbox = app.get("/inbox").await;
    assert!(
        !inbox.body.contains("<img src=x"),
        "name escaped in the list"
    );
    let conv: i64 = app.count("SELECT id FROM conversations").await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(!page.body.contains("<script>alert"), "body escaped");
    assert!(!page.body.contains("<img src=x"), "name escaped");
    assert!(page.body.contains("alert"), "but shown");
}

#[tokio::test]
async fn unknown_conversations_are_404() {
    let (mut app, _fake) = setup().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    assert_eq!(
        app.get("/conversations/999").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn replying_to_a_message_quotes_it_at_whatsapp() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.Q").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app
        .get(&format!("/conversations/{conv}?reply_to=wamid.IN.Q"))
        .await;
    assert!(page.body.contains("Replying to:"));
    let r = app
        .post_form(
            &format!("/conversations/{conv}/messages"),
            &[
                ("body", "Sim!"),
                ("key", &"q".repeat(20)),
                ("reply_to", "wamid.IN.Q"),
                ("csrf_token", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    let text = sent.iter().find(|b| b["type"] == "text").expect("sent");
    assert_eq!(
        text["context"],
        serde_json::json!({"message_id": "wamid.IN.Q"})
    );
}

#[tokio::test]
async fn template_variables_can_use_contact_fields() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.T").await;
    app.clock.advance(time::Duration::hours(30));
    add_template(
        &app,
        "order_update",
        "pt_BR",
        "APPROVED",
        serde_json::json!([{"type": "BODY", "text": "Olá {{1}}, pedido {{2}}."}]),
    )
    .await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("value=\"{name}\""),
        "first variable defaults to the name"
    );
    let r = app
        .post_form(
            &format!("/conversations/{conv}/template"),
            &[
                ("name", "order_update"),
                ("language", "pt_BR"),
                ("var1", "{name}"),
                ("var2", "42"),
                ("key", &"t".repeat(20)),
                ("csrf_token", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    run_sender(&app).await;
    let t = fake.sent_of_type("template");
    assert_eq!(
        t["template"]["components"][0]["parameters"][0]["text"],
        "Ana"
    );
}

#[tokio::test]
async fn admins_see_a_paused_sender_and_can_resume_it() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.P").await;
    app.logged_in_as("boss@shop.example", Role::Admin).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    fake.script
        .lock()
        .expect("lock")
        .push_back((401, meta_error(190, "Error validating access token")));
    app.post_form(
        &format!("/conversations/{conv}/messages"),
        &[
            ("body", "Oi"),
            ("key", &"p".repeat(20)),
            ("csrf_token", &page.csrf()),
        ],
    )
    .await;
    assert!(run_sender(&app).await.paused);
    let settings = app.get("/settings").await;
    assert!(
        settings.body.contains("Sending is paused"),
        "{}",
        settings.body
    );
    let r = app
        .submit("/settings", "/settings/sending/resume", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get("/settings")
            .await
            .body
            .contains("Sending is paused")
    );
    assert_eq!(run_sender(&app).await.sent, 1);
}

#[tokio::test]
async fn header_variables_of_a_template_are_asked_for_and_sent() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.H").await;
    app.clock.advance(time::Duration::hours(30));
    add_template(
        &app,
        "shipping",
        "en_US",
        "APPROVED",
        serde_json::json!([
            {"type": "HEADER", "format": "TEXT", "text": "Order {{1}}"},
            {"type": "BODY", "text": "Hi {{1}}, it ships today."}
        ]),
    )
    .await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("Header variable 1"));
    let r = app
        .post_form(
            &format!("/conversations/{conv}/template"),
            &[
                ("name", "shipping"),
                ("language", "en_US"),
                ("hvar1", "#42"),
                ("var1", "{name}"),
                ("key", &"h".repeat(20)),
                ("csrf_token", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    run_sender(&app).await;
    let t = fake.sent_of_type("template");
    assert_eq!(
        t["template"]["components"][0],
        serde_json::json!({"type": "header", "parameters": [{"type": "text", "text": "#42"}]})
    );
}

#[tokio::test]
async fn web_addresses_in_messages_are_safe_links_and_actions_wait_for_hover_or_tap() {
    let (mut app, _fake) = crate::fake_graph::setup().await;
    let ts = flowcrm::clock::Clock::now(app.clock.as_ref()).unix_timestamp();
    let text = "Veja https://loja.example/p?id=1&c=2. Não javascript:alert(1) nem <b>isto</b>";
    let body = crate::payload::text_from("5511988887777", "Ana", "wamid.LINK.1", ts, text);
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let conv = app.count("SELECT id FROM conversations").await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains(r#"<a href="https://loja.example/p?id=1&#38;c=2" rel="noopener noreferrer" target="_blank">https://loja.example/p?id=1&#38;c=2</a>."#),
        "{}",
        page.body
    );
    assert!(
        !page.body.contains("href=\"javascript:"),
        "only http and https become links"
    );
    assert!(
        page.body.contains("&#60;b&#62;isto&#60;/b&#62;"),
        "the rest stays escaped text"
    );
    assert!(
        page.body.contains(r#"<div class="bubble-actions">"#),
        "reply and reactions are grouped, shown on hover/focus/tap"
    );
}
