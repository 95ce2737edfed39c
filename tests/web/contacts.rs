//! Contacts: create/edit with phone normalisation, duplicates with national variants, merge,
//! list search and pagination.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn app() -> TestApp {
    app_as(Role::Agent).await
}

/// Merging, exports and imports are admins'.
async fn admin_app() -> TestApp {
    app_as(Role::Admin).await
}

async fn app_as(role: Role) -> TestApp {
    let mut app = TestApp::spawn_with(|c| c.crm.default_region = Some("BR".into())).await;
    app.logged_in_as("staff@shop.example", role).await;
    app
}

async fn create(
    app: &mut TestApp,
    name: &str,
    phone: &str,
    email: &str,
) -> crate::helpers::TestResponse {
    app.submit(
        "/contacts/new",
        "/contacts/new",
        &[("name", name), ("phone", phone), ("email", email)],
    )
    .await
}

#[tokio::test]
async fn a_national_number_is_stored_in_e164_with_the_default_region() {
    let mut app = app().await;
    let r = create(&mut app, "Ana Lima", "(11) 98888-7777", "ana@example.com").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = app.get(r.location()).await;
    assert!(page.body.contains("+5511988887777"));
    assert!(page.body.contains("ana@example.com"));
    assert!(page.body.contains("Contact created."));
}

#[tokio::test]
async fn bad_input_is_reported_per_field_and_kept() {
    let mut app = app().await;
    let r = create(&mut app, "Ana", "123", "not-an-email").await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("123 is not a valid phone number."));
    assert!(
        r.body
            .contains("Enter an email address like name@example.com.")
    );
    assert!(r.body.contains("value=\"Ana\"") && r.body.contains("value=\"not-an-email\""));
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 0);
}

/// A customer whose WhatsApp id is the old 8-digit form of a Brazilian mobile.
async fn old_form_customer_writes(app: &mut TestApp) -> i64 {
    let body =
        crate::payload::text_from("551188887777", "Ana L", "wamid.OLD1", 1_767_225_600, "oi");
    app.post_webhook(body.to_string().as_bytes()).await;
    app.count("SELECT id FROM contacts").await
}

#[tokio::test]
async fn the_same_line_in_another_national_form_is_a_duplicate() {
    let mut app = app().await;
    let existing = old_form_customer_writes(&mut app).await;
    // The business types the current 9-digit form of the same mobile.
    let dup = create(&mut app, "Ana", "(11) 98888-7777", "").await;
    assert_eq!(dup.status, StatusCode::CONFLICT);
    assert!(dup.body.contains("This number belongs to"));
    assert!(dup.body.contains(&format!("href=\"/contacts/{existing}\"")));
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
}

#[tokio::test]
async fn whatsapp_messages_from_a_variant_land_on_the_typed_contact() {
    let mut app = app().await;
    create(&mut app, "Ana", "+55 11 98888-7777", "").await;
    // WhatsApp reports this customer's wa_id without the ninth digit.
    let body = crate::payload::text_from("551188887777", "Ana L", "wamid.V1", 1_767_225_600, "oi");
    app.post_webhook(body.to_string().as_bytes()).await;
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 1);
}

