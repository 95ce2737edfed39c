//! AI assist's other features and pages: rewrite, translate, tag suggestions, the template
//! pick when the window is closed, "Test connection" catching a truncating server, the
//! summary in the export and gone after erasure, `/privacy`, and who may do what.

use crate::ai::{ask, setup, setup_with};
use crate::fake_ai::prompt_text;
use axum::http::StatusCode;
use flowcrm::model::Role;
use serde_json::json;

#[tokio::test]
async fn rewrite_translate_and_suggestions_use_what_the_agent_wrote_and_the_installs_tags() {
    let (mut app, fake, id) = setup("Hola, quiero un reembolso, soy Maria Silva").await;
    fake.reply("Hola [NAME_1], le devolvemos el dinero hoy.");
    let r = ask(
        &mut app,
        id,
        "translate",
        &[("body", "Hi Maria Silva, we refund you today.")],
    )
    .await;
    assert!(
        r.body
            .contains(">Hola Maria Silva, le devolvemos el dinero hoy.</textarea>"),
        "{}",
        r.body
    );
    let p = prompt_text(&fake.prompts()[0]);
    assert!(
        p.contains("Agent's draft:\nHi [NAME_1], we refund you today.")
            && p.contains("Customer: Hola, quiero un reembolso"),
        "{p}"
    );
    fake.reply("We refund you today.");
    let r = ask(
        &mut app,
        id,
        "rewrite",
        &[
            ("body", "Hi, so, we will refund you today, ok"),
            ("style", "shorter"),
        ],
    )
    .await;
    assert!(r.body.contains(">We refund you today.</textarea>"));
    let p = prompt_text(&fake.prompts()[1]);
    assert!(
        p.contains("Make it shorter") && !p.contains("Customer:"),
        "a rewrite sends only the draft: {p}"
    );
    // Suggestions: only the install's tags, not those already on it.
    for name in ["refund", "vip", "spanish"] {
        app.submit("/tags", "/tags", &[("name", name), ("color", "blue")])
            .await;
    }
    let spanish = app
        .query(|c| {
            c.query_row("SELECT id FROM tags WHERE name = 'spanish'", [], |r| {
                r.get::<_, i64>(0)
            })
        })
        .await
        .to_string();
    app.submit(
        &format!("/conversations/{id}"),
        &format!("/conversations/{id}/tags"),
        &[("tag", &spanish), ("action", "add")],
    )
    .await;
    fake.reply("```json\n{\"intent\": \"refund request\", \"tags\": [\"Refund\", \"spanish\", \"made-up\"]}\n```");
    let r = ask(&mut app, id, "suggest", &[]).await;
    assert!(
        r.body.contains("Intent: <strong>refund request</strong>"),
        "{}",
        r.body
    );
    assert!(r.body.contains("aria-label=\"Add tag refund\""));
    assert!(!r.body.contains("Add tag spanish") && !r.body.contains("made-up"));
    let sys = fake.prompts()[2]["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        sys.contains("[\"refund\",\"spanish\",\"vip\"]") || sys.contains("\"refund\""),
        "{sys}"
    );
    // An answer that is not JSON is a plain message, not a broken page.
    fake.reply("I think refund");
    let r = ask(&mut app, id, "suggest", &[]).await;
    assert!(r.body.contains("could not be read"), "{}", r.body);
}

#[tokio::test]
async fn with_the_window_closed_a_draft_picks_an_approved_template() {
    let (mut app, fake, id) = setup("Where is my order?").await;
    crate::fake_graph::add_template(
        &app,
        "order_update",
        "en",
        "APPROVED",
        json!([{"type": "BODY", "text": "Your order {{1}} has shipped."}]),
    )
    .await;
    crate::fake_graph::add_template(
        &app,
        "old_promo",
        "en",
        "REJECTED",
        json!([{"type": "BODY", "text": "Sale!"}]),
    )
    .await;
    app.clock.advance(time::Duration::hours(25));
    app.login("owner@loja.example", crate::helpers::PASSWORD)
        .await;
    fake.reply(
        "{\"template\": \"order_update\", \"reason\": \"The customer asks about shipping.\"}",
    );
    let r = ask(&mut app, id, "draft", &[]).await;
    assert!(
        r.body.contains(
            "Suggested: <strong>order_update</strong> — The customer asks about shipping."
        ),
        "{}",
        r.body
    );
    assert!(r.body.contains("<details class=\"tpl\" open>"));
    let sys = fake.prompts()[0]["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        sys.contains("order_update (en): Your order {{1}} has shipped.")
            && !sys.contains("old_promo"),
        "{sys}"
    );
}

