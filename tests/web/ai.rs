//! AI assist against the fake OpenAI-compatible server (`fake_ai`): the real async-openai
//! client talks to it over a real port. What reaches the endpoint is checked in the fake's
//! recorded prompts.

use crate::fake_ai::{FakeAi, prompt_text};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::config::Secret;
use flowcrm::model::Role;
use serde_json::json;

pub const KEY: &str = "sk-test-key";
pub const CUSTOMER: &str = "5511987654321";

/// An app whose `[ai]` points at a fake (on, unless `edit` says otherwise), an admin signed
/// in, and one conversation in which Maria Silva wrote `text`. Returns the conversation id.
pub async fn setup_with(
    text: &str,
    edit: impl FnOnce(&mut flowcrm::config::Config),
) -> (TestApp, FakeAi, i64) {
    let fake = FakeAi::start(Some(KEY)).await;
    let base = fake.base.clone();
    let mut app = TestApp::spawn_with(move |c| {
        c.ai.enabled = Some(true);
        c.ai.base_url = Some(base);
        c.ai.model = Some("test-model".into());
        c.ai.api_key = Some(Secret::new(KEY));
        edit(c);
    })
    .await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let ts = flowcrm::clock::Clock::now(&*app.clock).unix_timestamp() - 60;
    let body = crate::payload::text_from(CUSTOMER, "Maria Silva", "wamid.AI1", ts, text);
    let r = app.post_webhook(body.to_string().as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK);
    let id = app
        .query(|c| c.query_row("SELECT id FROM conversations", [], |r| r.get::<_, i64>(0)))
        .await;
    (app, fake, id)
}

pub async fn setup(text: &str) -> (TestApp, FakeAi, i64) {
    setup_with(text, |_| {}).await
}

/// Posts an AI form from the conversation page (with its CSRF token).
pub async fn ask(
    app: &mut TestApp,
    id: i64,
    what: &str,
    fields: &[(&str, &str)],
) -> crate::helpers::TestResponse {
    app.submit(
        &format!("/conversations/{id}"),
        &format!("/conversations/{id}/ai/{what}"),
        fields,
    )
    .await
}

const SECRETS: &str = "Hi, I'm Maria Silva. Call me on +55 11 98765-4321 or write to \
maria.silva@example.com. My card 4111 1111 1111 1111 was charged twice, refund to IBAN \
DE89 3704 0044 0532 0130 00 please.";