#[tokio::test]
async fn merging_moves_conversations_and_keeps_details() {
    let mut app = admin_app().await;
    // A WhatsApp-only contact with a conversation.
    app.deliver("bsuid_only").await;
    let wa: i64 = app.count("SELECT id FROM contacts").await;
    let typed = create(&mut app, "Zed Shop", "+55 21 99999-0000", "zed@example.com").await;
    let typed_id: i64 = typed
        .location()
        .trim_start_matches("/contacts/")
        .parse()
        .expect("id");
    let page = app.get(&format!("/contacts/{typed_id}/edit")).await;
    let ask = app
        .post_form(
            &format!("/contacts/{typed_id}/merge"),
            &[("other", &wa.to_string()), ("csrf_token", &page.csrf())],
        )
        .await;
    assert_eq!(
        ask.location(),
        format!("/contacts/{typed_id}/merge?other={wa}"),
        "asks first"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts").await,
        2,
        "nothing merged yet"
    );
    let preview = app.get(ask.location()).await;
    assert!(
        preview.body.contains("Merged in (removed)"),
        "both side by side"
    );
    assert!(preview.body.contains("+5521999990000") && preview.body.contains("zed@example.com"));
    let r = app
        .post_form(
            &format!("/contacts/{typed_id}/merge"),
            &[
                ("other", &wa.to_string()),
                ("confirm", "1"),
                ("csrf_token", &preview.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    let (bsuid, email): (String, String) = app
        .query(|c| {
            c.query_row("SELECT bsuid, email FROM contacts", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .await;
    assert_eq!(
        (bsuid.as_str(), email.as_str()),
        ("US.13491208655302741918", "zed@example.com")
    );
    assert_eq!(
        app.count("SELECT contact_id FROM conversations").await,
        typed_id
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn editing_keeps_the_phone_unique_and_accepts_a_variant_of_its_own_number() {
    let mut app = admin_app().await;
    let a = old_form_customer_writes(&mut app).await;
    create(&mut app, "B", "+55 21 97777-6666", "").await;
    let edit = format!("/contacts/{a}/edit");
    let own_variant = app
        .submit(
            &edit,
            &edit,
            &[("name", "Ana renamed"), ("phone", "+55 11 98888-7777")],
        )
        .await;
    assert_eq!(
        own_variant.status,
        StatusCode::SEE_OTHER,
        "{}",
        own_variant.body
    );
    let phone: String = app
        .query(|c| {
            c.query_row(
                "SELECT phone FROM contacts WHERE name = 'Ana renamed'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(phone, "+551188887777", "the form WhatsApp uses is kept");
    let taken = app
        .submit(
            &edit,
            &edit,
            &[("name", "Ana"), ("phone", "+55 21 97777-6666")],
        )
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.body.contains("Merge it into this contact"));
}

#[tokio::test]
async fn search_by_name_phone_digits_and_email_with_pagination() {
    let mut app = app().await;
    create(&mut app, "Ana Lima", "+55 11 98888-7777", "ana@example.com").await;
    create(&mut app, "Bruno 100%", "+55 21 97777-6666", "").await;
    let by_name = app.get("/contacts?q=lima").await;
    assert!(by_name.body.contains("Ana Lima") && !by_name.body.contains("Bruno"));
    let by_phone = app.get("/contacts?q=97777-6666").await;
    assert!(by_phone.body.contains("Bruno") && !by_phone.body.contains("Ana Lima"));
    let by_email = app.get("/contacts?q=ana%40example").await;
    assert!(by_email.body.contains("Ana Lima"));
    let percent = app.get("/contacts?q=%25").await;
    assert!(
        percent.body.contains("Bruno") && !percent.body.contains("Ana Lima"),
        "% is literal"
    );
    let none = app.get("/contacts?q=nobody").await;
    assert!(none.body.contains("No contact matches"));
    // 60 more contacts: the first page has 50 and a link to the rest; no row twice.
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<_> {
            for i in 0..60 {
                let p = flowcrm::model::PhoneE164::from_international(&format!("55319{i:08}"))
                    .expect("phone");
                flowcrm::db::contacts::insert_manual(
                    c,
                    &format!("Bulk {i}"),
                    &p,
                    None,
                    time::OffsetDateTime::now_utc(),
                )?;
            }
            Ok(())
        })
        .await
        .expect("bulk");
    let first = app.get("/contacts").await;
    let start = first.body.find("before=").expect("next link") + 7;
    let cursor: String = first.body[start..]
        .chars()
        .take_while(|c| *c != '"')
        .collect();
    let second = app.get(&format!("/contacts?before={cursor}")).await;
    let ids = |b: &str| -> Vec<String> {
        b.match_indices("href=\"/contacts/")
            .map(|(i, _)| {
                b[i + 16..]
                    .chars()
                    .take_while(char::is_ascii_digit)
                    .collect()
            })
            .filter(|s: &String| !s.is_empty())
            .collect()
    };
    let (a, b) = (ids(&first.body), ids(&second.body));
    assert_eq!(a.len(), 50);
    assert_eq!(a.len() + b.len(), 62);
    assert!(a.iter().all(|x| !b.contains(x)));
}

#[tokio::test]
async fn contacts_export_as_csv_with_the_chosen_columns_and_filters() {
    let mut app = admin_app().await;
    create(
        &mut app,
        "=HYPERLINK(\"evil\")",
        "+55 11 98888-7777",
        "ana@example.com",
    )
    .await;
    create(&mut app, "Bruno", "+55 21 97777-6666", "").await;
    let all = app.get("/contacts/export.csv").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(
        all.header("content-disposition")
            .is_some_and(|d| d.contains("contacts.csv"))
    );
    assert_eq!(all.header("cache-control"), Some("no-store"));
    let mut lines = all.body.lines();
    assert_eq!(
        lines.next(),
        Some("name,whatsapp_name,phone,email,tags,opt_in,created_at")
    );
    assert!(
        all.body.contains("\"'=HYPERLINK(\"\"evil\"\")\""),
        "formula defused: {}",
        all.body
    );
    assert!(all.body.contains("+5511988887777"));
    let some = app
        .get("/contacts/export.csv?q=bruno&columns=phone,name")
        .await;
    assert_eq!(some.body.trim(), "name,phone\nBruno,+5521977776666");
    let bad = app.get("/contacts/export.csv?columns=password").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("Unknown column"));
    assert_eq!(app.audit_count("export.contacts").await, 2);
}

pub(crate) async fn upload_csv(
    app: &mut TestApp,
    csv: &str,
    dry_run: bool,
) -> crate::helpers::TestResponse {
    let csrf = app.get("/contacts/import").await.csrf();
    let boundary = "CsvBoundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n"
    );
    if dry_run {
        body += &[
            "--",
            boundary,
            "\r\nContent-Disposition: form-data; name=\"dry_run\"\r\n\r\n1\r\n",
        ]
        .concat();
    }
    body += &["--", boundary, "--\r\n"].concat();
    let req = axum::http::Request::post(format!("/contacts/import?csrf_token={csrf}"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(axum::body::Body::from(body))
        .expect("req");
    app.send(req).await
}

#[tokio::test]
async fn the_import_page_shows_a_dry_run_then_imports() {
    let mut app = admin_app().await;
    let csv = "nome;telefone;etiquetas\nAna;(11) 98888-7777;VIP\nRuim;abc;\n";
    let dry = upload_csv(&mut app, csv, true).await;
    assert_eq!(dry.status, StatusCode::OK);
    assert!(dry.body.contains("What would happen"));
    assert!(dry.body.contains("Line 3: phone:"), "{}", dry.body);
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 0);
    let real = upload_csv(&mut app, csv, false).await;
    assert!(real.body.contains("Imported"));
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM contact_tags").await, 1);
    let bad = upload_csv(&mut app, "city\nRio\n", false).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("No phone column found"));
}

#[tokio::test]
async fn after_a_merge_the_customers_next_message_lands_in_the_merged_conversation() {
    let mut app = admin_app().await;
    // The customer writes from WhatsApp; the business had typed them in with another number.
    let ts = flowcrm::clock::Clock::now(app.clock.as_ref()).unix_timestamp();
    let first = crate::payload::text_from("5511977770000", "Ana", "wamid.MERGE.1", ts, "Oi");
    app.post_webhook(first.to_string().as_bytes()).await;
    let wa: i64 = app.count("SELECT id FROM contacts").await;
    let typed = create(&mut app, "Ana Lima", "+55 21 99999-1111", "ana@example.com").await;
    let typed_id: i64 = typed
        .location()
        .trim_start_matches("/contacts/")
        .parse()
        .expect("id");
    let preview = app
        .get(&format!("/contacts/{typed_id}/merge?other={wa}"))
        .await;
    assert!(
        preview.body.contains("+55 11 97777-0000") || preview.body.contains("+5511977770000"),
        "the WhatsApp number is kept: {}",
        preview.body
    );
    let r = app
        .post_form(
            &format!("/contacts/{typed_id}/merge"),
            &[
                ("other", &wa.to_string()),
                ("confirm", "1"),
                ("csrf_token", &preview.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let conv: i64 = app.count("SELECT id FROM conversations").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contact_aliases").await,
        1,
        "the other number is an alias"
    );

    let next =
        crate::payload::text_from("5511977770000", "Ana", "wamid.MERGE.2", ts + 60, "Chegou?");
    assert_eq!(
        app.post_webhook(next.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts").await,
        1,
        "no new contact"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM conversations").await,
        1,
        "one conversation"
    );
    let landed: i64 = app
        .count("SELECT conversation_id FROM messages WHERE wamid = 'wamid.MERGE.2'")
        .await;
    assert_eq!(landed, conv, "in the merged contact's conversation");
    assert_eq!(
        app.count("SELECT contact_id FROM conversations").await,
        typed_id
    );
}

#[tokio::test]
async fn contact_search_ignores_accents_and_case_and_orders_are_found_by_number() {
    let mut app = admin_app().await;
    create(
        &mut app,
        "João Araújo",
        "+55 21 99999-2222",
        "joao@example.com",
    )
    .await;
    create(
        &mut app,
        "Maria Souza",
        "+55 21 99999-3333",
        "maria@example.com",
    )
    .await;
    for q in ["joao", "JOÃO", "araujo", "Araú"] {
        let page = app.get(&format!("/contacts?q={}", urlencoding(q))).await;
        assert!(page.body.contains("João Araújo"), "{q} finds João");
        assert!(!page.body.contains("Maria Souza"), "{q} finds only João");
    }
    let search = app.get("/search?q=joao").await;
    assert!(search.body.contains("João Araújo"), "the search page too");
    assert!(
        search.body.contains("/contacts?q=joao"),
        "links to the contacts list"
    );

    app.deliver("order").await;
    let order = app.count("SELECT id FROM orders").await;
    let found = app.get(&format!("/search?q=%23{order}")).await;
    assert!(
        found.body.contains(&format!("href=\"/orders/{order}\"")),
        "{}",
        found.body
    );
}

fn urlencoding(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn only_admins_see_the_merge_preview() {
    let mut app = admin_app().await;
    let a = create(&mut app, "Ana", "+55 21 99999-4444", "a@example.com").await;
    let b = create(&mut app, "Bia", "+55 21 99999-5555", "b@example.com").await;
    let (a, b) = (a.location().to_string(), b.location().to_string());
    let b_id = b.trim_start_matches("/contacts/");
    let mut agent = app.other_browser();
    agent.logged_in_as("agent@shop.example", Role::Agent).await;
    let refused = agent.get(&format!("{a}/merge?other={b_id}")).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get(&format!("{a}/merge?other={b_id}")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts").await,
        2,
        "a preview changes nothing"
    );
}
