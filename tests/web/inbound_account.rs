//! Inbound completeness, the account side: marketing preferences in the consent ledger, every
//! account alert family for the admins (banners, the history, the notice where agents type),
//! the address book of the WhatsApp Business app, and the smaller gaps (a sender known only by
//! `contacts[].user_id`, a message without `type`, unparseable coordinates, the `deleted`
//! status, value-level errors, the status's conversation object, a changed security code).

use crate::api::{call, key};
use crate::helpers::TestApp;
use crate::start_conversation::approved;
use axum::http::StatusCode;
use flowcrm::model::Role;
use serde_json::{Value, json};

/// `path` of the API with key `k`, as JSON.
async fn get_json(app: &mut TestApp, k: &str, path: &str) -> Value {
    json_of(&call(app, "GET", path, Some(k), None).await.body)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).expect("json")
}

#[tokio::test]
async fn marketing_preferences_are_recorded_in_the_consent_ledger_and_refuse_marketing_after_stop()
{
    let (mut app, _fake) = crate::fake_graph::setup().await;
    app.deliver("text").await;
    app.deliver("preference_stop").await;
    app.deliver("preference_stop").await; // a retry changes nothing
    let (_, k) = key(&app, Role::Admin).await;
    let contact = app.count("SELECT id FROM contacts").await;
    let c = get_json(&mut app, &k, &format!("/contacts/{contact}")).await;
    assert_eq!(c["opt_in"], "out");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM consent_events WHERE source = 'WhatsApp marketing preference' AND state = 'out'").await,
        1
    );
    approved(
        &app,
        "promo_dezembro",
        "MARKETING",
        json!([{"type":"BODY","text":"Ofertas!"}]),
    )
    .await;
    let body =
        json!({"type": "template", "template": {"name": "promo_dezembro", "language": "pt_BR"}});
    let r = call(
        &mut app,
        "POST",
        &format!("/contacts/{contact}/messages"),
        Some(&k),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);

    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get(&format!("/contacts/{contact}")).await;
    assert!(
        page.body.contains("WhatsApp marketing preference"),
        "the ledger names the source"
    );

    app.deliver("preference_resume").await;
    let c = get_json(&mut app, &k, &format!("/contacts/{contact}")).await;
    assert_eq!(c["opt_in"], "in", "resume opts back in");
    // Meta retries the older stop late: the newer resume stands.
    let late = String::from_utf8(crate::helpers::fixture("preference_stop"))
        .expect("utf8")
        .replace("marketing messages\"", "marketing messages (retried)\"");
    app.post_webhook(late.as_bytes()).await;
    let c = get_json(&mut app, &k, &format!("/contacts/{contact}")).await;
    assert_eq!(c["opt_in"], "in");
}

/// The alert titles stored, oldest first.
async fn titles(app: &TestApp) -> Vec<(String, String, bool)> {
    app.query(|c| {
        let mut s =
            c.prepare("SELECT title, severity, blocks_sending FROM account_alerts ORDER BY id")?;
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect()
    })
    .await
}

#[tokio::test]
async fn every_account_update_family_quality_limit_and_template_change_is_an_alert() {
    let mut app = TestApp::spawn().await;
    for f in [
        "account_restriction",
        "account_violation",
        "account_disabled",
        "account_reinstated",
        "account_offboarded",
        "account_reconnected",
        "business_verification",
        "pricing_tier_update",
        "phone_quality_update",
        "phone_quality_flagged",
        "business_capability_update",
        "account_alerts",
        "template_components_update",
    ] {
        app.deliver(f).await;
    }
    let got = titles(&app).await;
    let expect: &[(&str, &str, bool)] = &[
        ("The WhatsApp account is restricted", "critical", true),
        ("Meta found a policy violation", "warning", false),
        (
            "The WhatsApp account is disabled (banned)",
            "critical",
            true,
        ),
        ("The WhatsApp account was reinstated", "info", false),
        (
            "The number was disconnected from the Cloud API (offboarded)",
            "critical",
            true,
        ),
        (
            "The number is connected to the Cloud API again",
            "info",
            false,
        ),
        ("Business verification: rejected", "warning", false),
        ("Pricing tier changed", "info", false),
        (
            "Messaging limit of 15550009999 lowered to TIER_1K",
            "warning",
            false,
        ),
        ("Quality of 15550009999 is low (flagged)", "warning", false),
        (
            "Messaging limit: TIER_10K customers a day outside open conversations",
            "info",
            false,
        ),
        (
            "phone number 200000000000002: increased capabilities eligibility need more info",
            "warning",
            false,
        ),
        (
            "Template order_update (pt_BR) changed at Meta",
            "info",
            false,
        ),
    ];
    let expect: Vec<(String, String, bool)> = expect
        .iter()
        .map(|(t, s, b)| ((*t).to_string(), (*s).to_string(), *b))
        .collect();
    assert_eq!(got, expect);
    // In force: the newest of each topic that matters. The ban was lifted and the number
    // reconnected, so only the restriction blocks sending.
    let in_force = app
        .state
        .crm
        .alerts_in_force(flowcrm::crm::access::Who::key(Role::Admin))
        .await
        .expect("alerts");
    let topics: Vec<&str> = in_force.iter().map(|a| a.topic.as_str()).collect();
    assert_eq!(topics[0], "restriction", "critical first: {topics:?}");
    assert!(
        !topics.contains(&"account"),
        "reinstated and reconnected: {topics:?}"
    );
    assert!(
        topics.contains(&"quality")
            && topics.contains(&"violation")
            && topics.contains(&"verification")
    );
}

