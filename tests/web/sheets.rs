//! Google Sheets sync against the fake Sheets API and token endpoint (`fake_sheets`): the real
//! client (google-sheets4, yup-oauth2 signing a JWT with a throwaway RSA key) talks to it over
//! a real port.

use crate::fake_sheets::{FakeSheets, SPREADSHEET};
use crate::helpers::TestApp;
use flowcrm::config::Secret;
use flowcrm::crm::access::Who;
use flowcrm::crm::contacts::{Actor, ContactSave};
use flowcrm::crm::sheets::{Outcome, Trigger, names};
use flowcrm::model::ContactId;
use serde_json::{Value, json};

async fn setup_with(
    columns: &str,
    edit: impl FnOnce(&mut flowcrm::config::Config),
) -> (TestApp, FakeSheets) {
    let fake = FakeSheets::start().await;
    let base = fake.base.clone();
    let columns = columns.to_string();
    let app = TestApp::spawn_with(move |c| {
        c.sheets.api_base = base;
        c.sheets.spreadsheet = Some(SPREADSHEET.into());
        c.sheets.contacts_columns = Some(columns);
        edit(c);
    })
    .await;
    app.state
        .vault
        .set(names::KEY_SECRET, &Secret::new(fake.key_json()))
        .await
        .expect("store key");
    (app, fake)
}

async fn setup(columns: &str) -> (TestApp, FakeSheets) {
    setup_with(columns, |_| {}).await
}

async fn sync_as(app: &TestApp, trigger: Trigger) -> Result<Outcome, flowcrm::crm::Error> {
    let account = flowcrm::app::sheets_account(&app.state.config, &app.state.vault).await?;
    app.state
        .crm
        .sheets_sync(Who::system(), account, trigger, false)
        .await
}

async fn sync(app: &TestApp) -> Outcome {
    sync_as(app, Trigger::Cli).await.expect("sync")
}

async fn define_field(app: &TestApp, key: &str, label: &str, kind: &str) {
    let input = flowcrm::crm::fields::FieldInput {
        key: key.into(),
        label: label.into(),
        kind: kind.into(),
        options: String::new(),
    };
    let now = flowcrm::clock::Clock::now(&*app.clock);
    app.state
        .db
        .write(move |c| flowcrm::crm::fields::define(c, &input, &Actor::default(), now))
        .await
        .expect("define field");
}

/// Saves a contact through the same door as the page (`id` none: a new one).
async fn save(app: &TestApp, s: ContactSave, fields: &[(&str, &str)]) -> ContactId {
    let s = ContactSave {
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect(),
        ..s
    };
    app.state
        .crm
        .save_contact(s, Who::system(), Actor::default())
        .await
        .expect("save contact")
}

async fn contact(app: &TestApp, name: &str, phone: &str, fields: &[(&str, &str)]) -> ContactId {
    let s = ContactSave {
        name: Some(name.into()),
        phone: Some(phone.into()),
        ..ContactSave::default()
    };
    save(app, s, fields).await
}

async fn edit(app: &TestApp, id: ContactId, name: Option<&str>, fields: &[(&str, &str)]) {
    save(
        app,
        ContactSave {
            id: Some(id),
            name: name.map(Into::into),
            ..ContactSave::default()
        },
        fields,
    )
    .await;
}

async fn restrict_contact(app: &TestApp, id: ContactId) {
    let s = ContactSave {
        id: Some(id),
        restricted: Some(true),
        ..ContactSave::default()
    };
    save(app, s, &[]).await;
}

/// The tab's cells as text, header first.
fn grid(fake: &FakeSheets, tab: &str) -> Vec<Vec<String>> {
    fake.tab(tab)
        .expect("tab")
        .rows
        .iter()
        .map(|r| r.iter().map(flowcrm::crm::sheets::text).collect())
        .collect()
}

fn column(g: &[Vec<String>], header: &str) -> usize {
    g[0].iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header} in {:?}", g[0]))
}

/// The row (index into `g`) whose key is `key`.
fn row_of(g: &[Vec<String>], key: ContactId) -> Vec<usize> {
    let k = column(g, "flowcrm_id");
    (1..g.len())
        .filter(|&i| g[i].get(k).map(String::as_str) == Some(&key.0.to_string()))
        .collect()
}

fn writes(fake: &FakeSheets) -> Vec<crate::fake_sheets::Seen> {
    fake.api_requests()
        .into_iter()
        .filter(|s| s.method == "POST")
        .collect()
}

