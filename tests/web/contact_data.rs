//! A contact's data rights (privacy promises "access / portability" and "erasure"): the export
//! holds every kind of data the contact has and their media files; erasure leaves no trace of
//! them in the database file, its WAL, the search index or the media directory, keeps orders
//! for accounting without personal data, and leaves a receipt.

use crate::api::{call, key};
use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowcrm::model::Role;
use serde_json::{Value, json};
use std::io::Read;

const PHONE: &str = "351919876543";
const NAME: &str = "Zacarias Quixotefrost";
const EMAIL: &str = "quixotefrost@mail.example";
const WORD: &str = "plumbusglimmer";
const FILE_BYTES: &[u8] = b"\xFF\xD8\xFFJPEG plumbusglimmer photo bytes";

/// Seeds a customer with every kind of data (messages, a stored photo, a delivery status, an
/// order, notes, tags, a custom field, consent, raw payloads, a mail and a data request naming
/// them); returns the contact id and the photo's path.
async fn seeded(app: &mut TestApp, admin_key: &str) -> (i64, std::path::PathBuf) {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp() - 60;
    for m in [
        json!({"id": "wamid.QF1", "timestamp": ts.to_string(), "type": "text", "text": {"body": format!("hello {WORD} here")}}),
        json!({"id": "wamid.QF2", "timestamp": (ts + 1).to_string(), "type": "image",
               "image": {"id": "media-QF2", "mime_type": "image/jpeg", "sha256": "x", "caption": format!("{WORD} photo")}}),
        json!({"id": "wamid.QF3", "timestamp": (ts + 2).to_string(), "type": "order",
               "order": {"catalog_id": "cat1", "text": format!("{WORD} deliver to my house"),
                         "product_items": [{"product_retailer_id": "sku-1", "quantity": 2, "item_price": 12.5, "currency": "EUR"}]}}),
    ] {
        let body = crate::payload::message_from(PHONE, NAME, &m);
        assert_eq!(
            app.post_webhook(body.to_string().as_bytes()).await.status,
            StatusCode::OK
        );
    }
    let status = crate::payload::status("wamid.QFout", "delivered", ts + 5, PHONE, None);
    app.post_webhook(status.to_string().as_bytes()).await;
    let id: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM contacts WHERE phone = ?1",
                [format!("+{PHONE}")],
                |r| r.get(0),
            )
        })
        .await;
    let conversation: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT id FROM conversations WHERE contact_id = ?1",
                [id],
                |r| r.get(0),
            )
        })
        .await;
    // The photo, as the media job leaves it once downloaded.
    let media_dir = app.state.config.media_dir();
    std::fs::create_dir_all(&media_dir).expect("media dir");
    let photo = media_dir.join("qf-photo.jpg");
    std::fs::write(&photo, FILE_BYTES).expect("photo");
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<()> {
            c.execute(
                "UPDATE media SET state = 'stored', stored_name = 'qf-photo.jpg', size = 40
                 WHERE message_id = (SELECT id FROM messages WHERE wamid = 'wamid.QF2')",
                [],
            )?;
            // A notification email that named them (the mail log).
            c.execute(
                "INSERT INTO mail_outbox (kind, to_address, subject, text_body, html_body, state, next_attempt_at, created_at)
                 VALUES ('customer_wrote', 'agent@loja.example', ?1, 'x', 'x', 'sent', 0, 0)",
                [format!("{NAME} wrote to Loja on WhatsApp")],
            )?;
            Ok(())
        })
        .await
        .expect("seed");
    seed_records(app, admin_key, id, conversation).await;
    (id, photo)
}

