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

    // The cart bubble and the CSV name the product from the product table, the SKU beside it.
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let conv = app.count("SELECT conversation_id FROM orders").await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("2 × Camisa M (SKU-CAMISA-M)"),
        "cart bubble names the product"
    );
    assert!(
        page.body.contains("1 × SKU-BONE"),
        "an unknown product keeps its SKU"
    );
    let csv = app.get("/orders/export.csv").await;
    assert!(
        csv.body
            .contains("2 x Camisa M (SKU-CAMISA-M) @ BRL 59.90; 1 x SKU-BONE @ BRL 35.00"),
        "{}",
        csv.body
    );
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
    let cart = serde_json::json!({"id":"wamid.BADCART","timestamp":"1767225600","type":"order",
        "order":{"catalog_id":"1","product_items":[
            {"product_retailer_id":"A","quantity":1,"item_price":10.0,"currency":"BRL"},
            {"product_retailer_id":"B","quantity":1,"item_price":5,"currency":"USD"}]}});
    let body = crate::payload::message_from("5511988887777", "Ana", &cart);
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
    app.logged_in_as("owner@shop.example", Role::Admin).await;
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
    app.logged_in_as("owner@shop.example", Role::Admin).await;
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

async fn multipart_csv(
    app: &mut TestApp,
    path: &str,
    page: &str,
    csv: &str,
) -> crate::helpers::TestResponse {
    let csrf = app.get(page).await.csrf();
    let b = "ProductsBoundary";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{b}--\r\n"
    );
    let req = axum::http::Request::post(format!("{path}?csrf_token={csrf}"))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(axum::body::Body::from(body))
        .expect("req");
    app.send(req).await
}