#[tokio::test]
async fn first_sync_of_1000_contacts_writes_the_header_and_every_chosen_column_and_nothing_else() {
    let (app, fake) = setup("name; phone").await;
    for i in 0..1000 {
        contact(
            &app,
            &format!("Customer {i}"),
            &format!("+35191{i:07}"),
            &[],
        )
        .await;
    }
    let o = sync(&app).await;
    assert_eq!(o.run.added, 1000);
    let g = grid(&fake, "Contacts");
    assert_eq!(g[0], vec!["flowcrm_id", "Name", "Phone"]);
    assert_eq!(g.len(), 1001);
    assert!(g.iter().all(|r| r.len() == 3), "only the chosen columns");
    assert_eq!(g[1][1], "Customer 0");
    assert_eq!(g[1000][2], "+351910000999");
    // Metadata, a new tab, one append (no emails or anything else in any body).
    let reqs = fake.api_requests();
    assert!(reqs.len() <= 4, "{} requests", reqs.len());
    assert!(
        reqs.iter()
            .all(|r| !r.body.contains("opted") && !r.body.contains('@'))
    );
    assert!(
        reqs.iter()
            .filter(|r| r.path.ends_with(":append"))
            .all(|r| r.query.contains("valueInputOption=RAW"))
    );
}

#[tokio::test]
async fn editing_one_contact_changes_exactly_one_row_and_no_change_sends_no_write() {
    let (app, fake) = setup("name; phone").await;
    let mut ids = Vec::new();
    for i in 0..20 {
        ids.push(contact(&app, &format!("C{i}"), &format!("+35191{i:07}"), &[]).await);
    }
    sync(&app).await;
    fake.clear_seen();
    let o = sync(&app).await;
    assert_eq!((o.run.added, o.run.updated, o.run.deleted), (0, 0, 0));
    assert!(
        writes(&fake).is_empty(),
        "no write request when nothing changed: {:?}",
        writes(&fake)
    );
    edit(&app, ids[7], Some("Renamed"), &[]).await;
    fake.clear_seen();
    let o = sync(&app).await;
    assert_eq!(o.run.updated, 1);
    let w = writes(&fake);
    assert_eq!(w.len(), 1, "one values.batchUpdate");
    let body: Value = serde_json::from_str(&w[0].body).expect("ok");
    assert_eq!(body["valueInputOption"], "RAW");
    let data = body["data"].as_array().expect("ok");
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["range"], "'Contacts'!B9:B9");
    assert_eq!(data[0]["values"], json!([["Renamed"]]));
    assert!(o.run.requests <= 3);
}

#[tokio::test]
async fn rows_are_matched_by_key_after_people_sort_and_insert_rows_and_move_columns() {
    let (app, fake) = setup("name; phone").await;
    let mut ids = Vec::new();
    for i in 0..6 {
        ids.push(contact(&app, &format!("C{i}"), &format!("+35191{i:07}"), &[]).await);
    }
    sync(&app).await;
    // A person reverses the rows, inserts blank and own rows, and swaps the first two columns.
    fake.with_tab(
        |t| {
            let header = t.rows[0].clone();
            let mut body: Vec<Vec<Value>> = t.rows[1..].iter().rev().cloned().collect();
            body.insert(2, vec![json!(""), json!("a note of mine"), json!("")]);
            body.insert(4, vec![]);
            t.rows = std::iter::once(header).chain(body).collect();
            for r in &mut t.rows {
                if r.len() >= 2 {
                    r.swap(0, 1);
                }
            }
        },
        "Contacts",
    );
    edit(&app, ids[2], Some("Moved and renamed"), &[]).await;
    let o = sync(&app).await;
    assert_eq!((o.run.added, o.run.deleted, o.run.updated), (0, 0, 1));
    let g = grid(&fake, "Contacts");
    for id in &ids {
        assert_eq!(row_of(&g, *id).len(), 1, "one row for {id:?}");
    }
    let r = row_of(&g, ids[2])[0];
    assert_eq!(g[r][column(&g, "Name")], "Moved and renamed");
    assert!(
        g.iter().any(|r| r.contains(&"a note of mine".to_string())),
        "people's own rows stay"
    );
}

