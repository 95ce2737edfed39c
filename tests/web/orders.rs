//! Orders: a catalog cart from a webhook becomes an order with exact totals; the pipeline.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

#[tokio::test]
async fn a_cart_from_a_webhook_becomes_an_order_with_the_right_total() {
    let mut app = TestApp::spawn().await;
    app.state
        .db
        .write(|c| {
            flowcrm::db::orders::upsert_product(
                c,
                "SKU-CAMISA-M",
                "Camisa M",
                Some((5990, "BRL")),
                time::OffsetDateTime::now_utc(),
            )
        })
        .await
        .expect("product");
    app.deliver("order").await;
    app.deliver("order").await; // Meta retries: still one order.
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 1);
    let (status, currency, total, note): (String, String, i64, String) = app
        .query(|c| {
            c.query_row(
                "SELECT status, currency, total_minor, note FROM orders",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
        })
        .await;
    // 2 × 59.90 + 1 × 35.00 = 154.80 BRL.
    assert_eq!(
        (status.as_str(), currency.as_str(), total, note.as_str()),
        ("new", "BRL", 15480, "Entrega amanhã?")
    );
    let items: Vec<(String, String, i64, i64)> = app
        .query(|c| {
            let mut s = c.prepare("SELECT product_retailer_id, name, quantity, unit_price_minor FROM order_items ORDER BY id")?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?.collect()
        })
        .await;
    assert_eq!(
        items,
        [
            ("SKU-CAMISA-M".into(), "Camisa M".into(), 2, 5990),
            ("SKU-BONE".into(), String::new(), 1, 3500)
        ]
    );
    let linked: i64 = app.count("SELECT COUNT(*) FROM orders o JOIN messages m ON m.id = o.message_id WHERE m.wamid = 'wamid.ORDER1'").await;
    assert_eq!(linked, 1);
}

#[tokio::test]
async fn orders_move_along_the_pipeline_with_history_and_never_backwards() {
    let mut app = TestApp::spawn().await;
    app.deliver("order").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let id: i64 = app.count("SELECT id FROM orders").await;
    let page = app.get(&format!("/orders/{id}")).await;
    assert!(page.body.contains("BRL 154.80"));
    assert!(page.body.contains("Mark confirmed"));
    let path = format!("/orders/{id}/status");
    let r = app
        .post_form(&path, &[("status", "paid"), ("csrf_token", &page.csrf())])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let back = app
        .post_form(&path, &[("status", "new"), ("csrf_token", &page.csrf())])
        .await;
    assert_eq!(back.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/orders/{id}")).await;
    assert!(
        page.body
            .contains("An order that is paid cannot become new."),
        "{}",
        page.body
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM order_history").await,
        2,
        "created + paid"
    );
    assert!(page.body.contains("moved it from new to paid"));
    let list = app.get("/orders?status=paid").await;
    assert!(list.body.contains(&format!("/orders/{id}")));
    assert!(list.body.contains("BRL 154.80 in 1 order(s)"));
    let other = app.get("/orders?status=shipped").await;
    assert!(other.body.contains("No orders shipped yet"));
}

#[tokio::test]
async fn a_cart_that_cannot_be_priced_exactly_is_reported_not_guessed() {
    let mut app = TestApp::spawn().await;
    let body = serde_json::json!({"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{
        "metadata":{"phone_number_id":"200"},
        "messages":[{"from":"5511988887777","id":"wamid.BADCART","timestamp":"1767225600","type":"order",
            "order":{"catalog_id":"1","product_items":[
                {"product_retailer_id":"A","quantity":1,"item_price":10.0,"currency":"BRL"},
                {"product_retailer_id":"B","quantity":1,"item_price":5,"currency":"USD"}]}}]}}]}]});
    let r = app.post_webhook(body.to_string().as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK, "the message is still stored");
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 0);
    let why: String = app
        .query(|c| {
            c.query_row(
                "SELECT value FROM webhook_events WHERE field = 'orders.invalid'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(why.contains("mixes currencies"), "{why}");
}

#[tokio::test]
async fn orders_export_as_csv_with_lines_and_decimal_totals() {
    let mut app = TestApp::spawn().await;
    app.deliver("order").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let csv = app.get("/orders/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some("order,created_at,status,customer,phone,currency,total,items,note")
    );
    let row = lines.next().expect("one order");
    assert!(
        row.contains(",new,Ana Lima,+5511988887777,BRL,154.80,"),
        "{row}"
    );
    assert!(
        row.contains("2 x SKU-CAMISA-M @ BRL 59.90; 1 x SKU-BONE @ BRL 35.00"),
        "{row}"
    );
    assert_eq!(
        app.get("/orders/export.csv?status=paid")
            .await
            .body
            .lines()
            .count(),
        1,
        "header only"
    );
    assert_eq!(app.audit_count("export.orders").await, 2);
}

#[tokio::test]
async fn orders_filter_by_date_range_contact_and_tag() {
    let mut app = TestApp::spawn().await;
    app.deliver("order").await; // Ana, 2026-01-01
    let ana: i64 = app.count("SELECT contact_id FROM orders").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let in_range = app.get("/orders?from=2025-12-31&until=2026-01-01").await;
    assert!(
        in_range.body.contains("BRL 154.80 in 1 order(s)"),
        "{}",
        in_range.body
    );
    let before = app.get("/orders?until=2025-12-31").await;
    assert!(before.body.contains("No orders"));
    let by_contact = app.get(&format!("/orders?contact={ana}")).await;
    assert!(by_contact.body.contains("BRL 154.80"));
    assert!(
        app.get(&format!("/orders?contact={}", ana + 1))
            .await
            .body
            .contains("No orders")
    );
    app.submit("/tags", "/tags", &[("name", "VIP"), ("color", "red")])
        .await;
    let tag: i64 = app.count("SELECT id FROM tags").await;
    assert!(
        app.get(&format!("/orders?tag={tag}"))
            .await
            .body
            .contains("No orders")
    );
    let csrf = app.get("/contacts").await.csrf();
    app.post_form(
        "/contacts/tags",
        &[
            ("tag", &tag.to_string()),
            ("action", "add"),
            ("contact", &ana.to_string()),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert!(
        app.get(&format!("/orders?tag={tag}"))
            .await
            .body
            .contains("BRL 154.80")
    );
    let bad = app.get("/orders?from=yesterday").await;
    assert!(bad.body.contains("not a date; use YYYY-MM-DD"));
    let csv = app.get("/orders/export.csv?until=2025-12-31").await;
    assert_eq!(
        csv.body.lines().count(),
        1,
        "filtered export has only the header"
    );
    assert_eq!(
        app.get("/orders/export.csv?from=nope").await.status,
        StatusCode::BAD_REQUEST
    );
}
