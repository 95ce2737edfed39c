//! Local time: pages, date filters and CSV exports use the business's time zone (or the person's
//! own), never bare UTC; "wrote within 1 day" starts at local midnight.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;
use time::macros::datetime;

/// An install in São Paulo whose clock reads `at`.
async fn in_sao_paulo(at: time::OffsetDateTime) -> TestApp {
    let app = TestApp::spawn_with(|c| c.app.timezone = Some("America/Sao_Paulo".into())).await;
    let now = flowcrm::clock::Clock::now(app.clock.as_ref());
    assert!(at > now, "tests run before {at}");
    app.clock.advance(at - now);
    app
}

async fn writes(app: &mut TestApp, phone: &str, wamid: &str, at: time::OffsetDateTime) {
    let body = crate::payload::text_from(phone, "Cliente", wamid, at.unix_timestamp(), "Oi");
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_message_at_21_37_utc_shows_as_18_37_in_sao_paulo_and_in_the_csv() {
    let mut app = in_sao_paulo(datetime!(2027-01-10 12:00 UTC)).await;
    writes(
        &mut app,
        "5511988880001",
        "wamid.TZ.1",
        datetime!(2027-01-09 21:37 UTC),
    )
    .await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let conv = app.count("SELECT id FROM conversations").await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("18:37"),
        "local time on the conversation page"
    );
    assert!(!page.body.contains("21:37"), "never bare UTC");
    let csv = app.get("/contacts/export.csv").await;
    assert!(
        csv.body.contains("-03:00"),
        "the CSV carries the local offset: {}",
        csv.body
    );

    // A person in Lisbon sees their own time.
    let r = app
        .submit(
            "/settings",
            "/settings/preferences",
            &[("timezone", "Europe/Lisbon")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get(&format!("/conversations/{conv}")).await;
    assert!(page.body.contains("21:37"), "Lisbon is UTC+0 in January");
    let bad = app
        .submit(
            "/settings",
            "/settings/preferences",
            &[("timezone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("is not a time zone name"));
}

#[tokio::test]
async fn wrote_within_one_day_starts_at_local_midnight() {
    // 02:30 UTC on 10 Jan is 23:30 on 9 Jan in São Paulo.
    let mut app = in_sao_paulo(datetime!(2027-01-10 02:30 UTC)).await;
    writes(
        &mut app,
        "5511988880002",
        "wamid.TZ.2",
        datetime!(2027-01-09 04:00 UTC),
    )
    .await; // 9 Jan 01:00 local
    writes(
        &mut app,
        "5511988880003",
        "wamid.TZ.3",
        datetime!(2027-01-09 02:00 UTC),
    )
    .await; // 8 Jan 23:00 local
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let list = app.get("/contacts?inbound_days=1").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        list.body.contains("+55 11 98888-0002") || list.body.contains("+5511988880002"),
        "wrote today (local): {}",
        list.body
    );
    assert!(
        !list.body.contains("98888-0003") && !list.body.contains("5511988880003"),
        "wrote yesterday (local)"
    );
    let two = app.get("/contacts?inbound_days=2").await;
    assert!(two.body.contains("98888-0003") || two.body.contains("5511988880003"));
}

#[tokio::test]
async fn order_date_ranges_are_local_days_and_an_inverted_range_is_an_error() {
    let mut app = in_sao_paulo(datetime!(2027-01-10 12:00 UTC)).await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let inverted = app.get("/orders?from=2027-01-09&until=2027-01-01").await;
    assert!(
        inverted.body.contains("is before the start date"),
        "{}",
        inverted.body
    );
    let (_, key) = crate::api::key(&app, Role::Admin).await;
    let api = crate::api::call(
        &mut app,
        "GET",
        "/orders?from=2027-01-09&until=2027-01-01",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
    assert!(api.body.contains("is before the start date"));
}