#[tokio::test]
async fn a_blocking_alert_reaches_admins_and_agents_until_an_admin_marks_it_handled() {
    let mut app = TestApp::spawn().await;
    app.deliver("text").await;
    app.deliver("account_restriction").await;
    let conv = app.count("SELECT id FROM conversations").await;

    let mut agent = app.other_browser();
    agent.logged_in_as("agent@shop.example", Role::Agent).await;
    let inbox = agent.get("/inbox").await;
    assert!(
        inbox.body.contains("The WhatsApp account is restricted"),
        "agents see what blocks sending"
    );
    let page = agent.get(&format!("/conversations/{conv}")).await;
    assert!(
        page.body.contains("Sending is blocked by Meta"),
        "said where agents type"
    );
    let contact = app.count("SELECT id FROM contacts").await;
    let start = agent.get(&format!("/contacts/{contact}/message")).await;
    assert!(
        start.body.contains("Sending is blocked by Meta"),
        "and where a conversation is started"
    );
    assert_eq!(
        agent.get("/settings/alerts").await.status,
        StatusCode::FORBIDDEN
    );
    let alert = app.count("SELECT id FROM account_alerts").await;
    let r = agent
        .submit("/inbox", &format!("/settings/alerts/{alert}/dismiss"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_alerts WHERE dismissed_at IS NULL")
            .await,
        1
    );

    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let settings = app.get("/settings").await;
    assert!(settings.body.contains("The WhatsApp account is restricted"));
    let history = app.get("/settings/alerts").await;
    assert!(
        history.body.contains("RESTRICTED_BIZ_INITIATED_MESSAGING"),
        "the detail names the restriction"
    );
    let r = app
        .submit(
            "/settings/alerts",
            &format!("/settings/alerts/{alert}/dismiss"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        !app.get("/inbox")
            .await
            .body
            .contains("The WhatsApp account is restricted")
    );
    let history = app.get("/settings/alerts").await;
    assert!(
        history.body.contains("Marked handled by"),
        "kept in the history"
    );
    assert_eq!(app.audit_count("alert.handled").await, 1, "audited");
    let again = app
        .submit(
            "/settings/alerts",
            &format!("/settings/alerts/{alert}/dismiss"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_business_apps_address_book_names_contacts_and_never_deletes_them() {
    let mut app = TestApp::spawn().await;
    app.deliver("address_book").await;
    let (_, k) = key(&app, Role::Admin).await;
    let id = app
        .count("SELECT id FROM contacts WHERE phone = '+5511966665555'")
        .await;
    let c = json_of(
        &call(&mut app, "GET", &format!("/contacts/{id}"), Some(&k), None)
            .await
            .body,
    );
    assert_eq!(c["name"], "Carla Souza (fornecedora)");
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get(&format!("/contacts/{id}")).await;
    assert!(
        page.body.contains("Removed from the WhatsApp Business app"),
        "{}",
        page.body.len()
    );
}

#[tokio::test]
async fn the_smaller_gaps_are_closed() {
    let mut app = TestApp::spawn().await;
    for f in [
        "user_id_only",
        "no_type",
        "location_bad_coords",
        "value_errors",
        "identity_changed",
    ] {
        app.deliver(f).await;
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_dead_letters").await,
        0
    );
    // A sender named only in contacts[].user_id is a contact, with the parent id kept.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts WHERE bsuid = 'BR.9999888877776666' AND parent_bsuid = 'BR.ENT.5555444433332222' AND username = 'bruno.shop'").await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.USERIDONLY1'")
            .await,
        1
    );
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.NOTYPE1' AND kind = 'location'"
        )
        .await,
        1
    );
    let (_, k) = key(&app, Role::Agent).await;
    let ana = app.count("SELECT id FROM conversations WHERE contact_id = (SELECT id FROM contacts WHERE phone = '+5511988887777')").await;
    let page = json_of(
        &call(
            &mut app,
            "GET",
            &format!("/conversations/{ana}/messages"),
            Some(&k),
            None,
        )
        .await
        .body,
    );
    let by_id = |w: &str| {
        page["data"]
            .as_array()
            .expect("data")
            .iter()
            .find(|m| m["wamid"] == w)
            .cloned()
            .expect(w)
    };
    let bad = by_id("wamid.BADLOC1");
    assert_eq!(bad["content"]["location"]["name"], "Feira de domingo");
    assert!(bad["content"]["location"]["latitude"].is_null());
    assert_eq!(
        by_id("wamid.VALERR1")["error"]["code"],
        131_051,
        "the value's error explains its message"
    );
    assert_eq!(
        by_id("wamid.NOTYPE1")["content"]["location"]["address"],
        "Av. Paulista, 1000"
    );

    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let contact = app
        .count("SELECT id FROM contacts WHERE phone = '+5511988887777'")
        .await;
    let timeline = app.get(&format!("/contacts/{contact}")).await;
    assert!(
        timeline.body.contains("security code changed"),
        "flagged in the contact's timeline"
    );
}

#[tokio::test]
async fn the_deleted_status_and_the_statuss_conversation_are_recorded() {
    let mut app = TestApp::spawn().await;
    app.state
        .db
        .write(|c| crate::webhooks::insert_outbound_shell(c, "wamid.OUT1"))
        .await
        .expect("shell");
    app.deliver("status_conversation").await;
    app.deliver("status_deleted").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM message_statuses WHERE conversation_id = 'CONVERSATION_ID_1' AND conversation_origin = 'referral_conversion' AND conversation_expires_at = 1767312000").await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE status = 'deleted'")
            .await,
        1
    );
    let (_, k) = key(&app, Role::Agent).await;
    let conv = app.count("SELECT id FROM conversations").await;
    let page = json_of(
        &call(
            &mut app,
            "GET",
            &format!("/conversations/{conv}/messages"),
            Some(&k),
            None,
        )
        .await
        .body,
    );
    assert_eq!(page["data"][0]["status"], "deleted");
}