/// Notes, a tag, a custom field, consent and a data request naming them.
async fn seed_records(app: &mut TestApp, admin_key: &str, id: i64, conversation: i64) {
    let field = json!({"key": "shoe", "label": "Shoe size", "kind": "text"});
    assert_eq!(
        call(app, "POST", "/custom-fields", Some(admin_key), Some(field))
            .await
            .status,
        StatusCode::CREATED
    );
    let tag = call(
        app,
        "POST",
        "/tags",
        Some(admin_key),
        Some(json!({"name": "vip"})),
    )
    .await;
    let tag: Value = serde_json::from_str(&tag.body).expect("tag");
    let tag_path = format!("/contacts/{id}/tags/{}", tag["id"]);
    assert!(
        call(app, "PUT", &tag_path, Some(admin_key), None)
            .await
            .status
            .is_success()
    );
    let update = json!({"email": EMAIL, "fields": {"shoe": format!("{WORD}-42")}, "opt_in": "in", "opt_in_source": format!("{WORD} form")});
    let r = call(
        app,
        "PATCH",
        &format!("/contacts/{id}"),
        Some(admin_key),
        Some(update),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let page = format!("/contacts/{id}");
    let r = app
        .submit(
            &page,
            &format!("/contacts/{id}/notes"),
            &[("body", &format!("{WORD} note"))],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = app
        .submit(
            &page,
            &format!("/conversations/{conversation}/notes"),
            &[("body", &format!("{WORD} internal"))],
        )
        .await;
    assert!(r.status.is_redirection(), "{}", r.status);
    let subject = format!("{NAME} +{PHONE}");
    let r = app
        .submit(
            "/settings/requests",
            "/settings/requests",
            &[
                ("kind", "erasure"),
                ("subject", &subject),
                ("channel", "email"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
}

async fn zip_bytes(app: &mut TestApp, req: Request<Body>) -> (StatusCode, Option<String>, Vec<u8>) {
    let r = app.send_streaming(req).await;
    let status = r.status();
    let kind = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(r.into_body(), usize::MAX)
        .await
        .expect("body");
    (status, kind, bytes.to_vec())
}

#[tokio::test]
async fn the_export_holds_every_kind_of_data_the_contact_has_and_their_media_files() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let (_, admin) = key(&app, Role::Admin).await;
    let (id, _) = seeded(&mut app, &admin).await;

    let req = Request::get(format!("/api/v1/contacts/{id}/export"))
        .header("authorization", format!("Bearer {admin}"))
        .body(Body::empty())
        .expect("request");
    let (status, kind, bytes) = zip_bytes(&mut app, req).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(kind.as_deref(), Some("application/zip"));
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a ZIP");
    let mut text = String::new();
    zip.by_name("contact.json")
        .expect("contact.json")
        .read_to_string(&mut text)
        .expect("utf-8");
    let doc: Value = serde_json::from_str(&text).expect("the JSON parses");
    assert_eq!(doc["format"], "flowcrm.contact-export");
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["contact"]["phone"], format!("+{PHONE}"));
    assert_eq!(doc["contact"]["profile_name"], NAME);
    assert_eq!(doc["contact"]["email"], EMAIL);
    assert_eq!(doc["custom_fields"][0]["key"], "shoe");
    assert_eq!(doc["custom_fields"][0]["value"], format!("{WORD}-42"));
    assert_eq!(doc["tags"][0]["name"], "vip");
    assert_eq!(doc["consent"][0]["state"], "in");
    assert_eq!(doc["notes"][0]["body"], format!("{WORD} note"));
    assert!(
        doc["audit"].as_array().is_some_and(|a| !a.is_empty()),
        "audit entries about them"
    );
    let conversation = &doc["conversations"][0];
    assert_eq!(conversation["notes"][0]["body"], format!("{WORD} internal"));
    let messages = conversation["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0]["body"], format!("hello {WORD} here"));
    assert_eq!(
        messages[0]["content"]["type"], "text",
        "content is JSON, not a string"
    );
    assert!(
        messages[0]["sent_at"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z')),
        "RFC 3339 times"
    );
    let photo = &messages[1]["media"];
    assert_eq!(photo["file"], "media/qf-photo.jpg");
    let mut stored = Vec::new();
    zip.by_name("media/qf-photo.jpg")
        .expect("the photo")
        .read_to_end(&mut stored)
        .expect("read");
    assert_eq!(stored, FILE_BYTES);
    let order = &doc["orders"][0];
    assert_eq!(order["items"][0]["product_retailer_id"], "sku-1");
    assert_eq!(order["items"][0]["quantity"], 2);
    assert!(zip.by_name("README.txt").is_ok());
    assert_eq!(app.audit_count("contact.export").await, 1);

    // The page offers the same download to admins; agents and agent keys are refused.
    let (status, kind, _) = zip_bytes(
        &mut app,
        Request::get(format!("/contacts/{id}/export.zip"))
            .body(Body::empty())
            .expect("req"),
    )
    .await;
    assert_eq!(
        (status, kind.as_deref()),
        (StatusCode::OK, Some("application/zip"))
    );
    let (_, agent_key) = key(&app, Role::Agent).await;
    let r = call(
        &mut app,
        "GET",
        &format!("/contacts/{id}/export"),
        Some(&agent_key),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    assert_eq!(
        agent
            .get(&format!("/contacts/{id}/export.zip"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit_count("contact.export").await, 2);
    let missing = call(
        &mut app,
        "GET",
        "/contacts/999999/export",
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

/// Every byte of the database file, its WAL and the media directory.
fn stored_bytes(app: &TestApp) -> Vec<(String, Vec<u8>)> {
    let db = app.state.config.db_path();
    let mut out = vec![(
        db.display().to_string(),
        std::fs::read(&db).expect("db file"),
    )];
    let wal = db.with_extension("db-wal");
    out.push((
        wal.display().to_string(),
        std::fs::read(&wal).unwrap_or_default(),
    ));
    for entry in std::fs::read_dir(app.state.config.media_dir()).expect("media dir") {
        let path = entry.expect("entry").path();
        out.push((
            path.display().to_string(),
            std::fs::read(&path).expect("file"),
        ));
    }
    out
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// Nothing of them is left, byte for byte, and no table holds a row of theirs.
async fn assert_no_trace(app: &TestApp, photo: &std::path::Path, markers: &[&str]) {
    for (file, bytes) in stored_bytes(app) {
        for m in markers {
            assert!(!contains(&bytes, m.as_bytes()), "{m} still in {file}");
        }
    }
    assert!(!photo.exists(), "the photo is gone");
    let wal = app.state.config.db_path().with_extension("db-wal");
    assert_eq!(
        std::fs::metadata(&wal).map_or(0, |m| m.len()),
        0,
        "the WAL was truncated"
    );
    for (sql, what) in [
        (
            "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'plumbusglimmer'",
            "message index",
        ),
        (
            "SELECT COUNT(*) FROM contacts_fts WHERE contacts_fts MATCH 'Quixotefrost'",
            "contact index",
        ),
        ("SELECT COUNT(*) FROM messages", "messages"),
        ("SELECT COUNT(*) FROM message_statuses", "statuses"),
        ("SELECT COUNT(*) FROM webhook_payloads", "raw payloads"),
        ("SELECT COUNT(*) FROM webhook_events", "raw events"),
        ("SELECT COUNT(*) FROM consent_events", "consent"),
        ("SELECT COUNT(*) FROM contact_notes", "notes"),
        (
            "SELECT COUNT(*) FROM conversation_notes",
            "conversation notes",
        ),
        ("SELECT COUNT(*) FROM contact_field_values", "field values"),
        ("SELECT COUNT(*) FROM contact_tags", "tag links"),
        ("SELECT COUNT(*) FROM mail_outbox", "mails"),
    ] {
        assert_eq!(app.count(sql).await, 0, "{what}");
    }
}

#[tokio::test]
async fn erasure_leaves_no_trace_in_the_database_file_its_wal_the_search_index_or_the_media_directory()
 {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let (_, admin) = key(&app, Role::Admin).await;
    let (id, photo) = seeded(&mut app, &admin).await;
    let markers = [PHONE, "Quixotefrost", "quixotefrost", EMAIL, WORD];
    // Before: every marker is stored somewhere, and search finds them.
    let before = stored_bytes(&app);
    for m in markers {
        assert!(
            before.iter().any(|(_, b)| contains(b, m.as_bytes())),
            "{m} is stored before"
        );
    }
    let search = app.get(&format!("/search?q={WORD}")).await;
    assert!(
        search.body.contains("hello"),
        "search finds the message before"
    );
    let code: String = app
        .query(|c| c.query_row("SELECT code FROM data_requests", [], |r| r.get(0)))
        .await;

    // The page explains both; erasing needs the typed word and a reason.
    let page = format!("/contacts/{id}/delete");
    let form = app.get(&page).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("Delete contact") && form.body.contains("Type ERASE to confirm"));
    assert!(
        form.body.contains(&code),
        "the open erasure request is offered"
    );
    let r = app
        .submit(
            &page,
            &format!("/contacts/{id}/erase"),
            &[("confirm", "yes"), ("reason", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("Type ERASE to confirm: erasing cannot be undone.")
    );
    assert!(r.body.contains("Say why"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts").await,
        1,
        "nothing erased"
    );
    let r = app
        .submit(
            &page,
            &format!("/contacts/{id}/erase"),
            &[
                ("confirm", "erase"),
                ("reason", "Asked by email"),
                ("request", &code),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let receipt_url = r.location().to_string();
    assert!(
        receipt_url.starts_with("/settings/erasures/"),
        "{receipt_url}"
    );

    assert_no_trace(&app, &photo, &markers).await;
    // The order stays for accounting, without the customer.
    let order: (Option<i64>, Option<i64>, String, i64) = app
        .query(|c| {
            c.query_row(
                "SELECT contact_id, conversation_id, note, total_minor FROM orders",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
        })
        .await;
    assert_eq!(order, (None, None, String::new(), 2500));
    // The receipt, the closed request and the audit entry carry no personal data.
    let receipt = app.get(&receipt_url).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(receipt.body.contains("Asked by email") && receipt.body.contains("Messages"));
    let request: (String, String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT status, action, subject FROM data_requests",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!(request.0, "done");
    assert!(request.1.starts_with("Erased; receipt "), "{}", request.1);
    assert!(
        request.2.starts_with("erased contact (receipt "),
        "{}",
        request.2
    );
    assert_eq!(app.audit_count("contact.erase").await, 1);
    let register = app.get("/settings/requests").await;
    assert!(!register.body.contains(NAME));
}

#[tokio::test]
async fn the_api_erases_with_confirmation_returns_the_receipt_and_can_delete_orders() {
    let mut app =
        TestApp::spawn_with(|c| c.privacy.erased_orders = flowcrm::config::ErasedOrders::Delete)
            .await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let (_, admin) = key(&app, Role::Admin).await;
    let (id, _) = seeded(&mut app, &admin).await;
    let path = format!("/contacts/{id}/erase");
    let (_, agent) = key(&app, Role::Agent).await;
    let refused = call(
        &mut app,
        "POST",
        &path,
        Some(&agent),
        Some(json!({"confirm": "ERASE", "reason": "x"})),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let unconfirmed = call(
        &mut app,
        "POST",
        &path,
        Some(&admin),
        Some(json!({"confirm": "no", "reason": "x"})),
    )
    .await;
    assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    let r = call(
        &mut app,
        "POST",
        &path,
        Some(&admin),
        Some(json!({"confirm": "ERASE", "reason": "Meta callback"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let receipt: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(receipt["removed"]["messages"], 3);
    assert_eq!(receipt["removed"]["media"], 1);
    assert_eq!(receipt["removed"]["orders_deleted"], 1);
    assert_eq!(receipt["orders"], "delete");
    assert_eq!(app.count("SELECT COUNT(*) FROM orders").await, 0);
    let code = receipt["code"].as_str().expect("code");
    let again = call(
        &mut app,
        "GET",
        &format!("/erasures/{code}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Value>(&again.body).expect("json")["removed"],
        receipt["removed"]
    );
    let gone = call(
        &mut app,
        "POST",
        &path,
        Some(&admin),
        Some(json!({"confirm": "ERASE", "reason": "again"})),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    // The erasure journal keeps a keyed hash of the number, never the number.
    let hashes: String = app
        .query(|c| c.query_row("SELECT hashes FROM erasures", [], |r| r.get(0)))
        .await;
    assert_eq!(hashes.len(), 64);
    assert!(!hashes.contains(PHONE));
}