#[tokio::test]
async fn no_identifier_reaches_the_endpoint_and_the_draft_comes_back_restored() {
    let (mut app, fake, id) = setup(SECRETS).await;
    let note = app
        .submit(
            &format!("/conversations/{id}"),
            &format!("/conversations/{id}/notes"),
            &[("body", "NOTE-XYZ she is a VIP")],
        )
        .await;
    assert_eq!(note.status, StatusCode::SEE_OTHER);
    fake.reply(
        "Hello [NAME_1], sorry about that. We will call [PHONE_1] and refund card [CARD_1] today.",
    );
    let r = ask(&mut app, id, "draft", &[("body", "")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    // The draft is in the composer with the real values put back, not sent.
    assert!(
        r.body.contains("Hello Maria Silva, sorry about that. We will call +55 11 98765-4321 and refund card 4111 1111 1111 1111 today.</textarea>"),
        "{}",
        r.body
    );
    assert!(r.body.contains(
        "Replaced before sending: 1 phone number, 1 email, 1 card number, 1 IBAN, 1 name."
    ));
    assert_eq!(
        app.count("SELECT count(*) FROM messages WHERE direction = 'out'")
            .await,
        0,
        "never sent by itself"
    );
    let prompts = fake.prompts();
    assert_eq!(prompts.len(), 1);
    let p = &prompts[0];
    assert_eq!(p["model"], "test-model");
    // Exactly the documented chat-completions fields, nothing a strict server would refuse.
    let mut keys: Vec<&str> = p
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        ["max_completion_tokens", "messages", "model", "n"],
        "{p}"
    );
    assert_eq!(p["messages"][0]["role"], "system");
    assert_eq!(p["messages"][1]["role"], "user");
    let text = prompt_text(p);
    for secret in [
        "98765",
        "4321",
        "maria.silva",
        "example.com",
        "4111",
        "Maria",
        "Silva",
        "DE89",
        "0532",
        "NOTE-XYZ",
        CUSTOMER,
    ] {
        assert!(
            !text.contains(secret),
            "{secret} reached the endpoint: {text}"
        );
    }
    for placeholder in ["[NAME_1]", "[PHONE_1]", "[EMAIL_1]", "[CARD_1]", "[IBAN_1]"] {
        assert!(text.contains(placeholder), "{placeholder} missing: {text}");
    }
    // One log row, without content.
    let row: (String, String, String, i64, i64, Option<i64>) = app
        .query(|c| {
            c.query_row(
                "SELECT feature, redactions, outcome, tokens_in, tokens_out, contact_id FROM ai_calls",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
        })
        .await;
    assert_eq!(
        (row.0.as_str(), row.1.as_str(), row.2.as_str()),
        ("draft", "phone=1 email=1 card=1 iban=1 name=1", "ok")
    );
    assert!(row.3 > 0 && row.4 > 0 && row.5.is_some());
    let everything: String = app
        .query(|c| c.query_row("SELECT group_concat(feature || host || model || redactions || outcome) FROM ai_calls", [], |r| r.get(0)))
        .await;
    assert!(
        !everything.contains("Maria") && !everything.contains('['),
        "{everything}"
    );
}

#[tokio::test]
async fn no_ai_restricted_and_disabled_cause_no_request() {
    let (mut app, fake, id) = setup_with("Olá, preciso de ajuda", |c| c.ai.enabled = None).await;
    let cid = app
        .query(|c| c.query_row("SELECT id FROM contacts", [], |r| r.get::<_, i64>(0)))
        .await;
    // Off by default.
    let r = ask(&mut app, id, "summary", &[]).await;
    assert!(!r.body.contains("/ai/summary"), "no AI buttons while off");
    assert!(r.body.contains("AI assist is off"), "{}", r.body);
    // On from the browser.
    let s = app
        .submit(
            "/settings/ai",
            "/settings/ai",
            &[
                ("enabled", "1"),
                ("base_url", &fake.base),
                ("model", "test-model"),
                ("context_tokens", "4000"),
                ("timeout_secs", "30"),
                ("monthly_token_cap", "100000"),
            ],
        )
        .await;
    assert_eq!(s.status, StatusCode::SEE_OTHER, "{}", s.body);
    // "No AI" said.
    let r = app
        .submit(
            &format!("/contacts/{cid}"),
            &format!("/contacts/{cid}/no-ai"),
            &[("no_ai", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(&format!("/contacts/{cid}"))
            .await
            .body
            .contains("They said <strong>“no AI”</strong>")
    );
    let r = ask(&mut app, id, "draft", &[("body", "")]).await;
    assert!(
        r.body.contains("This contact said &#34;no AI&#34;")
            || r.body.contains("This contact said &quot;no AI&quot;"),
        "{}",
        r.body
    );
    app.submit(
        &format!("/contacts/{cid}"),
        &format!("/contacts/{cid}/no-ai"),
        &[("no_ai", "false")],
    )
    .await;
    // Restricted.
    let r = app
        .submit(
            &format!("/contacts/{cid}"),
            &format!("/contacts/{cid}/restrict"),
            &[("restricted", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = ask(&mut app, id, "suggest", &[]).await;
    assert!(r.body.contains("AI assist is off for them"), "{}", r.body);
    assert_eq!(fake.requests(), 0, "nothing was sent");
    app.submit(
        &format!("/contacts/{cid}"),
        &format!("/contacts/{cid}/restrict"),
        &[("restricted", "false")],
    )
    .await;
    // Allowed again: now one request goes.
    let r = ask(&mut app, id, "summary", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(fake.requests(), 1);
    // The customer's name was never in the messages, yet the model knows them by placeholder.
    let p = prompt_text(&fake.prompts()[0]);
    assert!(
        p.contains("The customer is [NAME_1].") && !p.contains("Maria"),
        "{p}"
    );
    assert_eq!(app.audit_count("contact.no_ai").await, 1);
    assert_eq!(app.audit_count("ai.settings").await, 1);
}

#[tokio::test]
async fn a_long_conversation_is_cut_to_the_budget_newest_kept_and_notes_never_sent() {
    let (mut app, fake, id) =
        setup_with("first message", |c| c.ai.context_tokens = Some(2000)).await;
    app.state.db.write(move |c| {
        let base: i64 = c.query_row("SELECT sent_at FROM messages", [], |r| r.get(0))?;
        let mut stmt = c.prepare(
            "INSERT INTO messages (wamid, conversation_id, direction, kind, body, content, sent_at, received_at)
             VALUES (?1, ?2, ?3, 'text', ?4, ?6, ?5, ?5)",
        )?;
        for i in 0..2000i64 {
            let dir = if i % 2 == 0 { "in" } else { "out" };
            let body = format!("message number {i} about the order and the delivery");
            let content = serde_json::json!({"type": "text", "body": body}).to_string();
            stmt.execute(rusqlite::params![format!("wamid.L{i}"), id, dir, body, base - 100_000 + i, content])?;
        }
        c.execute("INSERT INTO conversation_notes (conversation_id, user_id, body, created_at) VALUES (?1, NULL, 'SECRET-NOTE', ?2)", rusqlite::params![id, base])?;
        Ok::<_, flowcrm::db::Error>(())
    })
    .await
    .expect("seed 2,000 messages");
    fake.reply("Intent: delivery. What happened: many messages. Open actions: none.");
    let r = ask(&mut app, id, "summary", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    let text = prompt_text(&fake.prompts()[0]);
    assert!(
        text.contains("Customer: first message"),
        "the newest message is kept"
    );
    assert!(text.contains("message number 1999 "), "newest kept");
    assert!(!text.contains("message number 0 "), "oldest dropped");
    assert!(!text.contains("SECRET-NOTE"), "notes never sent");
    let used = text
        .lines()
        .filter(|l| l.starts_with("Customer: ") || l.starts_with("Business: "))
        .count();
    assert!(
        (50..200).contains(&used),
        "{used} messages sent for a 2,000-token budget"
    );
    assert!(
        u32::try_from(text.len() / 4).unwrap_or(u32::MAX) <= 2000,
        "within the budget"
    );
    // Oldest first in the prompt.
    assert!(
        text.find("message number 1998 ").expect("1998")
            < text.find("message number 1999 ").expect("1999")
    );
    // The summary says how many were used, and is stored with model and prompt version.
    assert!(
        r.body
            .contains(&format!("from the newest {used} of 2001 messages")),
        "{}",
        r.body
    );
    let stored: (String, String, i64) = app
        .query(|c| {
            c.query_row(
                "SELECT model, prompt_version, messages_used FROM ai_summaries",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!(
        (stored.0.as_str(), stored.1.as_str(), stored.2),
        (
            "test-model",
            flowcrm::model::ai::PROMPT_VERSION,
            i64::try_from(used).expect("n")
        )
    );
    // The page shows it after a reload too.
    assert!(
        app.get(&format!("/conversations/{id}"))
            .await
            .body
            .contains("Open actions: none.")
    );
}

#[tokio::test]
async fn the_monthly_cap_stops_calls_with_a_clear_message() {
    let (mut app, fake, id) =
        setup_with("Hello there", |c| c.ai.monthly_token_cap = Some(20)).await;
    let r = ask(&mut app, id, "summary", &[]).await;
    assert!(
        r.body
            .contains("Summarised from the newest 1 of 1 messages."),
        "{}",
        r.body
            .split("class=\"ai-panel\"")
            .nth(1)
            .unwrap_or_default()
    );
    let r = ask(&mut app, id, "summary", &[]).await;
    assert!(
        r.body.contains("AI allowance is used up (") && r.body.contains(" of 20 tokens)"),
        "{}",
        r.body
    );
    assert_eq!(fake.requests(), 1);
    assert_eq!(
        app.count("SELECT count(*) FROM ai_calls").await,
        1,
        "one row per call"
    );
    // The admin's page shows the use and the log.
    let page = app.get("/settings/ai").await;
    assert!(
        page.body.contains("of 20 allowed in 1 calls this month"),
        "{}",
        page.body
    );
    assert!(page.body.contains("<td>summary</td>"));
    // The next month starts afresh.
    app.clock.advance(time::Duration::days(32));
    app.login("owner@loja.example", crate::helpers::PASSWORD)
        .await;
    let r = ask(&mut app, id, "summary", &[]).await;
    assert!(r.body.contains("Summarised"), "{}", r.body);
    assert_eq!(fake.requests(), 2);
}

#[tokio::test]
async fn endpoint_failures_are_plain_words_in_the_panel_and_the_agents_text_stays() {
    let (mut app, fake, id) = setup_with("Hola", |c| c.ai.timeout_secs = Some(1)).await;
    fake.fail(401, &json!({"error": {"message": "Incorrect API key provided: sk-***", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}));
    let r = ask(
        &mut app,
        id,
        "rewrite",
        &[("body", "my own words"), ("style", "shorter")],
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("refused the API key (401)"), "{}", r.body);
    assert!(
        r.body.contains(">my own words</textarea>"),
        "the agent's text is kept"
    );
    // 429 and 5xx are retried three times by the client (100, 200, 400 ms), then reported.
    for _ in 0..4 {
        fake.fail(429, &json!({"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}));
    }
    let before = fake.requests();
    let r = ask(&mut app, id, "draft", &[]).await;
    assert!(r.body.contains("rate-limiting FlowCRM"), "{}", r.body);
    assert_eq!(fake.requests() - before, 4);
    for _ in 0..4 {
        fake.fail(503, &json!({"error": {"message": "overloaded"}}));
    }
    assert!(
        ask(&mut app, id, "draft", &[])
            .await
            .body
            .contains("had a problem (503)")
    );
    // One that succeeds on a retry is an answer.
    fake.fail(500, &json!({"error": {"message": "blip"}}));
    fake.reply("Sure!");
    assert!(
        ask(&mut app, id, "draft", &[])
            .await
            .body
            .contains(">Sure!</textarea>")
    );
    fake.inner.lock().expect("lock").delay = std::time::Duration::from_millis(2500);
    assert!(
        ask(&mut app, id, "draft", &[])
            .await
            .body
            .contains("did not answer in time")
    );
    fake.inner.lock().expect("lock").delay = std::time::Duration::ZERO;
    let outcomes: String = app
        .query(|c| {
            c.query_row("SELECT group_concat(outcome, ',') FROM ai_calls", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(outcomes, "auth,rate_limit,server,ok,timeout");
    // Bad rewrite input is refused before anything is sent.
    let before = fake.requests();
    let r = ask(
        &mut app,
        id,
        "rewrite",
        &[("body", "   "), ("style", "shorter")],
    )
    .await;
    assert!(r.body.contains("Write something in the reply box first."));
    assert_eq!(fake.requests(), before);
}