#[tokio::test]
async fn erased_deleted_and_restricted_contacts_disappear_and_restricted_data_is_never_sent() {
    let (app, fake) = setup("name; phone").await;
    let keep = contact(&app, "Keep", "+351910000001", &[]).await;
    let erase = contact(&app, "Erase Me", "+351910000002", &[]).await;
    let delete = contact(&app, "Delete Me", "+351910000003", &[]).await;
    let restrict = contact(&app, "Restrict Me", "+351910000004", &[]).await;
    let secret = contact(&app, "Never Synced", "+351910000005", &[]).await;
    restrict_contact(&app, secret).await;
    sync(&app).await;
    assert_eq!(grid(&fake, "Contacts").len(), 5);
    let receipt = app
        .state
        .crm
        .erase_contact(
            erase,
            flowcrm::crm::subject::Erase {
                confirm: "ERASE".into(),
                reason: "asked".into(),
                request: None,
            },
            Who::system(),
            Actor::default(),
        )
        .await
        .expect("erase");
    app.state
        .crm
        .delete_contact(delete, Who::system(), Actor::default())
        .await
        .expect("ok");
    restrict_contact(&app, restrict).await;
    let o = sync(&app).await;
    assert_eq!(o.run.deleted, 3);
    assert!(
        o.run.log.contains(&receipt.code),
        "the erasure's removal is logged: {}",
        o.run.log
    );
    assert!(!o.run.log.contains("Erase Me") && !o.run.log.contains("+351"));
    let g = grid(&fake, "Contacts");
    assert_eq!(g.len(), 2);
    assert_eq!(row_of(&g, keep).len(), 1);
    let all = fake
        .inner
        .lock()
        .expect("ok")
        .seen
        .iter()
        .map(|s| s.body.clone())
        .collect::<String>();
    assert!(!all.contains("Never Synced") && !all.contains("+351910000005"));
    let deletes: Vec<_> = writes(&fake)
        .into_iter()
        .filter(|w| w.body.contains("deleteDimension"))
        .collect();
    let body: Value = serde_json::from_str(&deletes[0].body).expect("ok");
    let starts: Vec<i64> = body["requests"]
        .as_array()
        .expect("ok")
        .iter()
        .map(|r| {
            r["deleteDimension"]["range"]["startIndex"]
                .as_i64()
                .expect("ok")
        })
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] > w[1]),
        "bottom-up: {starts:?}"
    );
}

#[tokio::test]
async fn sheet_owned_columns_come_back_with_validation_and_the_conflict_rule_applies_both_ways() {
    let (app, fake) =
        setup("name; field:points (sheet owns); field:tier (sheet owns, sheet wins)").await;
    define_field(&app, "points", "Points", "number").await;
    define_field(&app, "tier", "Tier", "text").await;
    let a = contact(
        &app,
        "A",
        "+351910000001",
        &[("points", "10"), ("tier", "gold")],
    )
    .await;
    let b = contact(
        &app,
        "B",
        "+351910000002",
        &[("points", "5"), ("tier", "silver")],
    )
    .await;
    sync(&app).await;
    let g = grid(&fake, "Contacts");
    let (pc, tc) = (column(&g, "Points"), column(&g, "Tier"));
    let (ra, rb) = (row_of(&g, a)[0], row_of(&g, b)[0]);
    // The sheet: A's points edited (valid), B's points made invalid, both tiers edited.
    fake.with_tab(
        |t| {
            t.rows[ra][pc] = json!(42);
            t.rows[rb][pc] = json!("lots");
            t.rows[ra][tc] = json!("platinum");
            t.rows[rb][tc] = json!("bronze");
        },
        "Contacts",
    );
    // FlowCRM also changes B's tier (sheet wins) and A's points (FlowCRM wins).
    edit(&app, b, None, &[("tier", "diamond")]).await;
    edit(&app, a, None, &[("points", "11")]).await;
    let o = sync(&app).await;
    let values = |id: ContactId| {
        let state = app.state.clone();
        async move {
            state
                .db
                .read(move |c| flowcrm::crm::fields::values_of(c, id))
                .await
                .expect("ok")
                .into_iter()
                .map(|(f, v)| (f.key, v.unwrap_or_default()))
                .collect::<std::collections::HashMap<_, _>>()
        }
    };
    let (va, vb) = (values(a).await, values(b).await);
    assert_eq!(
        va["points"], "11",
        "both changed, FlowCRM wins: FlowCRM keeps its value"
    );
    assert_eq!(va["tier"], "platinum", "only the sheet changed: read back");
    assert_eq!(vb["points"], "5", "invalid value skipped");
    assert_eq!(vb["tier"], "bronze", "both changed, the sheet wins");
    assert_eq!(o.run.skipped, 1);
    assert!(
        o.run.log.contains(&format!("Row {}", b.0)) && o.run.log.contains("Points"),
        "{}",
        o.run.log
    );
    assert!(
        !o.run.log.contains("lots"),
        "the value itself is not logged"
    );
    let g = grid(&fake, "Contacts");
    assert_eq!(g[ra][pc], "11", "FlowCRM's winning value is written back");
    assert!(app.audit_count("contact.fields").await >= 1);
    let detail: String = app.query(|c| c.query_row("SELECT detail FROM audit_log WHERE action = 'contact.fields' ORDER BY id DESC LIMIT 1", [], |r| r.get(0))).await;
    assert!(detail.contains("Google Sheets"), "{detail}");
}

