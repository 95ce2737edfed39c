//! `/settings/sheets`: the admin's setup page (columns form with every error, the key upload,
//! the checklist, "Sync now"), against the fake Sheets API.

use crate::fake_sheets::{FakeSheets, SPREADSHEET};
use crate::helpers::{TestApp, TestResponse};
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn admin() -> (TestApp, FakeSheets) {
    let fake = FakeSheets::start().await;
    let base = fake.base.clone();
    let mut app = TestApp::spawn_with(move |c| c.sheets.api_base = base).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    (app, fake)
}

async fn upload_key(app: &mut TestApp, json: &str) -> TestResponse {
    let csrf = app.get("/settings/sheets").await.csrf();
    let b = "KeyBoundary";
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"key\"; filename=\"k.json\"\r\nContent-Type: application/json\r\n\r\n{json}\r\n--{b}--\r\n"
    );
    let req = axum::http::Request::post(format!("/settings/sheets/key?csrf_token={csrf}"))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(axum::body::Body::from(body))
        .expect("req");
    app.send(req).await
}

#[tokio::test]
async fn the_form_reports_every_problem_and_keeps_nothing_then_saves_a_good_setup() {
    let (mut app, _fake) = admin().await;
    let page = app.get("/settings/sheets").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("No key yet")
            && page.body.contains("iam.disableServiceAccountKeyCreation")
    );
    let bad = app
        .submit(
            "/settings/sheets",
            "/settings/sheets",
            &[
                ("spreadsheet", "https://example.com/not-a-sheet"),
                ("contacts_tab", "Contacts"),
                ("contacts_columns", "name\nfield:nope"),
                ("orders_tab", "Contacts"),
                ("orders_columns", "line_product"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::OK, "re-rendered with errors");
    for needle in [
        "not a Google Sheets address",
        "no custom field `nope`",
        "needs one row per order line",
        "different name",
    ] {
        assert!(bad.body.contains(needle), "{needle}: {}", bad.body);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE name LIKE 'sheets.%'")
            .await,
        0
    );
    let url = format!("https://docs.google.com/spreadsheets/d/{SPREADSHEET}/edit#gid=0");
    let ok = app
        .submit(
            "/settings/sheets",
            "/settings/sheets",
            &[
                ("spreadsheet", url.as_str()),
                ("contacts_tab", "Clientes"),
                ("contacts_columns", "name\nphone"),
                ("orders_tab", "Pedidos"),
                ("orders_columns", ""),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let stored: String = app
        .query(|c| {
            c.query_row(
                "SELECT value FROM settings WHERE name = 'sheets.spreadsheet'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(stored, SPREADSHEET, "the id is parsed out of the address");
    // Google is now a processor on the privacy notice, with what goes there.
    let notice = app.get("/privacy").await;
    assert!(
        notice.body.contains("Google (Google Sheets)"),
        "{}",
        notice.body
    );
    assert!(notice.body.contains("contacts (name; phone)"));
}

#[tokio::test]
async fn a_key_upload_is_checked_stored_encrypted_and_its_email_shown_then_the_checklist_runs() {
    let (mut app, fake) = admin().await;
    upload_key(&mut app, "{\"type\": \"authorized_user\"}").await;
    let page = app.get("/settings/sheets").await;
    assert!(
        page.body.contains("not a service-account key"),
        "{}",
        page.body
    );
    let r = upload_key(&mut app, &fake.key_json()).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/settings/sheets").await;
    assert!(
        page.body
            .contains("sync@flowcrm-test.iam.gserviceaccount.com")
    );
    let raw: Vec<u8> = app
        .query(|c| {
            c.query_row(
                "SELECT ciphertext FROM secrets WHERE name = 'sheets.service_account'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(
        !String::from_utf8_lossy(&raw).contains("PRIVATE KEY"),
        "stored encrypted"
    );
    // The checklist stops at the first missing step and names it.
    let csrf = page.csrf();
    let list = app
        .post_form("/settings/sheets/check", &[("csrf_token", &csrf)])
        .await;
    assert!(list.body.contains("Paste the spreadsheet"), "{}", list.body);
    let url = SPREADSHEET.to_string();
    app.submit(
        "/settings/sheets",
        "/settings/sheets",
        &[
            ("spreadsheet", url.as_str()),
            ("contacts_tab", "Contacts"),
            ("contacts_columns", "name"),
            ("orders_tab", "Orders"),
            ("orders_columns", ""),
        ],
    )
    .await;
    let csrf = app.get("/settings/sheets").await.csrf();
    let list = app
        .post_form("/settings/sheets/check", &[("csrf_token", &csrf)])
        .await;
    assert!(list.body.contains("First sync"), "{}", list.body);
    assert!(fake.tab("Contacts").is_some(), "the tab was created");
    let page = app.get("/settings/sheets").await;
    assert!(page.body.contains("0 added") && page.body.contains("setup"));
}
