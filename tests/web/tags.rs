//! Tags: create with colour, validation, bulk tagging, filtering, conversation tags, merge.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn tag(app: &mut TestApp, name: &str, color: &str) -> crate::helpers::TestResponse {
    app.submit("/tags", "/tags", &[("name", name), ("color", color)])
        .await
}

async fn contact(app: &mut TestApp, name: &str, phone: &str) -> i64 {
    let r = app
        .submit(
            "/contacts/new",
            "/contacts/new",
            &[("name", name), ("phone", phone)],
        )
        .await;
    r.location()
        .trim_start_matches("/contacts/")
        .parse()
        .expect("id")
}

#[tokio::test]
async fn tags_are_created_with_colours_and_validated() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    assert_eq!(
        tag(&mut app, "VIP", "purple").await.status,
        StatusCode::SEE_OTHER
    );
    let dup = tag(&mut app, "vip", "red").await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup.body.contains("A tag with this name exists."));
    let bad = tag(&mut app, "x", "pink").await;
    assert!(bad.body.contains("Choose one of the colours."));
    let empty = tag(&mut app, "  ", "red").await;
    assert!(empty.body.contains("Use 1 to 40 characters."));
    let page = app.get("/tags").await;
    assert!(page.body.contains("tag tag-purple") && page.body.contains("VIP"));
    // Agents cannot delete tags.
    let id: i64 = app.count("SELECT id FROM tags").await;
    let r = app
        .submit("/tags", &format!("/tags/{id}/delete"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bulk_tagging_filters_and_untagging() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    tag(&mut app, "Wholesale", "blue").await;
    let t: i64 = app.count("SELECT id FROM tags").await;
    let a = contact(&mut app, "Ana", "+55 11 98888-7777").await;
    let b = contact(&mut app, "Bruno", "+55 21 97777-6666").await;
    contact(&mut app, "Caio", "+55 31 96666-5555").await;
    let csrf = app.get("/contacts").await.csrf();
    let (a_s, b_s, t_s) = (a.to_string(), b.to_string(), t.to_string());
    let r = app
        .post_form(
            "/contacts/tags",
            &[
                ("tag", &t_s),
                ("action", "add"),
                ("contact", &a_s),
                ("contact", &b_s),
                ("back", "/contacts"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(app.count("SELECT COUNT(*) FROM contact_tags").await, 2);
    let filtered = app.get(&format!("/contacts?tag={t}")).await;
    assert!(
        filtered.body.contains("Ana")
            && filtered.body.contains("Bruno")
            && !filtered.body.contains("Caio")
    );
    assert!(filtered.body.contains("Tag added to 2 contact(s)."));
    app.post_form(
        "/contacts/tags",
        &[
            ("tag", &t_s),
            ("action", "remove"),
            ("contact", &a_s),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(app.count("SELECT COUNT(*) FROM contact_tags").await, 1);
    let none = app
        .post_form(
            "/contacts/tags",
            &[("tag", &t_s), ("action", "add"), ("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert!(
        app.get("/contacts")
            .await
            .body
            .contains("Choose at least one contact.")
    );
}

#[tokio::test]
async fn conversations_can_be_tagged_and_merges_keep_contact_tags() {
    let mut app = TestApp::spawn().await;
    app.deliver("bsuid_only").await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    tag(&mut app, "Follow up", "orange").await;
    let t: i64 = app.count("SELECT id FROM tags").await;
    let conv: i64 = app.count("SELECT id FROM conversations").await;
    let page = app.get(&format!("/conversations/{conv}")).await;
    let r = app
        .post_form(
            &format!("/conversations/{conv}/tags"),
            &[
                ("tag", &t.to_string()),
                ("action", "add"),
                ("csrf_token", &page.csrf()),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(&format!("/conversations/{conv}"))
            .await
            .body
            .contains("Remove tag Follow up")
    );
    // Tag the WhatsApp contact, then merge it into a typed one: the tag moves along.
    let wa: i64 = app.count("SELECT id FROM contacts").await;
    let csrf = app.get("/contacts").await.csrf();
    app.post_form(
        "/contacts/tags",
        &[
            ("tag", &t.to_string()),
            ("action", "add"),
            ("contact", &wa.to_string()),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    let typed = contact(&mut app, "Zed", "+55 21 99999-0000").await;
    app.post_form(
        &format!("/contacts/{typed}/merge"),
        &[
            ("other", &wa.to_string()),
            ("confirm", "1"),
            ("csrf_token", &csrf),
        ],
    )
    .await;
    assert_eq!(
        app.count("SELECT contact_id FROM contact_tags").await,
        typed
    );
}
