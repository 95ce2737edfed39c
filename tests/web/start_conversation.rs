//! Starting a conversation from a contact (page and API): the fake Graph API receives the template
//! with the contact's values, consent refusals and confirmations land in the contact's timeline,
//! the API is idempotent, and nothing is sent while WhatsApp is not connected.

use crate::api::{call, key};
use crate::attachments::JPEG;
use crate::fake_graph::{customer_writes, run_sender, setup};
use crate::helpers::{TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use flowcrm::model::Role;
use serde_json::json;

/// Stores an approved template of `category` as Meta would list it.
pub async fn approved(
    app: &TestApp,
    name: &'static str,
    category: &'static str,
    components: serde_json::Value,
) {
    app.state
        .db
        .write(move |c| {
            let t = flowcrm::db::templates::Template {
                meta_id: Some(format!("{name}-id")),
                name: name.into(),
                language: "pt_BR".into(),
                category: category.into(),
                status: "APPROVED".into(),
                reason: None,
                parameter_format: "POSITIONAL".into(),
                components: components.to_string(),
            };
            flowcrm::db::templates::upsert(c, &t, time::OffsetDateTime::now_utc())
        })
        .await
        .expect("template");
}

fn order_update() -> serde_json::Value {
    json!([{"type":"BODY","text":"Olá {{1}}, seu pedido {{2}} saiu para entrega."}])
}

/// A contact made by hand (through the API), who has never written.
async fn hand_made(app: &mut TestApp, admin_key: &str, phone: &str, name: &str) -> i64 {
    let r = call(
        app,
        "POST",
        "/contacts",
        Some(admin_key),
        Some(json!({"name": name, "phone": phone})),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    serde_json::from_str::<serde_json::Value>(&r.body).expect("json")["id"]
        .as_i64()
        .expect("id")
}

/// Posts the contact page's message form (multipart) with the page's CSRF token.
async fn post_message(
    app: &mut TestApp,
    contact: i64,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> TestResponse {
    let csrf = app
        .get(&format!("/contacts/{contact}/message"))
        .await
        .csrf();
    app.post_multipart(
        &format!("/contacts/{contact}/message"),
        &csrf,
        fields,
        file.map(|(mime, bytes)| ("promo.jpg", mime, bytes)),
    )
    .await
}

#[tokio::test]
async fn an_agent_messages_a_hand_made_contact_with_a_template_after_confirming_consent() {
    let (mut app, fake) = setup().await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    let contact = hand_made(&mut app, &admin_key, "+5511977776666", "Joana Prado").await;
    approved(&app, "order_update", "UTILITY", order_update()).await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;

    let page = app.get(&format!("/contacts/{contact}")).await;
    assert!(
        page.body
            .contains(&format!("href=\"/contacts/{contact}/message\"")),
        "the contact page offers it"
    );
    let form = app.get(&format!("/contacts/{contact}/message")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("value=\"Joana Prado\""),
        "variable 1 is filled from the contact"
    );
    assert!(
        form.body
            .contains("Olá Joana Prado, seu pedido [2] saiu para entrega."),
        "rendered preview"
    );
    assert!(
        form.body.contains("name=\"confirm_consent\""),
        "unknown consent asks to confirm"
    );
    assert!(
        !form.body.contains("name=\"body\""),
        "no free text: the customer never wrote"
    );

    let fields = [
        ("kind", "template"),
        ("key", "start-key-0001-aaaa"),
        ("name", "order_update"),
        ("language", "pt_BR"),
        ("v1", "Joana"),
        ("v2", "A-77"),
    ];
    let unconfirmed = post_message(&mut app, contact, &fields, None).await;
    assert_eq!(unconfirmed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        unconfirmed.location(),
        format!("/contacts/{contact}/message")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        0,
        "nothing queued without confirmation"
    );
    let back = app.get(&format!("/contacts/{contact}/message")).await;
    assert!(
        back.body.contains("never written to you"),
        "the reason is shown"
    );

    let mut confirmed = fields.to_vec();
    confirmed.push(("confirm_consent", "1"));
    let r = post_message(&mut app, contact, &confirmed, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let conv = app.count("SELECT id FROM conversations").await;
    assert_eq!(
        r.location(),
        format!("/conversations/{conv}#composer"),
        "lands in the conversation"
    );
    let assignee = app
        .count("SELECT COALESCE(assignee_id, 0) FROM conversations")
        .await;
    assert!(assignee > 0, "the conversation is the starter's");

    run_sender(&app).await;
    let sent = fake.sent_of_type("template");
    assert_eq!(sent["to"], "+5511977776666");
    assert_eq!(sent["template"]["name"], "order_update");
    assert_eq!(
        sent["template"]["components"][0]["parameters"][0]["text"],
        "Joana"
    );
    assert_eq!(
        sent["template"]["components"][0]["parameters"][1]["text"],
        "A-77"
    );

    let again = post_message(&mut app, contact, &confirmed, None).await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "a double submit");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        1,
        "is sent once"
    );

    let timeline = app.get(&format!("/contacts/{contact}")).await;
    assert!(
        timeline.body.contains("sent with consent unknown"),
        "the confirmation is in the timeline"
    );
    assert!(
        timeline
            .body
            .contains("Olá Joana, seu pedido A-77 saiu para entrega.")
    );
}

#[tokio::test]
async fn an_opted_out_contact_is_refused_marketing_templates_on_every_door_and_it_is_recorded() {
    let (mut app, fake) = setup().await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    let contact = hand_made(&mut app, &admin_key, "+5511966665555", "Rui").await;
    approved(
        &app,
        "promo_dezembro",
        "MARKETING",
        json!([{"type":"BODY","text":"Ofertas de dezembro!"}]),
    )
    .await;
    let r = call(
        &mut app,
        "PATCH",
        &format!("/contacts/{contact}"),
        Some(&admin_key),
        Some(json!({"opt_in": "out", "opt_in_source": "replied STOP"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    let body = json!({"type": "template", "template": {"name": "promo_dezembro", "language": "pt_BR", "confirm_consent": true}});
    let api = call(
        &mut app,
        "POST",
        &format!("/contacts/{contact}/messages"),
        Some(&admin_key),
        Some(body),
    )
    .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
    assert!(api.body.contains("opted out"), "{}", api.body);

    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let form = app.get(&format!("/contacts/{contact}/message")).await;
    assert!(
        form.body
            .contains("Marketing template: this contact opted out."),
        "the page says why before trying"
    );
    let fields = [
        ("kind", "template"),
        ("key", "start-key-0002-bbbb"),
        ("name", "promo_dezembro"),
        ("language", "pt_BR"),
        ("confirm_consent", "1"),
    ];
    let page = post_message(&mut app, contact, &fields, None).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations").await,
        0,
        "no conversation was left behind"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contact_events WHERE kind = 'send_refused'")
            .await,
        2
    );
    let timeline = app.get(&format!("/contacts/{contact}")).await;
    assert!(
        timeline
            .body
            .contains("Marketing template `promo_dezembro` not sent"),
        "refusals are in the timeline"
    );
    run_sender(&app).await;
    assert!(fake.sent.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn the_api_messages_a_contact_idempotently_and_text_only_inside_the_window() {
    let (mut app, fake) = setup().await;
    let (_, agent_key) = key(&app, Role::Agent).await;
    let conv = customer_writes(&mut app, "wamid.START.1").await;
    let contact = app.count("SELECT id FROM contacts").await;
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<_> {
            Ok(c.execute(
                "UPDATE conversations SET status = 'resolved' WHERE id = ?1",
                [conv],
            )?)
        })
        .await
        .expect("resolve");

    let text = json!({"type": "text", "text": {"body": "Oi Ana, seu pedido chegou?"}});
    let send = |app: &mut TestApp, body: serde_json::Value| {
        let req = Request::post(format!("/api/v1/contacts/{contact}/messages"))
            .header("authorization", format!("Bearer {agent_key}"))
            .header("idempotency-key", "retry-safe-1")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .expect("request");
        let mut app = app.other_browser();
        async move { app.send(req).await }
    };
    let first = send(&mut app, text.clone()).await;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    let out: serde_json::Value = serde_json::from_str(&first.body).expect("json");
    assert_eq!(
        out["conversation_id"], conv,
        "the customer's own conversation"
    );
    let again = send(&mut app, text).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
    let status: String = app
        .query(move |c| {
            c.query_row(
                "SELECT status FROM conversations WHERE id = ?1",
                [conv],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(status, "open", "a resolved conversation is reopened");

    app.clock.advance(time::Duration::hours(25));
    let late = call(
        &mut app,
        "POST",
        &format!("/contacts/{contact}/messages"),
        Some(&agent_key),
        Some(json!({"type": "text", "text": {"body": "Oi?"}})),
    )
    .await;
    assert_eq!(
        late.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        late.body
    );
    assert!(late.body.contains("24-hour"), "{}", late.body);
    let missing = call(
        &mut app,
        "POST",
        "/contacts/999999/messages",
        Some(&agent_key),
        Some(json!({"type": "text", "text": {"body": "Oi"}})),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    run_sender(&app).await;
    assert_eq!(
        fake.sent_of_type("text")["text"]["body"],
        "Oi Ana, seu pedido chegou?"
    );
}

#[tokio::test]
async fn a_media_header_is_uploaded_and_sent_by_id() {
    let (mut app, fake) = setup().await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    let contact = hand_made(&mut app, &admin_key, "+5511955554444", "Bia").await;
    approved(
        &app,
        "catalogo",
        "UTILITY",
        json!([{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Nosso catálogo, {{1}}."}]),
    )
    .await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let fields = [
        ("kind", "template"),
        ("key", "start-key-0003-cccc"),
        ("name", "catalogo"),
        ("language", "pt_BR"),
        ("v1", "Bia"),
        ("confirm_consent", "1"),
    ];
    let none = post_message(&mut app, contact, &fields, None).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox").await,
        0,
        "a media header needs its file"
    );
    let r = post_message(&mut app, contact, &fields, Some(("image/jpeg", JPEG))).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/conversations/"),
        "{}",
        r.location()
    );
    run_sender(&app).await;
    let sent = fake.sent_of_type("template");
    let header = &sent["template"]["components"][0];
    assert_eq!(header["type"], "header");
    assert_eq!(header["parameters"][0]["image"]["id"], "uploaded-1");
}

#[tokio::test]
async fn nothing_is_sent_or_queued_while_whatsapp_is_not_connected() {
    let mut app = TestApp::spawn().await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    let contact = hand_made(&mut app, &admin_key, "+5511944443333", "Caio").await;
    approved(&app, "order_update", "UTILITY", order_update()).await;
    let body = json!({"type": "template", "template": {"name": "order_update", "language": "pt_BR", "body_params": ["Caio", "9"], "confirm_consent": true}});
    let r = call(
        &mut app,
        "POST",
        &format!("/contacts/{contact}/messages"),
        Some(&admin_key),
        Some(body),
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("WhatsApp is not connected"), "{}", r.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get(&format!("/contacts/{contact}/message")).await;
    assert!(
        page.body.contains("WhatsApp is not connected yet"),
        "a banner says so"
    );
}

#[tokio::test]
async fn an_agent_cannot_message_into_a_colleagues_conversation_on_any_door() {
    let (mut owner, _fake) = setup().await;
    let conv = customer_writes(&mut owner, "wamid.START.2").await;
    let contact = owner.count("SELECT id FROM contacts").await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut bob = owner.other_browser();
    bob.logged_in_as("bob@shop.example", Role::Agent).await;
    let mut ann = owner.other_browser();
    ann.logged_in_as("ann@shop.example", Role::Agent).await;
    let bob_id: i64 = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'bob@shop.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let r = owner
        .submit(
            "/inbox",
            &format!("/conversations/{conv}/assign"),
            &[("to", &bob_id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);

    let fields = [
        ("kind", "text"),
        ("key", "start-key-0004-dddd"),
        ("body", "Oi, aqui é a Ann"),
    ];
    let refused = post_message(&mut ann, contact, &fields, None).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.body);
    let (_, agent_key) = key(&owner, Role::Agent).await;
    let api = call(
        &mut owner,
        "POST",
        &format!("/contacts/{contact}/messages"),
        Some(&agent_key),
        Some(json!({"type": "text", "text": {"body": "Oi"}})),
    )
    .await;
    assert_eq!(api.status, StatusCode::FORBIDDEN, "{}", api.body);
    assert_eq!(owner.count("SELECT COUNT(*) FROM outbox").await, 0);

    let fields = [
        ("kind", "text"),
        ("key", "start-key-0005-eeee"),
        ("body", "Oi, aqui é o Bob"),
    ];
    let ok = post_message(&mut bob, contact, &fields, None).await;
    assert_eq!(
        ok.location(),
        format!("/conversations/{conv}#composer"),
        "the assignee may"
    );
    assert_eq!(owner.count("SELECT COUNT(*) FROM outbox").await, 1);
}