#[tokio::test]
async fn test_connection_says_when_the_server_truncates() {
    let (mut app, fake, _) = setup_with("hi", |c| c.ai.context_tokens = Some(4000)).await;
    fake.inner.lock().expect("lock").truncate_to = Some(2048);
    let r = app.submit("/settings/ai", "/settings/ai/test", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(
        r.body.contains("The server cuts long prompts."),
        "{}",
        r.body
    );
    assert!(
        r.body.contains("read only 2048") && r.body.contains("num_ctx"),
        "{}",
        r.body
    );
    assert_eq!(fake.prompts().len(), 1);
    let sent = prompt_text(&fake.prompts()[0]);
    assert!(
        sent.len() > 4000 * 4,
        "a long canary ({} bytes)",
        sent.len()
    );
    fake.inner.lock().expect("lock").truncate_to = None;
    fake.reply("PELICAN");
    let r = app.submit("/settings/ai", "/settings/ai/test", &[]).await;
    assert!(
        r.body.contains("Connection works.") && r.body.contains("read the whole test prompt"),
        "{}",
        r.body
    );
    // A wrong key is a plain answer too.
    fake.fail(401, &json!({"error": {"message": "Incorrect API key provided", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}));
    let r = app.submit("/settings/ai", "/settings/ai/test", &[]).await;
    assert!(r.body.contains("refused the API key"), "{}", r.body);
    assert_eq!(
        app.count("SELECT count(*) FROM ai_calls WHERE feature = 'test' AND contact_id IS NULL")
            .await,
        3
    );
}

#[tokio::test]
async fn the_summary_is_in_the_export_and_gone_after_erasure() {
    let (mut app, fake, id) = setup("Please call me back, Maria Silva here").await;
    fake.reply("Intent: call back. What happened: [NAME_1] asked. Open actions: call.");
    ask(&mut app, id, "summary", &[]).await;
    let cid = app
        .query(|c| c.query_row("SELECT id FROM contacts", [], |r| r.get::<_, i64>(0)))
        .await;
    let doc = app.exported(cid).await;
    let s = &doc["ai_summaries"][0];
    assert_eq!(
        s["body"],
        "Intent: call back. What happened: Maria Silva asked. Open actions: call."
    );
    assert_eq!(s["model"], "test-model");
    assert_eq!(s["conversation_id"], id);
    let r = app
        .submit(
            &format!("/contacts/{cid}/delete"),
            &format!("/contacts/{cid}/erase"),
            &[("confirm", "ERASE"), ("reason", "Asked by email")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("SELECT count(*) FROM ai_summaries").await, 0);
    let receipt = app.get(r.location()).await;
    assert!(
        receipt.body.contains("AI summaries"),
        "the receipt counts them"
    );
}

#[tokio::test]
async fn privacy_page_names_the_endpoint_only_when_on_and_roles_are_kept() {
    let (mut app, fake, id) = setup("hello").await;
    let host = fake
        .base
        .trim_start_matches("http://")
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string();
    let page = app.get("/privacy").await;
    assert!(
        page.body.contains(&format!("AI assist endpoint ({host})")),
        "{}",
        page.body
    );
    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    assert_eq!(
        agent.get("/settings/ai").await.status,
        StatusCode::FORBIDDEN
    );
    let r = agent.submit("/settings", "/settings/ai/test", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = agent
        .submit("/settings", "/settings/ai/key", &[("api_key", "sk-other")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // An agent may use it on a conversation they may work; a viewer may not.
    fake.reply("Hi!");
    assert!(
        ask(&mut agent, id, "draft", &[])
            .await
            .body
            .contains(">Hi!</textarea>")
    );
    let mut viewer = app.other_browser();
    viewer
        .logged_in_as("viewer@loja.example", Role::Viewer)
        .await;
    let r = ask(&mut viewer, id, "draft", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let cid = app
        .query(|c| c.query_row("SELECT id FROM contacts", [], |r| r.get::<_, i64>(0)))
        .await;
    let r = viewer
        .submit(
            &format!("/contacts/{cid}"),
            &format!("/contacts/{cid}/no-ai"),
            &[("no_ai", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "viewers change nothing");
    assert_eq!(app.count("SELECT count(*) FROM ai_objections").await, 0);
    assert_eq!(fake.requests(), 1);
    // The admin stores a key in the browser (encrypted) and turns AI off: /privacy drops it.
    let r = app
        .submit(
            "/settings/ai",
            "/settings/ai/key",
            &[("api_key", "sk-browser-key")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let raw: Vec<u8> = app
        .query(|c| {
            c.query_row(
                "SELECT ciphertext FROM secrets WHERE name = 'ai.api_key'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(!String::from_utf8_lossy(&raw).contains("sk-browser-key"));
    assert_eq!(app.audit_count("ai.key_set").await, 1);
}

#[tokio::test]
async fn settings_are_checked_and_nothing_is_saved_on_error() {
    let (mut app, _fake, _) = setup_with("hi", |c| {
        c.ai.enabled = None;
        c.ai.base_url = None;
        c.ai.model = None;
    })
    .await;
    let page = app.get("/settings/ai").await;
    assert!(page.body.contains("api.openai.com") && page.body.contains("Turn on AI assist"));
    let r = app
        .submit(
            "/settings/ai",
            "/settings/ai",
            &[
                ("enabled", "1"),
                ("base_url", "ftp://x"),
                ("model", ""),
                ("context_tokens", "12"),
                ("timeout_secs", "0"),
                ("monthly_token_cap", "lots"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    for msg in [
        "must start with http",
        "Name the model",
        "The token budget must be",
        "The timeout must be",
        "The monthly cap must be",
    ] {
        assert!(r.body.contains(msg), "{msg}: {}", r.body);
    }
    assert_eq!(
        app.count("SELECT count(*) FROM settings WHERE name LIKE 'ai.%'")
            .await,
        0
    );
    let r = app
        .submit(
            "/settings/ai",
            "/settings/ai",
            &[
                ("enabled", "1"),
                ("base_url", "http://127.0.0.1:11434/v1/"),
                ("model", "llama3.2"),
                ("context_tokens", "8,000"),
                ("timeout_secs", "90"),
                ("monthly_token_cap", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/settings/ai").await;
    assert!(
        page.body.contains("value=\"http://127.0.0.1:11434/v1\"")
            && page.body.contains("value=\"8000\"")
            && page.body.contains("no cap"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn retention_removes_summaries_older_than_the_message_limit() {
    let (mut app, fake, id) =
        setup_with("Olá, tudo bem?", |c| c.retention.messages_days = Some(30)).await;
    fake.reply("Intent: greeting.");
    ask(&mut app, id, "summary", &[]).await;
    let policy = flowcrm::crm::retention::Policy::of(&app.state.config);
    let r = app
        .state
        .crm
        .run_retention(policy, true)
        .await
        .expect("dry run");
    assert_eq!(r.ai_summaries, 0, "a fresh summary stays");
    app.clock.advance(time::Duration::days(31));
    let dry = app
        .state
        .crm
        .run_retention(policy, true)
        .await
        .expect("dry run");
    assert_eq!(
        (
            dry.ai_summaries,
            app.count("SELECT count(*) FROM ai_summaries").await
        ),
        (1, 1)
    );
    let r = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("run");
    assert_eq!(r.ai_summaries, 1);
    assert_eq!(app.count("SELECT count(*) FROM ai_summaries").await, 0);
}
