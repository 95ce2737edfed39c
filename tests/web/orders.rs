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
