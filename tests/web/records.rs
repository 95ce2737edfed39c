//! Custom fields, consent, notes, segments and the contacts filter.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::clock::Clock;
use flowcrm::model::Role;

async fn admin() -> TestApp {
    let mut app = TestApp::spawn_with(|c| c.crm.default_region = Some("BR".into())).await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    app
}

async fn contact(app: &mut TestApp, name: &str, phone: &str) -> i64 {
    let r = app
        .submit(
            "/contacts/new",
            "/contacts/new",
            &[("name", name), ("phone", phone), ("email", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    r.location()
        .trim_start_matches("/contacts/")
        .parse()
        .expect("id")
}

async fn field(app: &mut TestApp, key: &str, label: &str, kind: &str, options: &str) {
    let r = app
        .submit(
            "/settings/fields",
            "/settings/fields",
            &[
                ("key", key),
                ("label", label),
                ("kind", kind),
                ("options", options),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

async fn set(app: &mut TestApp, id: i64, values: &[(&str, &str)]) -> crate::helpers::TestResponse {
    let page = format!("/contacts/{id}");
    let fields: Vec<(String, &str)> = values
        .iter()
        .map(|(k, v)| (format!("field.{k}"), *v))
        .collect();
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    app.submit(&page, &format!("{page}/fields"), &refs).await
}

/// Names of the contacts a list page shows, in order.
fn names(body: &str) -> Vec<String> {
    body.split("<td><a href=\"/contacts/")
        .skip(1)
        .filter_map(|s| {
            s.split_once('>')
                .and_then(|(_, r)| r.split_once('<'))
                .map(|(n, _)| n.to_string())
        })
        .collect()
}

#[tokio::test]
async fn fields_are_defined_by_admins_with_checked_keys() {
    let mut app = admin().await;
    field(&mut app, "tier", "Loyalty tier", "select", "Gold\nSilver").await;
    let bad = app
        .submit(
            "/settings/fields",
            "/settings/fields",
            &[
                ("key", "Bad Key"),
                ("label", ""),
                ("kind", "select"),
                ("options", ""),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body
            .contains("a lower-case letter, then letters, digits or _")
    );
    assert!(bad.body.contains("Use 1 to 60 characters."));
    assert!(bad.body.contains("A select field needs 1 to 100 options"));
    let dup = app
        .submit(
            "/settings/fields",
            "/settings/fields",
            &[("key", "tier"), ("label", "Tier"), ("kind", "text")],
        )
        .await;
    assert!(dup.body.contains("Another field has this key."));
    let reserved = app
        .submit(
            "/settings/fields",
            "/settings/fields",
            &[("key", "email"), ("label", "E"), ("kind", "text")],
        )
        .await;
    assert!(reserved.body.contains("built-in contact column"));
    assert_eq!(app.count("SELECT COUNT(*) FROM custom_fields").await, 1);
    assert_eq!(app.audit_count("field.create").await, 1);

    let mut agent = app.other_browser();
    agent.logged_in_as("agent@shop.example", Role::Agent).await;
    assert_eq!(
        agent.get("/settings/fields").await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn values_are_validated_by_kind_and_nothing_is_saved_on_error() {
    let mut app = admin().await;
    field(&mut app, "tier", "Loyalty tier", "select", "Gold\nSilver").await;
    field(&mut app, "spent", "Total spent", "number", "").await;
    field(&mut app, "birthday", "Birthday", "date", "").await;
    field(&mut app, "vip", "VIP", "checkbox", "").await;
    let id = contact(&mut app, "Ana", "11 98888-7777").await;

    let bad = set(
        &mut app,
        id,
        &[
            ("tier", "Gold"),
            ("spent", "lots"),
            ("birthday", "31/02/2026"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.body.contains("Total spent: Use a number"),
        "{}",
        bad.body
    );
    assert!(bad.body.contains("Birthday: Use a date as YYYY-MM-DD"));
    assert!(bad.body.contains("value=\"lots\""), "typed value kept");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contact_field_values").await,
        0
    );

    let ok = set(
        &mut app,
        id,
        &[
            ("tier", "gold"),
            ("spent", "1.250,50"),
            ("birthday", "1990-05-17"),
            ("vip", "false"),
            ("vip", "true"),
        ],
    )
    .await;
    // "1.250,50" has a dot, so the comma is not a decimal comma: refused, not guessed.
    assert_eq!(ok.status, StatusCode::UNPROCESSABLE_ENTITY);
    let ok = set(
        &mut app,
        id,
        &[
            ("tier", "gold"),
            ("spent", "1250,50"),
            ("birthday", "1990-05-17"),
            ("vip", "false"),
            ("vip", "true"),
        ],
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let values: Vec<(String, String)> = app
        .query(|c| {
            let mut s = c.prepare(
                "SELECT f.key, v.value FROM contact_field_values v JOIN custom_fields f ON f.id = v.field_id ORDER BY f.key",
            )?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect()
        })
        .await;
    let want = [
        ("birthday", "1990-05-17"),
        ("spent", "1250.5"),
        ("tier", "Gold"),
        ("vip", "true"),
    ];
    assert_eq!(
        values,
        want.iter()
            .map(|(a, b)| ((*a).to_string(), (*b).to_string()))
            .collect::<Vec<_>>()
    );
    let page = app.get(&format!("/contacts/{id}")).await;
    assert!(page.body.contains("value=\"1250.5\""));
    assert_eq!(app.audit_count("contact.fields").await, 1);
    // Clearing a value deletes it.
    set(&mut app, id, &[("spent", "")]).await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contact_field_values").await,
        3
    );
}

#[tokio::test]
async fn the_list_filters_by_custom_fields() {
    let mut app = admin().await;
    field(&mut app, "tier", "Tier", "select", "Gold\nSilver").await;
    field(&mut app, "spent", "Spent", "number", "").await;
    let ana = contact(&mut app, "Ana", "11 98888-7777").await;
    let bia = contact(&mut app, "Bia", "11 97777-6666").await;
    let caio = contact(&mut app, "Caio", "11 96666-5555").await;
    set(&mut app, ana, &[("tier", "Gold"), ("spent", "900")]).await;
    set(&mut app, bia, &[("tier", "Silver"), ("spent", "95.5")]).await;
    set(&mut app, caio, &[("tier", "Gold")]).await;

    let gold = app.get("/contacts?field=tier:eq:gold").await;
    assert_eq!(names(&gold.body), ["Caio", "Ana"]);
    assert!(gold.body.contains("<strong>2</strong> contacts match"));
    // Numbers compare as numbers (95.5 < 100 < 900), not as text.
    let big = app.get("/contacts?field=spent:gt:100").await;
    assert_eq!(names(&big.body), ["Ana"]);
    let small = app.get("/contacts?field=spent:lt:100").await;
    assert_eq!(names(&small.body), ["Bia"]);
    let unset = app.get("/contacts?field=spent:unset:").await;
    assert_eq!(names(&unset.body), ["Caio"]);
    let not_gold = app.get("/contacts?field=tier:ne:Gold").await;
    assert_eq!(names(&not_gold.body), ["Bia"]);
    // The page's own "add a condition" inputs.
    let added = app
        .get("/contacts?field_key=tier&field_op=eq&field_value=Silver")
        .await;
    assert_eq!(names(&added.body), ["Bia"]);

    // Bad filters are reported, the rest still applies.
    let bad = app
        .get("/contacts?field=nope:eq:1&inbound_days=0&sort=name")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    assert!(bad.body.contains("There is no custom field"));
    assert!(bad.body.contains("Use a whole number of days"));
    assert_eq!(names(&bad.body), ["Ana", "Bia", "Caio"]);
}

#[tokio::test]
async fn the_list_filters_by_tags_opt_in_orders_and_recent_messages() {
    let mut app = admin().await;
    let ana = contact(&mut app, "Ana", "11 98888-7777").await;
    let bia = contact(&mut app, "Bia", "11 97777-6666").await;
    let caio = contact(&mut app, "Caio", "11 96666-5555").await;
    // Opt-in with its source in a ledger.
    let r = app
        .submit(
            &format!("/contacts/{bia}"),
            &format!("/contacts/{bia}/consent"),
            &[("state", "in"), ("source", "paper form at the shop")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.submit(
        &format!("/contacts/{caio}"),
        &format!("/contacts/{caio}/consent"),
        &[("state", "out"), ("source", "")],
    )
    .await;
    assert_eq!(names(&app.get("/contacts?opt_in=in").await.body), ["Bia"]);
    assert_eq!(names(&app.get("/contacts?opt_in=out").await.body), ["Caio"]);
    assert_eq!(
        names(&app.get("/contacts?opt_in=unknown").await.body),
        ["Ana"]
    );
    let page = app.get(&format!("/contacts/{bia}")).await;
    assert!(page.body.contains("Opted in (paper form at the shop)"));
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_events").await, 2);

    // Tags: any of / all of.
    let vip: i64 = {
        app.submit("/tags", "/tags", &[("name", "VIP"), ("color", "red")])
            .await;
        app.submit(
            "/tags",
            "/tags",
            &[("name", "Wholesale"), ("color", "blue")],
        )
        .await;
        app.count("SELECT id FROM tags WHERE name = 'VIP'").await
    };
    let wholesale = app
        .count("SELECT id FROM tags WHERE name = 'Wholesale'")
        .await;
    let (vip, wholesale) = (vip.to_string(), wholesale.to_string());
    let (ana, bia) = (ana.to_string(), bia.to_string());
    for (tag, who) in [(&vip, &ana), (&wholesale, &ana), (&vip, &bia)] {
        app.submit(
            "/contacts",
            "/contacts/tags",
            &[
                ("tag", tag),
                ("contact", who),
                ("action", "add"),
                ("back", "/contacts"),
            ],
        )
        .await;
    }
    let any = app
        .get(&format!("/contacts?tag={vip}&tag={wholesale}"))
        .await;
    assert_eq!(names(&any.body), ["Bia", "Ana"]);
    let all = app
        .get(&format!("/contacts?tag_all={vip}&tag_all={wholesale}"))
        .await;
    assert_eq!(names(&all.body), ["Ana"]);

    // Orders and recent messages: Ana (the fixture's number) writes and sends a cart.
    app.deliver("order").await;
    let with_orders = app.get("/contacts?has_orders=true").await;
    assert_eq!(names(&with_orders.body), ["Ana"]);
    assert_eq!(
        names(&app.get("/contacts?has_orders=false").await.body),
        ["Caio", "Bia"]
    );
    let recent = app.get("/contacts?inbound_days=36500").await;
    assert_eq!(recent.status, StatusCode::BAD_REQUEST, "over the limit");
    // The cart was sent on the fixture's date; "within N days" counts back from now.
    let sent = app.count("SELECT last_inbound_at FROM conversations").await;
    let days_ago = (app.clock.now().unix_timestamp() - sent) / 86_400;
    let within = app
        .get(&format!("/contacts?inbound_days={}", days_ago + 1))
        .await;
    assert_eq!(names(&within.body), ["Ana"]);
    assert!(days_ago > 2, "the fixture is dated 2026-01-01");
    let before = app
        .get(&format!("/contacts?inbound_days={}", days_ago - 1))
        .await;
    assert!(names(&before.body).is_empty());
}

#[tokio::test]
async fn sorting_by_name_pages_without_gaps_or_repeats() {
    let mut app = admin().await;
    for i in 0..120 {
        let name = format!("Cliente {:03}", (i * 37) % 120);
        contact(
            &mut app,
            &name,
            &format!("11 9{:04}-{:04}", 1000 + i, 2000 + i),
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut url = "/contacts?sort=name".to_string();
    loop {
        let page = app.get(&url).await;
        seen.extend(names(&page.body));
        let Some(next) = page.body.split("&amp;before=").nth(1) else {
            break;
        };
        let cursor = next.split('"').next().expect("cursor");
        url = format!("/contacts?sort=name&before={cursor}");
    }
    let want: Vec<String> = (0..120).map(|i| format!("Cliente {i:03}")).collect();
    assert_eq!(seen, want);
}

#[tokio::test]
async fn segments_save_a_filter_with_a_live_count_and_export_it() {
    let mut app = admin().await;
    field(&mut app, "tier", "Tier", "select", "Gold\nSilver").await;
    let ana = contact(&mut app, "Ana", "11 98888-7777").await;
    contact(&mut app, "Bia", "11 97777-6666").await;
    set(&mut app, ana, &[("tier", "Gold")]).await;

    let r = app
        .submit(
            "/contacts?field=tier:eq:Gold",
            "/segments",
            &[
                ("name", "Gold customers"),
                ("query", "field=tier%3Aeq%3AGold"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let seg = app.count("SELECT id FROM segments").await;
    assert_eq!(r.location(), format!("/contacts?segment={seg}"));
    let list = app.get("/segments").await;
    assert!(list.body.contains("Gold customers"));
    assert!(list.body.contains("<td>1</td>"), "{}", list.body);
    // The count is live: a new gold customer shows up.
    let caio = contact(&mut app, "Caio", "11 96666-5555").await;
    set(&mut app, caio, &[("tier", "Gold")]).await;
    assert!(app.get("/segments").await.body.contains("<td>2</td>"));
    assert_eq!(
        names(&app.get(&format!("/contacts?segment={seg}")).await.body),
        ["Caio", "Ana"]
    );
    let csv = app
        .get(&format!(
            "/contacts/export.csv?segment={seg}&columns=name,tier"
        ))
        .await;
    assert_eq!(csv.body.trim(), "name,tier\nCaio,Gold\nAna,Gold");

    // A name in use and an empty filter are refused with a message.
    let dup = app
        .submit(
            "/contacts",
            "/segments",
            &[("name", "gold CUSTOMERS"), ("query", "q=a")],
        )
        .await;
    assert_eq!(dup.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(dup.location())
            .await
            .body
            .contains("A segment with this name exists")
    );
    let empty = app
        .submit("/contacts", "/segments", &[("name", "All"), ("query", "")])
        .await;
    assert!(
        app.get(empty.location())
            .await
            .body
            .contains("Choose a search or a filter first")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM segments").await, 1);
}

#[tokio::test]
async fn merge_moves_orders_notes_fields_and_consent() {
    let mut app = admin().await;
    field(&mut app, "tier", "Tier", "text", "").await;
    // The cart's customer becomes a contact with an order.
    app.deliver("order").await;
    let from = app.count("SELECT id FROM contacts").await;
    let keep = contact(&mut app, "Ana", "11 91234-5678").await;
    set(&mut app, from, &[("tier", "Gold")]).await;
    app.clock.advance(time::Duration::seconds(1));
    app.submit(
        &format!("/contacts/{from}"),
        &format!("/contacts/{from}/notes"),
        &[("body", "Prefers pickup <b>on Fridays</b>")],
    )
    .await;
    app.clock.advance(time::Duration::seconds(1));
    app.submit(
        &format!("/contacts/{from}"),
        &format!("/contacts/{from}/consent"),
        &[("state", "in"), ("source", "WhatsApp keyword")],
    )
    .await;
    let r = app
        .submit(
            &format!("/contacts/{keep}"),
            &format!("/contacts/{keep}/merge"),
            &[("other", &from.to_string()), ("confirm", "1")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let owner = format!("SELECT COUNT(*) FROM orders WHERE contact_id = {keep}");
    let n: i64 = app
        .query(move |c| c.query_row(&owner, [], |r| r.get(0)))
        .await;
    assert_eq!(n, 1, "the order moved");
    let page = app.get(&format!("/contacts/{keep}")).await;
    assert!(
        page.body
            .contains("Prefers pickup &#60;b&#62;on Fridays&#60;/b&#62;")
            || page
                .body
                .contains("Prefers pickup &lt;b&gt;on Fridays&lt;/b&gt;"),
        "note moved and inert"
    );
    assert!(page.body.contains("value=\"Gold\""));
    assert!(page.body.contains("opted in"));
    assert!(page.body.contains("Order #"));
    // The timeline tells the story newest first: the note, the consent, the cart, the start.
    let timeline = page
        .body
        .split("<h2>Timeline</h2>")
        .nth(1)
        .expect("timeline");
    let at = |s: &str| {
        timeline
            .find(s)
            .unwrap_or_else(|| panic!("{s} in timeline"))
    };
    assert!(at("Opted in (WhatsApp keyword)") < at("Note: Prefers pickup"));
    assert!(at("Note: Prefers pickup") < at("Became a contact"));
    assert!(timeline.contains("Customer: "), "the cart message");
    assert!(timeline.contains("Order #"));
}

#[tokio::test]
async fn import_sets_custom_fields_and_opt_in_with_its_source() {
    let mut app = admin().await;
    field(&mut app, "tier", "Loyalty tier", "select", "Gold\nSilver").await;
    field(&mut app, "spent", "Spent", "number", "").await;
    let csv = "name,phone,Loyalty tier,spent,opt_in,opt_in_source\n\
               Ana,(11) 98888-7777,gold,10,yes,Signup form 2026\n\
               Bia,(11) 97777-6666,,,no,\n\
               Caio,(11) 96666-5555,Bronze,,,\n\
               Duda,(11) 95555-4444,,abc,,\n\
               Eva,(11) 94444-3333,,,maybe,\n";
    let dry = crate::contacts::upload_csv(&mut app, csv, true).await;
    assert!(
        dry.body
            .contains("Line 4: tier: Choose one of: Gold, Silver."),
        "{}",
        dry.body
    );
    assert!(dry.body.contains("Line 5: spent: Use a number"));
    assert!(
        dry.body
            .contains("Line 6: opt-in: `maybe` is not yes or no")
    );
    assert!(dry.body.contains("<dt>Opt-in/out changes</dt><dd>2</dd>"));
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_events").await, 0);

    let real = crate::contacts::upload_csv(&mut app, csv, false).await;
    assert!(real.body.contains("Imported"));
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 2);
    let ledger: Vec<(String, String, String)> = app
        .query(|c| {
            let mut s = c.prepare(
                "SELECT k.name, e.state, e.source FROM consent_events e JOIN contacts k ON k.id = e.contact_id ORDER BY k.name",
            )?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?.collect()
        })
        .await;
    assert_eq!(
        ledger,
        [
            ("Ana".into(), "in".into(), "Signup form 2026".into()),
            ("Bia".into(), "out".into(), "CSV import, line 3".into())
        ]
    );
    assert_eq!(
        names(
            &app.get("/contacts?field=tier:eq:Gold&field=spent:gt:9.99")
                .await
                .body
        ),
        ["Ana"]
    );
    // Importing again changes nothing and records no new consent.
    let again = crate::contacts::upload_csv(&mut app, csv, false).await;
    assert!(again.body.contains("<dt>Opt-in/out changes</dt><dd>0</dd>"));
    assert_eq!(app.count("SELECT COUNT(*) FROM consent_events").await, 2);

    // A dry run of changes lists each field as old → new, and every problem of a bad row.
    let changed = "name,phone,email,Loyalty tier,spent,opt_in\n\
                   Ana Lima,(11) 98888-7777,ana@example.com,Silver,10,\n\
                   Bia,(11) 97777-6666,,,,yes\n\
                   Zoe,12,not-an-email,Bronze,abc,maybe\n";
    let dry = crate::contacts::upload_csv(&mut app, changed, true).await;
    assert!(
        dry.body.contains("name: Ana → Ana Lima; email: <span class=\"muted\">(empty)</span> → ana@example.com; Loyalty tier: Gold → Silver"),
        "{}",
        dry.body
    );
    assert!(dry.body.contains("opt-in: out → in"), "{}", dry.body);
    let line4 = dry
        .body
        .lines()
        .find(|l| l.contains("Line 4:"))
        .unwrap_or_default()
        .to_string();
    for problem in ["phone:", "email:", "tier:", "spent:", "opt-in:"] {
        assert!(line4.contains(problem), "every problem of the row: {line4}");
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts WHERE name = 'Ana Lima'")
            .await,
        0,
        "a dry run"
    );
}

#[tokio::test]
async fn the_import_page_takes_columns_chosen_by_hand() {
    let mut app = admin().await;
    let csrf = app.get("/contacts/import").await.csrf();
    let b = "MapBoundary";
    let csv = "Cliente,Celular principal,Fixo\nAna,(11) 98888-7777,(11) 3333-4444\n";
    let part = |name: &str, value: &str| {
        format!("--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    };
    let body = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n{}{}--{b}--\r\n",
        part("map_phone", "celular principal"),
        part("map_name", "1"),
    );
    let req = axum::http::Request::post(format!("/contacts/import?csrf_token={csrf}"))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(axum::body::Body::from(body))
        .expect("req");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("phone ← “Celular principal”"), "{}", r.body);
    let phone: String = app
        .query(|c| {
            c.query_row("SELECT phone || ' ' || name FROM contacts", [], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(phone, "+5511988887777 Ana");

    let bad = format!(
        "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n{}--{b}--\r\n",
        part("map_phone", "Mobile"),
    );
    let req = axum::http::Request::post(format!("/contacts/import?csrf_token={csrf}"))
        .header("content-type", format!("multipart/form-data; boundary={b}"))
        .body(axum::body::Body::from(bad))
        .expect("req");
    let r = app.send(req).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("no column named `Mobile`; the header has: Cliente, Celular principal, Fixo")
    );
}

#[tokio::test]
async fn the_export_form_sends_the_filter_and_the_ticked_columns() {
    let mut app = admin().await;
    field(&mut app, "tier", "Tier", "text", "").await;
    let ana = contact(&mut app, "Ana", "11 98888-7777").await;
    contact(&mut app, "Bia", "11 97777-6666").await;
    set(&mut app, ana, &[("tier", "=cmd|' /C calc'!A0")]).await;
    let page = app.get("/contacts?field=tier:set:").await;
    assert!(
        page.body.contains("name=\"field\" value=\"tier:set:\""),
        "filter carried"
    );
    assert!(page.body.contains("name=\"column\" value=\"tier\" checked"));
    let csv = app
        .get("/contacts/export.csv?field=tier%3Aset%3A&column=name&column=tier")
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(
        csv.body.trim(),
        "name,tier\nAna,'=cmd|' /C calc'!A0",
        "formula defused"
    );
    let bad = app.get("/contacts/export.csv?column=secret").await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}
