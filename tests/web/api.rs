//! The JSON API: keys, roles, problem documents, pagination, idempotent sends, OpenAPI.

use crate::fake_graph::{customer_writes, run_sender, setup};
use crate::helpers::{TestApp, TestResponse};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowcrm::crm::contacts::Actor;
use flowcrm::model::Role;
use serde_json::{Value, json};

pub async fn key(app: &TestApp, role: Role) -> (i64, String) {
    let seed: [u8; 20] = flowcrm::crypto::random_bytes().expect("rng");
    let now = time::OffsetDateTime::now_utc();
    let k = app
        .state
        .db
        .write(move |c| {
            flowcrm::crm::api_keys::create(c, "test", role, &seed, &Actor::default(), now)
        })
        .await
        .expect("key created");
    (k.id, k.token)
}

pub async fn call(
    app: &mut TestApp,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> TestResponse {
    let mut req = Request::builder()
        .method(method)
        .uri(format!("/api/v1{path}"));
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let body = match body {
        Some(b) => {
            req = req.header("content-type", "application/json");
            Body::from(b.to_string())
        }
        None => Body::empty(),
    };
    app.send(req.body(body).expect("request")).await
}

fn json(r: &TestResponse) -> Value {
    serde_json::from_str(&r.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", r.body))
}

#[tokio::test]
async fn every_request_needs_a_valid_unrevoked_key() {
    let mut app = TestApp::spawn().await;
    let (id, token) = key(&app, Role::Agent).await;
    let none = call(&mut app, "GET", "/contacts", None, None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        none.header("content-type"),
        Some("application/problem+json")
    );
    assert_eq!(
        none.header("www-authenticate"),
        Some("Bearer realm=\"flowcrm\"")
    );
    let p = json(&none);
    assert_eq!(p["status"], 401);
    assert!(
        p["detail"]
            .as_str()
            .is_some_and(|d| d.contains("Authorization: Bearer"))
    );
    let wrong = format!("{}ffff", &token[..40]);
    assert_eq!(
        call(&mut app, "GET", "/contacts", Some(&wrong), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&mut app, "GET", "/contacts", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    assert!(
        app.count("SELECT COUNT(*) FROM api_keys WHERE last_used_at IS NOT NULL")
            .await
            == 1
    );

    let now = time::OffsetDateTime::now_utc();
    app.state
        .db
        .write(move |c| flowcrm::crm::api_keys::revoke(c, id, &Actor::default(), now))
        .await
        .expect("revoke");
    let revoked = call(&mut app, "GET", "/contacts", Some(&token), None).await;
    assert_eq!(revoked.status, StatusCode::UNAUTHORIZED);
    // A browser session is not an API key.
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    assert_eq!(
        call(&mut app, "GET", "/contacts", None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn roles_are_respected() {
    let mut app = TestApp::spawn().await;
    let (_, agent) = key(&app, Role::Agent).await;
    let (_, admin) = key(&app, Role::Admin).await;
    let field =
        json!({"key": "tier", "label": "Tier", "kind": "select", "options": ["Gold", "Silver"]});
    let r = call(
        &mut app,
        "POST",
        "/custom-fields",
        Some(&agent),
        Some(field.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        json(&r)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("define custom fields"))
    );
    let r = call(
        &mut app,
        "POST",
        "/custom-fields",
        Some(&admin),
        Some(field),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);

    let c = call(
        &mut app,
        "POST",
        "/contacts",
        Some(&agent),
        Some(json!({"phone": "+5511988887777", "name": "Ana", "fields": {"tier": "gold"}})),
    )
    .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let contact = json(&c);
    assert_eq!(contact["fields"]["tier"], "Gold");
    let path = format!("/contacts/{}", contact["id"]);
    assert_eq!(
        call(&mut app, "DELETE", &path, Some(&agent), None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    assert_eq!(
        call(&mut app, "DELETE", &path, Some(&admin), None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 0);
    assert_eq!(app.audit_count("contact.delete").await, 1);
    assert_eq!(
        call(&mut app, "GET", &path, Some(&admin), None)
            .await
            .status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn bad_requests_get_problem_documents_with_field_details() {
    let mut app = TestApp::spawn().await;
    let (_, k) = key(&app, Role::Admin).await;
    let r = call(
        &mut app,
        "POST",
        "/contacts",
        Some(&k),
        Some(json!({"phone": "123", "email": "nope", "fields": {"ghost": "1"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let fields: Vec<String> = json(&r)["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        fields,
        ["fields.ghost"],
        "custom fields are checked first: {}",
        r.body
    );
    let r = call(
        &mut app,
        "POST",
        "/contacts",
        Some(&k),
        Some(json!({"phone": "123", "email": "nope"})),
    )
    .await;
    let fields: Vec<String> = json(&r)["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(fields, ["phone", "email"]);
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 0);

    let unknown = call(
        &mut app,
        "POST",
        "/contacts",
        Some(&k),
        Some(json!({"phone": "+5511988887777", "nickname": "x"})),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        json(&unknown)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("unknown field `nickname`"))
    );
    let not_object = call(&mut app, "PATCH", "/tags/1", Some(&k), Some(json!([]))).await;
    assert_eq!(not_object.status, StatusCode::BAD_REQUEST);

    let form = Request::post("/api/v1/tags")
        .header("authorization", format!("Bearer {k}"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from("name=x"))
        .expect("req");
    assert_eq!(
        app.send(form).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let huge = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let r = call(&mut app, "POST", "/tags", Some(&k), Some(huge)).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));

    let r = call(&mut app, "GET", "/nothing-here", Some(&k), None).await;
    assert_eq!(
        (r.status, r.header("content-type")),
        (StatusCode::NOT_FOUND, Some("application/problem+json"))
    );
    let r = call(&mut app, "PUT", "/contacts", Some(&k), None).await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.header("content-type"), Some("application/problem+json"));
    let r = call(
        &mut app,
        "GET",
        "/contacts?limit=0&field=tier:eq:x",
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = call(&mut app, "GET", "/contacts?field=&tag=", Some(&k), None).await;
    assert_eq!(
        r.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "empty typed parameters are errors"
    );
    assert_eq!(json(&r)["errors"][0]["field"], "field");
    let r = call(&mut app, "GET", "/contacts?field=tier:eq:x", Some(&k), None).await;
    assert!(
        json(&r)["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("no custom field"))
    );
}

#[tokio::test]
async fn each_key_has_a_rate_limit() {
    let mut app = TestApp::spawn_with(|c| c.api.requests_per_minute = 3).await;
    let (_, a) = key(&app, Role::Agent).await;
    let (_, b) = key(&app, Role::Agent).await;
    for _ in 0..3 {
        assert_eq!(
            call(&mut app, "GET", "/tags", Some(&a), None).await.status,
            StatusCode::OK
        );
    }
    let over = call(&mut app, "GET", "/tags", Some(&a), None).await;
    assert_eq!(over.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(over.header("retry-after"), Some("20"));
    assert_eq!(
        call(&mut app, "GET", "/tags", Some(&b), None).await.status,
        StatusCode::OK,
        "other keys are not affected"
    );
    app.clock.advance(time::Duration::seconds(20));
    assert_eq!(
        call(&mut app, "GET", "/tags", Some(&a), None).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn pages_stay_stable_while_new_contacts_arrive() {
    let mut app = TestApp::spawn().await;
    let (_, k) = key(&app, Role::Agent).await;
    for i in 0..7 {
        let r = call(
            &mut app,
            "POST",
            "/contacts",
            Some(&k),
            Some(json!({"phone": format!("+55119888870{i:02}"), "name": format!("C{i}")})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        app.clock.advance(time::Duration::seconds(1));
    }
    let mut seen = Vec::new();
    let mut path = "/contacts?limit=3".to_string();
    for round in 0.. {
        let page = json(&call(&mut app, "GET", &path, Some(&k), None).await);
        seen.extend(
            page["data"]
                .as_array()
                .expect("data")
                .iter()
                .map(|c| c["name"].as_str().unwrap_or_default().to_string()),
        );
        // Someone adds a contact between pages.
        call(
            &mut app,
            "POST",
            "/contacts",
            Some(&k),
            Some(json!({"phone": format!("+55219777770{round:02}")})),
        )
        .await;
        app.clock.advance(time::Duration::seconds(1));
        match page["next_cursor"].as_str() {
            Some(c) => path = format!("/contacts?limit=3&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, ["C6", "C5", "C4", "C3", "C2", "C1", "C0"]);
    // Name order pages the same way.
    let page = json(
        &call(
            &mut app,
            "GET",
            "/contacts?sort=name&limit=2&q=C",
            Some(&k),
            None,
        )
        .await,
    );
    let next = page["next_cursor"].as_str().expect("more").to_string();
    let page2 = json(
        &call(
            &mut app,
            "GET",
            &format!("/contacts?sort=name&limit=2&q=C&cursor={next}"),
            Some(&k),
            None,
        )
        .await,
    );
    assert_eq!(page["data"][0]["name"], "C0");
    assert_eq!(page2["data"][0]["name"], "C2");
    let mixed = call(
        &mut app,
        "GET",
        &format!("/contacts?limit=2&cursor={next}"),
        Some(&k),
        None,
    )
    .await;
    assert_eq!(mixed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn an_idempotency_key_prevents_a_double_send() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN1").await;
    let (_, k) = key(&app, Role::Agent).await;
    let body = json!({"type": "text", "text": {"body": "Seu pedido saiu para entrega"}});
    let send = |app: &mut TestApp, idem: Option<&'static str>, body: Value| {
        let mut req = Request::post(format!("/api/v1/conversations/{conv}/messages"))
            .header("authorization", format!("Bearer {k}"))
            .header("content-type", "application/json");
        if let Some(i) = idem {
            req = req.header("idempotency-key", i);
        }
        let req = req.body(Body::from(body.to_string())).expect("req");
        let mut app = std::mem::replace(app, app.other_browser());
        async move {
            let r = app.send(req).await;
            (app, r)
        }
    };
    let (a, first) = send(&mut app, Some("order-42-shipped"), body.clone()).await;
    app = a;
    assert_eq!(first.status, StatusCode::ACCEPTED, "{}", first.body);
    assert_eq!(json(&first)["status"], "queued");
    let (a, again) = send(&mut app, Some("order-42-shipped"), body.clone()).await;
    app = a;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(json(&again)["id"], json(&first)["id"]);
    let (a, other) = send(
        &mut app,
        Some("order-42-shipped"),
        json!({"type": "text", "text": {"body": "outra coisa"}}),
    )
    .await;
    app = a;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(json(&other)["errors"][0]["field"], "Idempotency-Key");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 1);
    run_sender(&app).await;
    let delivered = fake.sent.lock().expect("lock").len();
    assert_eq!(delivered, 1, "the fake Graph API got the message once");
    assert_eq!(
        fake.sent_of_type("text")["text"]["body"],
        "Seu pedido saiu para entrega"
    );

    // The message list shows it, newest first, with its delivery state.
    let (a, list) = {
        let mut app = app;
        let r = call(
            &mut app,
            "GET",
            &format!("/conversations/{conv}/messages"),
            Some(&k),
            None,
        )
        .await;
        (app, r)
    };
    app = a;
    let msgs = json(&list);
    assert_eq!(msgs["data"][0]["direction"], "out");
    assert_eq!(msgs["data"][1]["text"], "Oi");
    // A closed window is refused with a reason; nothing is queued.
    app.clock.advance(time::Duration::hours(25));
    let (_, closed) = send(&mut app, None, body).await;
    assert_eq!(closed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        json(&closed)["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("24-hour window is closed"))
    );
}

#[tokio::test]
async fn orders_are_created_listed_and_moved_through_the_api() {
    let mut app = TestApp::spawn().await;
    let (_, k) = key(&app, Role::Agent).await;
    let c = json(
        &call(
            &mut app,
            "POST",
            "/contacts",
            Some(&k),
            Some(json!({"phone": "+5511988887777"})),
        )
        .await,
    );
    let order = json!({"contact_id": c["id"], "currency": "BRL", "items": [
        {"name": "Camiseta", "quantity": 2, "unit_price": "59.90"},
        {"name": "Frete", "quantity": 1, "unit_price": "35"}]});
    let r = call(&mut app, "POST", "/orders", Some(&k), Some(order)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let o = json(&r);
    assert_eq!(
        (o["total_minor"].as_i64(), o["total"].as_str()),
        (Some(15480), Some("154.80"))
    );
    let path = format!("/orders/{}", o["id"]);
    let ok = call(
        &mut app,
        "PATCH",
        &path,
        Some(&k),
        Some(json!({"status": "confirmed"})),
    )
    .await;
    assert_eq!(json(&ok)["history"].as_array().map(Vec::len), Some(2));
    let back = call(
        &mut app,
        "PATCH",
        &path,
        Some(&k),
        Some(json!({"status": "new"})),
    )
    .await;
    assert_eq!(back.status, StatusCode::CONFLICT);
    assert!(
        json(&back)["detail"]
            .as_str()
            .is_some_and(|d| d.contains("cannot become new"))
    );
    let list = json(&call(&mut app, "GET", "/orders?status=confirmed", Some(&k), None).await);
    assert_eq!(list["data"].as_array().map(Vec::len), Some(1));
    let none = call(
        &mut app,
        "POST",
        "/orders",
        Some(&k),
        Some(json!({"contact_id": 999, "currency": "BRL", "items": []})),
    )
    .await;
    assert_eq!(none.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_lists_every_route() {
    let mut app = TestApp::spawn().await;
    let (_, k) = key(&app, Role::Admin).await;
    let r = call(&mut app, "GET", "/openapi.json", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = json(&r);
    assert_eq!(doc["openapi"], "3.1.0");
    assert_eq!(doc["servers"][0]["url"], "/api/v1");
    assert_eq!(
        doc["components"]["securitySchemes"]["api_key"]["scheme"],
        "bearer"
    );
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            ops.push(format!("{} {path}", method.to_uppercase()));
            let responses = op["responses"].as_object().expect("responses");
            for code in ["401", "429"] {
                assert!(
                    responses.contains_key(code),
                    "{method} {path} documents {code}"
                );
            }
            // Every $ref points at a schema the document has.
            for cap in op.to_string().split("#/components/schemas/").skip(1) {
                let name = cap.split('"').next().unwrap_or_default();
                assert!(
                    doc["components"]["schemas"].get(name).is_some(),
                    "schema {name}"
                );
            }
            // The route exists: it answers with something other than the "no such route" 404.
            let concrete = path.replace("{id}", "1").replace("{tag_id}", "1");
            let body = (method != "get" && method != "delete").then(|| json!({}));
            let r = call(&mut app, &method.to_uppercase(), &concrete, Some(&k), body).await;
            assert!(
                !r.body.contains("No such route"),
                "{method} {path} is routed: {}",
                r.body
            );
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
        }
    }
    ops.sort();
    let want = [
        "DELETE /contacts/{id}",
        "DELETE /contacts/{id}/tags/{tag_id}",
        "DELETE /custom-fields/{id}",
        "DELETE /tags/{id}",
        "GET /campaigns",
        "GET /campaigns/{id}",
        "GET /campaigns/{id}/preview",
        "GET /campaigns/{id}/recipients",
        "GET /contacts",
        "GET /contacts/{id}",
        "GET /contacts/{id}/export",
        "GET /conversations",
        "GET /conversations/{id}",
        "GET /conversations/{id}/messages",
        "GET /custom-fields",
        "GET /erasures/{code}",
        "GET /messages/{id}/media",
        "GET /orders",
        "GET /orders/{id}",
        "GET /reports",
        "GET /reports/conversations",
        "GET /tags",
        "GET /templates",
        "PATCH /contacts/{id}",
        "PATCH /orders/{id}",
        "PATCH /tags/{id}",
        "POST /campaigns",
        "POST /campaigns/{id}/state",
        "POST /contacts",
        "POST /contacts/{id}/erase",
        "POST /contacts/{id}/messages",
        "POST /conversations/{id}/messages",
        "POST /custom-fields",
        "POST /orders",
        "POST /tags",
        "PUT /contacts/{id}/tags/{tag_id}",
    ];
    assert_eq!(ops, want);
    // The same document is what `flowcrm::api::openapi()` builds.
    let built = serde_json::to_value(flowcrm::api::openapi()).expect("json");
    assert_eq!(built["paths"], doc["paths"]);
}

#[tokio::test]
async fn admins_create_and_revoke_keys_in_settings() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let r = app
        .submit(
            "/settings/api-keys",
            "/settings/api-keys",
            &[("name", "Shop website"), ("role", "agent")],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let token = r
        .body
        .split("<code class=\"secret\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("token shown")
        .to_string();
    assert!(token.starts_with("fck_") && token.len() == 44);
    assert!(
        r.set_cookies().iter().all(|c| !c.contains(&token)),
        "never in a cookie"
    );
    let again = app.get("/settings/api-keys").await;
    assert!(!again.body.contains(&token), "shown once");
    assert!(
        again.body.contains(&token[..12]),
        "the prefix tells keys apart"
    );
    assert_eq!(
        call(&mut app, "GET", "/tags", Some(&token), None)
            .await
            .status,
        StatusCode::OK
    );
    let listed = app.get("/settings/api-keys").await.body;
    assert!(
        !listed.contains("<td class=\"small\">never</td>"),
        "last use shown"
    );

    let id = app.count("SELECT id FROM api_keys").await;
    let r = app
        .submit(
            "/settings/api-keys",
            &format!("/settings/api-keys/{id}/revoke"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        call(&mut app, "GET", "/tags", Some(&token), None)
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(app.audit_count("api_key.create").await, 1);
    assert_eq!(app.audit_count("api_key.revoke").await, 1);

    let mut agent = app.other_browser();
    agent.logged_in_as("agent@shop.example", Role::Agent).await;
    assert_eq!(
        agent.get("/settings/api-keys").await.status,
        StatusCode::FORBIDDEN
    );
}