#[tokio::test]
async fn quota_429_backs_off_and_succeeds_later_and_403_names_the_account_to_share_with() {
    let (app, fake) = setup("name").await;
    contact(&app, "A", "+351910000001", &[]).await;
    fake.fail_next(429, "Quota exceeded for quota metric 'Write requests'");
    let e = sync_as(&app, Trigger::Schedule)
        .await
        .expect_err("should fail")
        .to_string();
    assert!(e.contains("quota") && e.contains("Quota exceeded"), "{e}");
    let status = app
        .state
        .crm
        .sheets_status(Who::system())
        .await
        .expect("ok");
    let until = status.backoff_until.expect("backoff persisted");
    assert!(until > flowcrm::clock::Clock::now(&*app.clock));
    // The schedule waits; after the backoff it succeeds.
    let again = sync_as(&app, Trigger::Schedule)
        .await
        .expect_err("should fail")
        .to_string();
    assert!(again.contains("Backing off"), "{again}");
    app.clock.advance(time::Duration::minutes(5));
    let o = sync_as(&app, Trigger::Schedule)
        .await
        .expect("after backoff");
    assert_eq!(o.run.added, 1);
    assert!(
        app.state
            .crm
            .sheets_status(Who::system())
            .await
            .expect("ok")
            .backoff_until
            .is_none()
    );
    // Not shared: the status names the email to share with.
    fake.inner.lock().expect("lock").shared = false;
    let e = sync_as(&app, Trigger::Cli)
        .await
        .expect_err("should fail")
        .to_string();
    assert!(
        e.contains("sync@flowcrm-test.iam.gserviceaccount.com") && e.contains("Editor"),
        "{e}"
    );
    let status = app
        .state
        .crm
        .sheets_status(Who::system())
        .await
        .expect("ok");
    let last = &status.recent[0];
    assert_eq!(last.error_kind.as_deref(), Some("not_shared"));
    assert!(
        last.error
            .as_deref()
            .expect("ok")
            .contains("The caller does not have permission")
    );
}

#[tokio::test]
async fn formula_looking_values_reach_google_as_literal_text_with_raw() {
    let (app, fake) = setup("name").await;
    contact(
        &app,
        "=IMPORTXML(\"http://evil.example\",\"//a\")",
        "+351910000001",
        &[],
    )
    .await;
    sync(&app).await;
    let appends: Vec<_> = fake
        .api_requests()
        .into_iter()
        .filter(|r| r.path.ends_with(":append"))
        .collect();
    assert!(
        appends
            .iter()
            .all(|a| a.query.contains("valueInputOption=RAW"))
    );
    assert!(appends[0].body.contains("=IMPORTXML"), "sent as text");
    assert_eq!(
        grid(&fake, "Contacts")[1][1],
        "=IMPORTXML(\"http://evil.example\",\"//a\")"
    );
    assert!(
        fake.api_requests()
            .iter()
            .all(|r| !r.query.contains("USER_ENTERED") && !r.body.contains("USER_ENTERED"))
    );
}

#[tokio::test]
async fn runs_never_overlap_and_the_schedule_reads_the_business_zone() {
    let (app, _fake) = setup_with("name", |c| {
        c.app.timezone = Some("America/Sao_Paulo".into());
        c.sheets.schedule = "0 9 * * *".into();
    })
    .await;
    contact(&app, "A", "+351910000001", &[]).await;
    // Another process holds the lease: refused, and nothing is started.
    let now = flowcrm::clock::Clock::now(&*app.clock);
    app.state
        .db
        .write(move |c| flowcrm::db::sheets::take_lease(c, now, now - time::Duration::hours(1)))
        .await
        .expect("ok");
    let e = sync_as(&app, Trigger::Button)
        .await
        .expect_err("should fail")
        .to_string();
    assert!(e.contains("already running"), "{e}");
    app.state
        .db
        .write(flowcrm::db::sheets::release_lease)
        .await
        .expect("ok");
    sync_as(&app, Trigger::Button)
        .await
        .expect("after the lease is free");
    // 09:00 in São Paulo is 12:00 UTC.
    let status = app
        .state
        .crm
        .sheets_status(Who::system())
        .await
        .expect("ok");
    let next = status.next.expect("next run");
    assert_eq!((next.hour(), next.minute()), (12, 0));
    app.clock
        .advance(next - flowcrm::clock::Clock::now(&*app.clock) + time::Duration::minutes(1));
    let next2 = app
        .state
        .crm
        .sheets_status(Who::system())
        .await
        .expect("ok")
        .next
        .expect("ok");
    assert_eq!(next2 - next, time::Duration::days(1));
}

