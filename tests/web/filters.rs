//! One meaning of a contacts query: for a table of cases the contacts page, the JSON API and the
//! CSV export select the same contacts in the same order (`crm::filters`), and a damaged saved
//! segment is a clear error on all three, never "everyone".

use crate::api::{call, key};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;
use serde_json::{Value, json};

async fn api(app: &mut TestApp, k: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let r = call(app, method, path, Some(k), body).await;
    assert!(
        r.status.is_success(),
        "{method} {path}: {} {}",
        r.status,
        r.body
    );
    serde_json::from_str(&r.body).unwrap_or(Value::Null)
}

/// Six contacts (created a minute apart), tags VIP and Late, a `tier` field, and a segment
/// "VIP by name" (`tag_all=VIP&sort=name`). Returns the app, an admin key, the tag ids and the
/// segment id.
async fn shop() -> (TestApp, String, i64, i64, i64) {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let (_, k) = key(&app, Role::Admin).await;
    let field =
        json!({"key": "tier", "label": "Tier", "kind": "select", "options": ["Gold", "Silver"]});
    api(&mut app, &k, "POST", "/custom-fields", Some(field)).await;
    let vip = api(&mut app, &k, "POST", "/tags", Some(json!({"name": "VIP"}))).await["id"]
        .as_i64()
        .expect("tag");
    let late = api(&mut app, &k, "POST", "/tags", Some(json!({"name": "Late"}))).await["id"]
        .as_i64()
        .expect("tag");
    let people = [
        ("Ana Souza", "+5511900000001", "Gold", &[vip][..]),
        ("Bruno Lima", "+5511900000002", "Silver", &[vip, late][..]),
        ("Carla Ana Dias", "+5511900000003", "Gold", &[late][..]),
        ("Diana Reis", "+5511900000004", "Gold", &[vip][..]),
        ("Eva Ana Melo", "+5511900000005", "Silver", &[vip][..]),
        ("Fabio Ramos", "+5511900000006", "Gold", &[][..]),
    ];
    for (name, phone, tier, tags) in people {
        let body = json!({"name": name, "phone": phone, "fields": {"tier": tier}});
        let id = api(&mut app, &k, "POST", "/contacts", Some(body)).await["id"]
            .as_i64()
            .expect("id");
        for t in tags {
            api(
                &mut app,
                &k,
                "PUT",
                &format!("/contacts/{id}/tags/{t}"),
                None,
            )
            .await;
        }
        app.clock.advance(time::Duration::minutes(1));
    }
    let r = app
        .submit(
            "/contacts",
            "/segments",
            &[
                ("name", "VIP by name"),
                ("query", &format!("tag_all={vip}&sort=name")),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let seg = app.count("SELECT id FROM segments").await;
    (app, k, vip, late, seg)
}

/// Contact phones in the order each door lists them.
async fn three_doors(app: &mut TestApp, k: &str, query: &str) -> [Vec<String>; 3] {
    let page = app.get(&format!("/contacts?{query}")).await;
    assert_eq!(page.status, StatusCode::OK, "page {query}: {}", page.body);
    let ids: Vec<i64> = page
        .body
        .split("<td><a href=\"/contacts/")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect();
    let all = api(app, k, "GET", "/contacts?limit=200", None).await;
    let phone_of = |id: i64| {
        all["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|c| c["id"] == id)
            .and_then(|c| c["phone"].as_str())
            .expect("phone")
            .to_string()
    };
    let from_page = ids.into_iter().map(phone_of).collect();
    let listed = api(app, k, "GET", &format!("/contacts?{query}&limit=200"), None).await;
    let from_api = listed["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|c| c["phone"].as_str().expect("phone").to_string())
        .collect();
    let csv = app
        .get(&format!("/contacts/export.csv?{query}&columns=phone"))
        .await;
    assert_eq!(csv.status, StatusCode::OK, "export {query}: {}", csv.body);
    let from_export = csv.body.lines().skip(1).map(str::to_string).collect();
    [from_page, from_api, from_export]
}

#[tokio::test]
async fn the_page_the_api_and_the_export_select_the_same_contacts_in_the_same_order() {
    let (mut app, k, vip, late, seg) = shop().await;
    let p = |n: u8| format!("+551190000000{n}");
    let cases: Vec<(String, Vec<String>)> = vec![
        // The segment alone keeps its saved sort (name).
        (format!("segment={seg}"), vec![p(1), p(2), p(4), p(5)]),
        // A search narrows the segment (it used to be ignored by the page or drop `q` in the API).
        (format!("segment={seg}&q=ana"), vec![p(1), p(4), p(5)]),
        // A sort in the query wins over the saved one.
        (
            format!("segment={seg}&sort=oldest"),
            vec![p(1), p(2), p(4), p(5)],
        ),
        (
            format!("segment={seg}&sort=newest"),
            vec![p(5), p(4), p(2), p(1)],
        ),
        // Conditions in the query add to the segment's.
        (format!("segment={seg}&tag_all={late}"), vec![p(2)]),
        // Search, tags and a custom field together.
        (
            format!("q=ana&tag={late}&tag={vip}&field=tier:eq:Gold"),
            vec![p(4), p(3), p(1)],
        ),
        (
            "field=tier:eq:Silver&sort=name".to_string(),
            vec![p(2), p(5)],
        ),
    ];
    for (query, want) in cases {
        let [page, api_list, export] = three_doors(&mut app, &k, &query).await;
        assert_eq!(page, want, "page: {query}");
        assert_eq!(api_list, want, "api: {query}");
        assert_eq!(export, want, "export: {query}");
    }
}

#[tokio::test]
async fn bad_conditions_are_notices_on_the_page_and_refusals_in_the_api_and_the_export() {
    let (mut app, k, _, _, _) = shop().await;
    for query in [
        "field=colour:eq:red",
        "segment=999",
        "opt_in=maybe",
        "segment=abc",
    ] {
        let page = app.get(&format!("/contacts?{query}")).await;
        assert_eq!(page.status, StatusCode::BAD_REQUEST, "page {query}");
        let r = call(
            &mut app,
            "GET",
            &format!("/contacts?{query}"),
            Some(&k),
            None,
        )
        .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "api {query}: {}",
            r.body
        );
        let csv = app.get(&format!("/contacts/export.csv?{query}")).await;
        assert_eq!(csv.status, StatusCode::BAD_REQUEST, "export {query}");
    }
}

#[tokio::test]
async fn a_damaged_saved_segment_is_a_clear_error_on_every_door_never_everyone() {
    let (mut app, k, _, _, seg) = shop().await;
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<()> {
            c.execute(
                "UPDATE segments SET filter = '{\"tags_all\": [' WHERE id = ?1",
                [seg],
            )?;
            Ok(())
        })
        .await
        .expect("damage");
    let page = app.get(&format!("/contacts?segment={seg}")).await;
    assert_eq!(page.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(
        page.body.contains("saved segment filter cannot be read"),
        "{}",
        page.body
    );
    assert!(!page.body.contains("+5511900000006"), "nobody is listed");
    let r = call(
        &mut app,
        "GET",
        &format!("/contacts?segment={seg}"),
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(r.body.contains("corrupt"), "{}", r.body);
    let csv = app
        .get(&format!("/contacts/export.csv?segment={seg}"))
        .await;
    assert_eq!(csv.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert!(!csv.body.contains("+5511900000006"), "nothing exported");
    let list = app.get("/segments").await;
    assert_eq!(list.status, StatusCode::OK, "the list still opens");
    assert!(list.body.contains("Damaged"), "{}", list.body);
}
