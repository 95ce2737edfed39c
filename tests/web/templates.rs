//! The templates page: list, sync, and submitting a new template for review.

use crate::fake_graph::FakeGraph;
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn setup() -> (TestApp, FakeGraph) {
    let fake = FakeGraph::default();
    let base = fake.start().await;
    let app = TestApp::spawn_with(move |c| {
        c.whatsapp.graph_base_url = base;
        c.whatsapp.waba_id = Some("555".into());
        c.whatsapp.access_token = Some(flowcrm::config::Secret::new(crate::fake_graph::TOKEN));
    })
    .await;
    (app, fake)
}

#[tokio::test]
async fn admins_sync_templates_and_see_status_and_reason() {
    let (mut app, _fake) = setup().await;
    app.logged_in_as("boss@shop.example", Role::Admin).await;
    let r = app.submit("/templates", "/templates/sync", &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/templates").await;
    assert!(page.body.contains("Synced 3 template(s)"), "{}", page.body);
    assert!(page.body.contains("order_update") && page.body.contains("APPROVED"));
    assert!(page.body.contains("PROMOTIONAL"), "rejection reason shown");
}

#[tokio::test]
async fn agents_see_templates_but_cannot_change_them() {
    let (mut app, _fake) = setup().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = app.get("/templates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(!page.body.contains("New template"));
    let r = app.submit("/templates", "/templates/sync", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = app
        .submit("/templates", "/templates", &[("name", "x"), ("body", "y")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_new_template_is_checked_locally_then_submitted_and_shown_pending() {
    let (mut app, fake) = setup().await;
    app.logged_in_as("boss@shop.example", Role::Admin).await;
    let bad = app
        .submit(
            "/templates",
            "/templates",
            &[
                ("name", "Order Update"),
                ("language", "pt_BR"),
                ("category", "UTILITY"),
                ("body", "Olá {{1}}"),
                ("examples", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("lowercase letters"));
    assert!(bad.body.contains("1 needed, 0 given"));
    assert!(bad.body.contains("value=\"Order Update\""), "input kept");
    assert!(
        fake.sent.lock().expect("lock").is_empty(),
        "nothing sent to Meta"
    );

    let ok = app
        .submit(
            "/templates",
            "/templates",
            &[
                ("name", "order_ready"),
                ("language", "pt_BR"),
                ("category", "UTILITY"),
                ("body", "Olá {{1}}, seu pedido {{2}} está pronto."),
                ("examples", "Ana\n42"),
                ("quick_replies", "Obrigado"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(
        app.audit_count("template.submit").await,
        1,
        "submitting is audited"
    );
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(
        sent[0]["components"][0]["example"]["body_text"],
        serde_json::json!([["Ana", "42"]])
    );
    assert_eq!(
        sent[0]["components"][1]["buttons"][0],
        serde_json::json!({"type": "QUICK_REPLY", "text": "Obrigado"})
    );
    let page = app.get("/templates").await;
    assert!(
        page.body
            .contains("Template order_ready submitted to WhatsApp: PENDING.")
    );
    assert!(page.body.contains("order_ready"));

    let dup = app
        .submit(
            "/templates",
            "/templates",
            &[
                ("name", "duplicate_name"),
                ("language", "pt_BR"),
                ("category", "UTILITY"),
                ("body", "Oi"),
            ],
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("already exists"), "Meta's reason shown");
}