#[tokio::test]
async fn a_missing_key_or_spreadsheet_is_refused_in_plain_words_and_agents_cannot_sync() {
    let (app, fake) = setup("name").await;
    let agent = Who {
        user: Some(flowcrm::model::UserId(9)),
        role: flowcrm::model::Role::Agent,
    };
    let e = app
        .state
        .crm
        .sheets_sync(agent, None, Trigger::Button, false)
        .await
        .expect_err("should fail");
    assert!(e.to_string().contains("Only admins"), "{e}");
    let e = app
        .state
        .crm
        .sheets_sync(Who::system(), None, Trigger::Button, false)
        .await
        .expect_err("should fail");
    assert!(e.to_string().contains("service-account key"), "{e}");
    fake.inner.lock().expect("lock").exists = false;
    let e = sync_as(&app, Trigger::Cli)
        .await
        .expect_err("should fail")
        .to_string();
    assert!(e.contains(SPREADSHEET) && e.contains("deleted"), "{e}");
}

async fn order(app: &TestApp, contact: ContactId, lines: &[(&str, &str, &str)]) -> i64 {
    use flowcrm::crm::orders::{LineInput, OrderInput};
    let input = OrderInput {
        currency: "EUR".into(),
        lines: lines
            .iter()
            .map(|(name, q, p)| LineInput {
                name: (*name).into(),
                quantity: (*q).into(),
                unit_price: (*p).into(),
                ..LineInput::default()
            })
            .collect(),
        note: String::new(),
    };
    app.state
        .crm
        .create_order(contact, input, None)
        .await
        .expect("order")
        .0
}

#[tokio::test]
async fn orders_get_one_row_each_with_items_summarised_or_one_row_per_line() {
    let (app, fake) = setup_with("name", |c| {
        c.sheets.orders_columns = Some("contact_id; contact_name; items; total; currency".into());
    })
    .await;
    let ana = contact(&app, "Ana", "+351910000001", &[]).await;
    let first = order(&app, ana, &[("Shirt", "2", "10.50"), ("Hat", "1", "5")]).await;
    sync(&app).await;
    let g = grid(&fake, "Orders");
    assert_eq!(
        g[0],
        vec![
            "flowcrm_id",
            "Contact flowcrm_id",
            "Customer",
            "Items",
            "Total",
            "Currency"
        ]
    );
    assert_eq!(
        g[1],
        vec![
            first.to_string(),
            ana.0.to_string(),
            "Ana".into(),
            "2 × Shirt; 1 × Hat".into(),
            "26".into(),
            "EUR".into()
        ]
    );
    let total = &fake.tab("Orders").expect("tab").rows[1][4];
    assert!(
        total.is_number(),
        "totals are numbers the sheet can add up: {total}"
    );

    let (app, fake) = setup_with("name", |c| {
        c.sheets.orders_columns = Some("line_product; line_quantity; line_price".into());
        c.sheets.order_lines = Some(true);
    })
    .await;
    let ana = contact(&app, "Ana", "+351910000001", &[]).await;
    let id = order(&app, ana, &[("Shirt", "2", "10.50"), ("Hat", "1", "5")]).await;
    sync(&app).await;
    let g = grid(&fake, "Orders");
    assert_eq!(g.len(), 3);
    assert_eq!(
        g[1],
        vec![format!("{id}-1"), "Shirt".into(), "2".into(), "10.5".into()]
    );
    assert_eq!(
        g[2],
        vec![format!("{id}-2"), "Hat".into(), "1".into(), "5".into()]
    );
}

#[tokio::test]
async fn an_empty_tab_still_gets_its_header_row() {
    let (app, fake) = setup("name; phone").await;
    let o = sync(&app).await;
    assert_eq!(o.run.added, 0);
    assert_eq!(
        grid(&fake, "Contacts"),
        vec![vec!["flowcrm_id", "Name", "Phone"]]
    );
}
