//! Restriction of processing (privacy promise "restriction / objection"): admins set it on the
//! contact page or the API (audited, in the contact's history); the list shows a badge and
//! filters on it; list exports leave the contact out; agents cannot change it. The use-case
//! check later features call is tested in `crm::subject::restrict`.

use crate::api::{call, key};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;
use serde_json::{Value, json};

async fn two_contacts(app: &mut TestApp, admin: &str) -> (i64, i64) {
    let mut ids = Vec::new();
    for (name, phone) in [
        ("Rita Objecta", "+351919000301"),
        ("Bruno Livre", "+351919000302"),
    ] {
        let r = call(
            app,
            "POST",
            "/contacts",
            Some(admin),
            Some(json!({"name": name, "phone": phone})),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let v: Value = serde_json::from_str(&r.body).expect("json");
        assert_eq!(v["restricted"], false);
        ids.push(v["id"].as_i64().expect("id"));
    }
    (ids[0], ids[1])
}

/// Agents may not restrict, on the page or through the API; nothing changes.
async fn agents_cannot_restrict(app: &mut TestApp, rita: i64) {
    let page = format!("/contacts/{rita}");
    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let r = agent
        .submit(
            &page,
            &format!("/contacts/{rita}/restrict"),
            &[("restricted", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let (_, agent_key) = key(app, Role::Agent).await;
    let r = call(
        app,
        "PATCH",
        &page,
        Some(&agent_key),
        Some(json!({"restricted": true, "name": "Changed"})),
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let stored: (Option<i64>, String) = app
        .query(move |c| {
            c.query_row(
                "SELECT restricted_at, name FROM contacts WHERE id = ?1",
                [rita],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(
        stored,
        (None, "Rita Objecta".to_string()),
        "a refusal changes nothing"
    );
}

#[tokio::test]
async fn admins_restrict_processing_the_list_shows_it_and_exports_leave_the_contact_out() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let (_, admin) = key(&app, Role::Admin).await;
    let (rita, _) = two_contacts(&mut app, &admin).await;
    let page = format!("/contacts/{rita}");
    assert!(app.get(&page).await.body.contains("Restrict processing"));

    agents_cannot_restrict(&mut app, rita).await;

    let r = app
        .submit(
            &page,
            &format!("/contacts/{rita}/restrict"),
            &[("restricted", "true")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = app.get(&page).await.body;
    assert!(shown.contains("processing restricted") && shown.contains("Lift the restriction"));
    assert!(
        shown.contains("Processing restricted"),
        "in the contact's history"
    );
    assert_eq!(app.audit_count("contact.restrict").await, 1);
    let list = app.get("/contacts").await.body;
    assert!(list.contains(">restricted</span>"), "badge on the list");
    let only = app.get("/contacts?restricted=true").await.body;
    assert!(only.contains("Rita Objecta") && !only.contains("Bruno Livre"));
    let others = app.get("/contacts?restricted=false").await.body;
    assert!(!others.contains("Rita Objecta") && others.contains("Bruno Livre"));

    // List exports leave them out, whatever the filter asks.
    let csv = app.get("/contacts/export.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        !csv.body.contains("Rita Objecta") && csv.body.contains("Bruno Livre"),
        "{}",
        csv.body
    );
    let asked = app.get("/contacts/export.csv?restricted=true").await;
    assert!(!asked.body.contains("Rita Objecta"));

    // The API shows and lifts it (admin keys).
    let got = call(&mut app, "GET", &page, Some(&admin), None).await;
    assert_eq!(
        serde_json::from_str::<Value>(&got.body).expect("json")["restricted"],
        true
    );
    let listed = call(
        &mut app,
        "GET",
        "/contacts?restricted=true",
        Some(&admin),
        None,
    )
    .await;
    let listed: Value = serde_json::from_str(&listed.body).expect("json");
    assert_eq!(listed["data"].as_array().map(Vec::len), Some(1));
    let unrestricted = call(
        &mut app,
        "PATCH",
        &page,
        Some(&admin),
        Some(json!({"restricted": false})),
    )
    .await;
    assert_eq!(unrestricted.status, StatusCode::OK, "{}", unrestricted.body);
    assert_eq!(
        serde_json::from_str::<Value>(&unrestricted.body).expect("json")["restricted"],
        false
    );
    assert_eq!(app.audit_count("contact.unrestrict").await, 1);
    assert!(
        app.get("/contacts/export.csv")
            .await
            .body
            .contains("Rita Objecta")
    );
}