#[tokio::test]
async fn products_are_edited_and_imported_all_or_nothing() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let bad = app
        .submit(
            "/products",
            "/products",
            &[
                ("retailer_id", "SKU-1"),
                ("name", ""),
                ("price", "1.999"),
                ("currency", "BRL"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Name the product"));
    assert!(bad.body.contains("more decimals than BRL allows"));
    let ok = app
        .submit(
            "/products",
            "/products",
            &[
                ("retailer_id", "SKU-1"),
                ("name", "Camiseta"),
                ("price", "59,90"),
                ("currency", "brl"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(app.get("/products").await.body.contains("BRL 59.90"));

    let broken = "id,title,price\nSKU-2,Boné,35.00 BRL\nSKU-3,,10 BRL\n";
    let r = multipart_csv(&mut app, "/products/import", "/products", broken).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Nothing was imported"));
    assert!(r.body.contains("Line 3: Name the product"));
    assert_eq!(app.count("SELECT COUNT(*) FROM products").await, 1);

    let good = "retailer_id,name,price,currency\nSKU-1,Camiseta P,49.90,BRL\nSKU-2,Boné,35,BRL\n";
    let r = multipart_csv(&mut app, "/products/import", "/products", good).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(
        app.get(r.location())
            .await
            .body
            .contains("1 product(s) added, 1 updated")
    );
    let price: i64 = app
        .count("SELECT price_minor FROM products WHERE retailer_id = 'SKU-1'")
        .await;
    assert_eq!(price, 4990);
}

/// A signed-in admin, a contact (Ana) and a priced product; returns the contact id.
async fn manual_setup() -> (TestApp, String) {
    let mut app = TestApp::spawn_with(|c| c.crm.default_region = Some("BR".into())).await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    app.submit(
        "/contacts/new",
        "/contacts/new",
        &[("name", "Ana"), ("phone", "11 98888-7777")],
    )
    .await;
    app.submit(
        "/products",
        "/products",
        &[
            ("retailer_id", "SKU-1"),
            ("name", "Camiseta"),
            ("price", "59.90"),
            ("currency", "BRL"),
        ],
    )
    .await;
    let contact = app.count("SELECT id FROM contacts").await.to_string();

    (app, contact)
}

#[tokio::test]
async fn staff_create_orders_by_hand_with_exact_totals() {
    let (mut app, contact) = manual_setup().await;
    // Every problem is reported by line; nothing is stored.
    let bad = app
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("contact", &contact),
                ("currency", "BRL"),
                ("product", "SKU-1"),
                ("name", ""),
                ("quantity", "0"),
                ("unit_price", ""),
                ("product", ""),
                ("name", "Frete"),
                ("quantity", "1"),
                ("unit_price", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("Line 1: use a whole quantity"));
    assert!(bad.body.contains("Line 2: `abc` is not a price"));
    assert!(bad.body.contains("value=\"Frete\""), "typed lines are kept");
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 0);
    let unknown = app
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("customer", "11 90000-0000"),
                ("currency", "BRL"),
                ("product", "SKU-1"),
                ("quantity", "1"),
            ],
        )
        .await;
    assert!(unknown.body.contains("No contact has this phone number"));

    // By phone (typed in another format), the product fills name and price.
    let r = app
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("customer", "+55 11 98888-7777"),
                ("currency", "brl"),
                ("product", "SKU-1"),
                ("name", ""),
                ("quantity", "3"),
                ("unit_price", ""),
                ("product", ""),
                ("name", "Frete"),
                ("quantity", "1"),
                ("unit_price", "12.5"),
                ("product", ""),
                ("name", ""),
                ("quantity", ""),
                ("unit_price", ""),
                ("note", "Entregar sábado"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    // 3 × 59.90 + 12.50 = 192.20
    assert!(page.body.contains("BRL 192.20"), "{}", page.body);
    assert!(page.body.contains("Camiseta (SKU-1)"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM orders WHERE source = 'manual' AND status = 'new'")
            .await,
        1
    );
    assert_eq!(app.audit_count("order.create").await, 1);
}

#[tokio::test]
async fn orders_are_edited_until_paid() {
    let (mut app, contact) = manual_setup().await;
    let r = app
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("contact", &contact),
                ("currency", "BRL"),
                ("product", "SKU-1"),
                ("quantity", "3"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("SELECT total_minor FROM orders").await, 17970);
    let id = app.count("SELECT id FROM orders").await;
    // Edit: change a quantity; the total follows.
    let edit = format!("/orders/{id}/edit");
    let form = app.get(&edit).await;
    assert!(form.body.contains("value=\"59.90\""));
    let r = app
        .submit(
            &edit,
            &edit,
            &[
                ("currency", "BRL"),
                ("product", "SKU-1"),
                ("name", "Camiseta"),
                ("quantity", "1"),
                ("unit_price", "59.90"),
                ("note", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(app.count("SELECT total_minor FROM orders").await, 5990);
    assert_eq!(app.count("SELECT COUNT(*) FROM order_items").await, 1);

    // Once paid, the lines are fixed.
    for s in ["confirmed", "paid"] {
        app.submit(
            &format!("/orders/{id}"),
            &format!("/orders/{id}/status"),
            &[("status", s)],
        )
        .await;
    }
    let late = app
        .submit(
            &format!("/orders/{id}"),
            &edit,
            &[
                ("currency", "BRL"),
                ("product", "SKU-1"),
                ("quantity", "9"),
                ("unit_price", "1"),
            ],
        )
        .await;
    assert_eq!(late.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.body
            .contains("An order that is paid can no longer be edited.")
    );
    assert_eq!(app.count("SELECT total_minor FROM orders").await, 5990);
}

#[tokio::test]
async fn the_order_form_reports_every_problem_of_a_line_and_only_iso_currencies() {
    let (mut app, contact) = manual_setup().await;
    let bad = app
        .submit(
            "/orders/new",
            "/orders/new",
            &[
                ("contact", &contact),
                ("currency", "XYZ"),
                ("product", ""),
                ("name", ""),
                ("quantity", "0"),
                ("unit_price", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for problem in [
        "`XYZ` is not an ISO 4217 currency code",
        "Line 1: name the product",
        "Line 1: use a whole quantity",
        "Line 1: `abc` is not a price",
    ] {
        assert!(bad.body.contains(problem), "{problem}: {}", bad.body);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 0);
}

#[tokio::test]
async fn the_orders_empty_state_respects_filters_and_csv_can_carry_a_bom() {
    let mut app = TestApp::spawn().await;
    app.deliver("order").await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let none = app.get("/orders?from=2001-01-01&until=2001-01-31").await;
    assert!(
        none.body.contains("No orders match these filters"),
        "{}",
        none.body
    );
    assert!(!none.body.contains("No orders yet"));
    let plain = app.get("/orders/export.csv").await;
    assert!(plain.body.starts_with("order,"), "no BOM by default");
    let excel = app.get("/orders/export.csv?bom=1").await;
    assert!(
        excel.body.starts_with("\u{feff}order,"),
        "UTF-8 BOM for Excel"
    );
    let contacts = app.get("/contacts/export.csv?bom=1").await;
    assert!(contacts.body.starts_with('\u{feff}'));
}
