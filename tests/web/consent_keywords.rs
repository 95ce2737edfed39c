//! Consent keywords (privacy promise "STOP/START keywords flip consent and are logged"): a
//! customer message that is exactly STOP (any case, accents, punctuation; any configured
//! language) opts the contact out with a ledger entry naming the keyword and the message, a
//! marketing template is then refused on the API, START opts them back in; a sentence that
//! merely contains the word changes nothing; the keywords are configurable.

use crate::api::{call, key};
use crate::fake_graph::{run_sender, setup, setup_with};
use crate::helpers::TestApp;
use crate::start_conversation::approved;
use axum::http::StatusCode;
use flowcrm::model::Role;
use serde_json::json;

async fn customer_says(app: &mut TestApp, wamid: &str, text: &str) {
    let ts = app.clock.now_plus(time::Duration::ZERO).unix_timestamp();
    let body = crate::payload::text_from("5511988887777", "Ana", wamid, ts, text);
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
}

async fn opt_in(app: &TestApp) -> String {
    app.query(|c| c.query_row("SELECT opt_in FROM contacts", [], |r| r.get(0)))
        .await
}

async fn send_promo(app: &mut TestApp, key: &str, contact: i64) -> crate::helpers::TestResponse {
    let body = json!({"type": "template", "template": {"name": "promo_dezembro", "language": "pt_BR", "confirm_consent": true}});
    call(
        app,
        "POST",
        &format!("/contacts/{contact}/messages"),
        Some(key),
        Some(body),
    )
    .await
}

#[tokio::test]
async fn stop_opts_out_with_a_ledger_entry_refuses_marketing_and_start_opts_back_in() {
    let (mut app, fake) = setup().await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    approved(
        &app,
        "promo_dezembro",
        "MARKETING",
        json!([{"type":"BODY","text":"Ofertas de dezembro!"}]),
    )
    .await;
    customer_says(&mut app, "wamid.K1", "please stop sending me offers").await;
    assert_eq!(
        opt_in(&app).await,
        "unknown",
        "a sentence with the word is not a keyword"
    );
    let contact = app.count("SELECT id FROM contacts").await;

    customer_says(&mut app, "wamid.K2", " Parar! ").await;
    assert_eq!(opt_in(&app).await, "out");
    let (source, by): (String, Option<i64>) = app
        .query(|c| {
            c.query_row(
                "SELECT source, user_id FROM consent_events ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert!(source.starts_with("keyword \"Parar!\""), "{source}");
    assert!(
        source.contains("wamid.K2"),
        "the message is the proof: {source}"
    );
    assert_eq!(by, None);

    let refused = send_promo(&mut app, &admin_key, contact).await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(refused.body.contains("opted out"), "{}", refused.body);

    customer_says(&mut app, "wamid.K3", "START").await;
    assert_eq!(opt_in(&app).await, "in");
    let sent = send_promo(&mut app, &admin_key, contact).await;
    assert!(sent.status.is_success(), "{}", sent.body);
    run_sender(&app).await;
    assert_eq!(
        fake.sent.lock().expect("lock").len(),
        1,
        "sent once opted back in"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM consent_events").await,
        2,
        "one ledger row per flip"
    );
}

#[tokio::test]
async fn the_keywords_are_configurable_per_language() {
    let mut app = TestApp::spawn_with(|c| {
        c.crm.opt_out_keywords = "arrêter, abmelden".into();
        c.crm.opt_in_keywords = "anmelden".into();
    })
    .await;
    customer_says(&mut app, "wamid.C1", "STOP").await;
    assert_eq!(
        opt_in(&app).await,
        "unknown",
        "STOP is not in this install's list"
    );
    customer_says(&mut app, "wamid.C2", "ARRETER").await;
    assert_eq!(opt_in(&app).await, "out");
    customer_says(&mut app, "wamid.C3", "Anmelden").await;
    assert_eq!(opt_in(&app).await, "in");
}

#[tokio::test]
async fn a_configured_confirmation_is_sent_back_once_as_a_reply_to_the_keyword() {
    let (mut app, fake) = setup_with(|c| {
        c.crm.opt_out_reply = Some("Feito: não enviaremos mais ofertas.".into());
        c.crm.opt_in_reply = Some("Bem-vinda de volta!".into());
    })
    .await;
    customer_says(&mut app, "wamid.R1", "Oi, tudo bem?").await;
    customer_says(&mut app, "wamid.R2", "sair").await;
    // Meta redelivers the same message: no second confirmation.
    customer_says(&mut app, "wamid.R2", "sair").await;
    run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(
        sent.len(),
        1,
        "one confirmation, none for the greeting: {sent:?}"
    );
    assert_eq!(sent[0]["type"], "text");
    assert_eq!(
        sent[0]["text"]["body"],
        "Feito: não enviaremos mais ofertas."
    );
    assert_eq!(
        sent[0]["context"]["message_id"], "wamid.R2",
        "a reply to the keyword"
    );
    assert_eq!(
        sent[0]["to"].as_str().map(|t| t.trim_start_matches('+')),
        Some("5511988887777")
    );
    assert_eq!(opt_in(&app).await, "out");
    customer_says(&mut app, "wamid.R3", "VOLTAR").await;
    run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1]["text"]["body"], "Bem-vinda de volta!");
    let timeline = app
        .count("SELECT COUNT(*) FROM messages WHERE direction = 'out'")
        .await;
    assert_eq!(timeline, 2, "both confirmations are in the conversation");
}
