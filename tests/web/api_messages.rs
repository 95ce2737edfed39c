//! The JSON API exposes what is stored: messages carry their structured content (documented in
//! the OpenAPI document), attachments are served to API keys, conversations carry the
//! customer's phone and WhatsApp user id and filter by contact, and unknown query parameters
//! are refused by name.

use crate::api::{call, key};
use crate::fake_graph::{FakeGraph, TOKEN};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::config::Secret;
use flowcrm::model::Role;
use serde_json::Value;

fn json(body: &str) -> Value {
    serde_json::from_str(body).expect("json")
}

/// A customer who sent one message of each kind (the image downloaded); returns the app, an
/// agent key, their conversation's messages page and the conversation.
async fn every_kind() -> (TestApp, String, Value, Value) {
    let fake = FakeGraph::default();
    let base = fake.start().await;
    let mut app = TestApp::spawn_with(move |c| c.whatsapp.graph_base_url = base).await;
    fake.add("1003383421387256", JPEG, "image/jpeg", false);
    for f in [
        "image",
        "location",
        "button_reply",
        "reaction",
        "contacts",
        "order",
        "reply_forwarded_referral",
    ] {
        app.deliver(f).await;
    }
    let out = app
        .state
        .media_job
        .run_once(Some(&Secret::new(TOKEN)))
        .await
        .expect("media job");
    assert_eq!(out.stored, 1, "{out:?}");
    let (_, k) = key(&app, Role::Agent).await;

    let convs = json(
        &call(&mut app, "GET", "/conversations", Some(&k), None)
            .await
            .body,
    );
    let conv = &convs["data"][0];
    let id = conv["id"].as_i64().expect("id");
    let r = call(
        &mut app,
        "GET",
        &format!("/conversations/{id}/messages?limit=50"),
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    (app, k, json(&r.body), conv.clone())
}

fn by_wamid(page: &Value, w: &str) -> Value {
    page["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|m| m["wamid"] == w)
        .unwrap_or_else(|| panic!("{w} listed"))
        .clone()
}

const JPEG: &[u8] = b"\xff\xd8\xff\xe0 fake jpeg bytes";

#[tokio::test]
async fn messages_carry_their_structured_content() {
    let (app, _, page, _) = every_kind().await;
    let by_wamid = |w: &str| by_wamid(&page, w);
    let image = by_wamid("wamid.IMAGE1");
    let media = &image["content"]["media"];
    assert_eq!(media["kind"], "image");
    assert_eq!(media["mime_type"], "image/jpeg");
    assert_eq!(media["caption"], "Foto do produto");
    assert_eq!(media["state"], "stored");
    assert_eq!(media["size"], JPEG.len());
    assert!(media["url"].is_string());

    let loc = &by_wamid("wamid.LOC1")["content"]["location"];
    assert_eq!(
        (loc["latitude"].as_f64(), loc["name"].as_str()),
        (Some(-23.5613), Some("Loja Paulista"))
    );
    let btn = &by_wamid("wamid.BTN1")["content"];
    assert_eq!(
        (btn["reply"]["kind"].as_str(), btn["reply"]["id"].as_str()),
        (Some("button"), Some("confirm_42"))
    );
    assert_eq!(btn["quoted_wamid"], "wamid.OUT1");
    let react = &by_wamid("wamid.REACT1")["content"]["reaction"];
    assert_eq!(
        (react["emoji"].as_str(), react["message_wamid"].as_str()),
        (Some("👍"), Some("wamid.OUT1"))
    );
    let card = &by_wamid("wamid.CONTACTS1")["content"]["contacts"][0];
    assert_eq!(card["name"], "Bruno Costa");
    assert_eq!(card["phones"][0]["wa_id"], "5521999991111");
    let order = by_wamid("wamid.ORDER1");
    let order_id: i64 = app.count("SELECT id FROM orders").await;
    assert_eq!(order["content"]["order_id"], order_id);
    let ctx = &by_wamid("wamid.CTX1")["content"];
    assert_eq!(ctx["forwarded"], true);
    assert_eq!(ctx["referral"]["ctwa_clid"], "ARAkLkA8rmlFeiCktEJQ");
    assert_eq!(ctx["referral"]["headline"], "Camisetas 50% off");
}

#[tokio::test]
async fn attachments_are_served_to_keys_and_conversations_filter_by_contact() {
    let (mut app, k, page, conv) = every_kind().await;
    let contact = conv["contact_id"].as_i64().expect("contact");
    assert_eq!(conv["phone"], "+5511988887777");
    assert!(
        conv.as_object()
            .is_some_and(|o| o.contains_key("wa_user_id")),
        "{conv}"
    );
    let image = by_wamid(&page, "wamid.IMAGE1");
    let url = image["content"]["media"]["url"].as_str().expect("url");
    // The attachment's bytes, for an agent key and an admin key alike (reading is every role's,
    // `access::may_read`), with their type; nothing without a key.
    let path = url.trim_start_matches("/api/v1");
    let (_, admin) = key(&app, Role::Admin).await;
    let as_admin = call(&mut app, "GET", path, Some(&admin), None).await;
    assert_eq!(as_admin.status, StatusCode::OK);
    let file = call(&mut app, "GET", path, Some(&k), None).await;
    assert_eq!(file.status, StatusCode::OK);
    assert_eq!(file.header("content-type"), Some("image/jpeg"));
    assert_eq!(
        file.header("content-length"),
        Some(JPEG.len().to_string().as_str())
    );
    assert!(file.body.ends_with(" fake jpeg bytes"), "the stored bytes");
    assert_eq!(
        call(&mut app, "GET", path, None, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let no_media = by_wamid(&page, "wamid.LOC1")["id"].as_i64().expect("id");
    let none = call(
        &mut app,
        "GET",
        &format!("/messages/{no_media}/media"),
        Some(&k),
        None,
    )
    .await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);

    // Conversations filter by contact; another contact's id lists nothing.
    let mine = json(
        &call(
            &mut app,
            "GET",
            &format!("/conversations?contact_id={contact}"),
            Some(&k),
            None,
        )
        .await
        .body,
    );
    assert_eq!(mine["data"].as_array().map(Vec::len), Some(1));
    let other = json(
        &call(
            &mut app,
            "GET",
            &format!("/conversations?contact_id={}", contact + 100),
            Some(&k),
            None,
        )
        .await
        .body,
    );
    assert_eq!(other["data"].as_array().map(Vec::len), Some(0));
}

#[tokio::test]
async fn unknown_query_parameters_are_refused_by_name() {
    let mut app = TestApp::spawn().await;
    let (_, k) = key(&app, Role::Agent).await;
    let r = call(
        &mut app,
        "GET",
        "/contacts?q=ana&colour=red",
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let problem = json(&r.body);
    assert_eq!(problem["errors"][0]["field"], "colour");
    let r = call(&mut app, "GET", "/tags?limit=5", Some(&k), None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert!(r.body.contains("takes no query parameters"), "{}", r.body);
    let ok = call(&mut app, "GET", "/contacts?q=ana&limit=5", Some(&k), None).await;
    assert_eq!(ok.status, StatusCode::OK);
}

#[tokio::test]
async fn the_openapi_document_describes_message_content() {
    let mut app = TestApp::spawn().await;
    let doc = json(&app.get("/api/v1/openapi.json").await.body);
    let schemas = &doc["components"]["schemas"];
    for (schema, member) in [
        ("MessageOut", "content"),
        ("MessageContent", "media"),
        ("MessageContent", "referral"),
        ("MediaOut", "url"),
        ("ReferralOut", "ctwa_clid"),
        ("ConversationOut", "wa_user_id"),
    ] {
        assert!(
            schemas[schema]["properties"][member].is_object(),
            "{schema}.{member} documented"
        );
    }
}
