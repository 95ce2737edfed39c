//! Reports: events recorded by the real doors (webhook, composer use case, assignment, status),
//! exact medians, p90s and counts from fixture conversations with known times, attribution
//! through reopening and reassignment, business hours across a weekend, the back-fill against
//! live recording, the window share, the page, CSV and API, and who may see what.

use crate::api::{call, key};
use crate::fake_graph::setup_with;
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::clock::Clock as _;
use flowcrm::crm::conversations::Worker;
use flowcrm::crm::send::{Outgoing, SendKey};
use flowcrm::model::{ConversationId, Outbound, Role, UserId};
use serde_json::Value;
use time::Duration;

async fn app() -> TestApp {
    let (app, _fake) = setup_with(|c| c.app.timezone = Some("UTC".into())).await;
    app
}

async fn user(app: &TestApp, email: &'static str, role: Role) -> Worker {
    app.create_user(email, role).await;
    let id = app
        .query(move |c| {
            c.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
                r.get(0)
            })
        })
        .await;
    Worker {
        id: UserId(id),
        role,
        ip: "127.0.0.1".into(),
    }
}

/// Customer `phone` writes `secs_ago` seconds before the clock; returns the conversation.
async fn customer(app: &mut TestApp, phone: &str, wamid: &str, secs_ago: i64) -> i64 {
    let ts = app.clock.now().unix_timestamp() - secs_ago;
    let body = crate::payload::text_from(phone, "Cliente", wamid, ts, "Oi, tudo bem?");
    let r = app.post_webhook(body.to_string().as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK);
    let phone = format!("+{phone}");
    app.query(move |c| {
        c.query_row(
            "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = ?1",
            [phone],
            |r| r.get(0),
        )
    })
    .await
}

async fn reply(app: &TestApp, conversation: i64, w: &Worker) {
    let out = Outgoing {
        conversation_id: ConversationId(conversation),
        message: Outbound::Text {
            body: "Olá! Já vejo isso.".into(),
            preview_url: false,
        },
        reply_to: None,
        key: SendKey::Form(String::new()),
        author: Some(w.id),
        by: Some(flowcrm::crm::access::Who::user(w.id, w.role)),
        file: None,
        confirm_consent: false,
    };
    app.state.crm.send(out).await.expect("reply");
}

async fn status(app: &TestApp, conversation: i64, to: &str, w: &Worker) {
    app.state
        .crm
        .set_status(ConversationId(conversation), to.into(), w.clone())
        .await
        .expect("status");
}

async fn assign(app: &TestApp, conversation: i64, to: &Worker, by: &Worker) {
    app.state
        .crm
        .assign(ConversationId(conversation), Some(to.id), by.clone())
        .await
        .expect("assign");
}

async fn report(app: &mut TestApp) -> Value {
    let (_, k) = key(app, Role::Admin).await;
    let r = call(app, "GET", "/reports?days=7", Some(&k), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).expect("json")
}

fn stats(v: &Value) -> (i64, i64, i64, i64) {
    (
        v["n"].as_i64().expect("n"),
        v["median_s"].as_i64().unwrap_or(-1),
        v["p90_s"].as_i64().unwrap_or(-1),
        v["avg_s"].as_i64().unwrap_or(-1),
    )
}

fn agent<'a>(r: &'a Value, name: &str) -> &'a Value {
    r["agents"]
        .as_array()
        .expect("agents")
        .iter()
        .find(|a| a["name"].as_str() == Some(name))
        .unwrap_or_else(|| panic!("no row for {name}: {r}"))
}

/// The fixture: five customers waiting 60 s to 1200 s, answered by Ana (three) and Bruno
/// (two); Ana resolves three and Bruno one an hour later; the first customer writes again,
/// the conversation goes to Ana then to Bruno, and Bruno answers after 10 minutes.
async fn fixture(app: &mut TestApp) -> (Worker, Worker, Worker, Vec<i64>) {
    let ana = user(app, "ana@shop.example", Role::Agent).await;
    let bruno = user(app, "bruno@shop.example", Role::Agent).await;
    let boss = user(app, "boss@shop.example", Role::Admin).await;
    let waits = [60, 120, 300, 600, 1200];
    let mut convs = Vec::new();
    for (i, w) in waits.iter().enumerate() {
        let c = customer(
            app,
            &format!("55119000000{i:02}"),
            &format!("wamid.R{i}"),
            *w,
        )
        .await;
        convs.push(c);
    }
    assign(app, convs[0], &ana, &boss).await;
    for (i, c) in convs.iter().enumerate() {
        reply(app, *c, if i < 3 { &ana } else { &bruno }).await;
    }
    app.clock.advance(Duration::hours(1));
    for c in &convs[..3] {
        status(app, *c, "resolved", &ana).await;
    }
    status(app, convs[3], "resolved", &bruno).await;
    app.clock.advance(Duration::hours(1));
    customer(app, "5511900000000", "wamid.R0.again", 0).await;
    assign(app, convs[0], &ana, &boss).await;
    assign(app, convs[0], &bruno, &boss).await;
    app.clock.advance(Duration::minutes(10));
    reply(app, convs[0], &bruno).await;
    (ana, bruno, boss, convs)
}

#[tokio::test]
async fn fixture_conversations_give_exact_medians_p90s_and_counts() {
    let mut app = app().await;
    let (_, _, _, convs) = fixture(&mut app).await;
    assert_eq!(
        app.count("SELECT status = 'open' FROM conversations WHERE id = (SELECT MIN(id) FROM conversations)")
            .await,
        1,
        "the customer's new message reopened the resolved conversation"
    );
    let r = report(&mut app).await;
    let cur = &r["current"];
    assert_eq!(cur["opened"], 5);
    assert_eq!(cur["reopened"], 1);
    assert_eq!(cur["resolved"], 4);
    assert_eq!(cur["messages_in"], 6);
    assert_eq!(cur["messages_out"], 6);
    // First responses: 60, 120, 300, 600, 1200, and 600 after the reopening.
    assert_eq!(stats(&cur["first_response"]["all"]), (6, 450, 1200, 480));
    // Resolutions: an hour after each reply, counted from the customer's message.
    assert_eq!(stats(&cur["resolution"]["all"]), (4, 3810, 4200, 3870));
    // Ana: 60, 120, 300; Bruno: 600, 1200 and the 600 after the reopening.
    let ana = agent(&r, "ana@shop.example");
    assert_eq!(stats(&ana["first_response"]["all"]), (3, 120, 300, 160));
    assert_eq!(stats(&ana["resolution"]["all"]), (3, 3720, 3900, 3760));
    assert_eq!(ana["replies"], 3);
    let bruno = agent(&r, "bruno@shop.example");
    assert_eq!(stats(&bruno["first_response"]["all"]), (3, 600, 1200, 800));
    assert_eq!(stats(&bruno["resolution"]["all"]), (1, 4200, 4200, 4200));
    // Reassignment: the reopened cycle's first assignee is Ana, then Bruno; the first
    // response goes to Bruno who gave it.
    assert_eq!(
        ana["assigned"], 2,
        "before the first reply, and after the reopening"
    );
    assert_eq!(
        bruno["assigned"], 0,
        "a reassignment is not a first assignment"
    );
    let reassigned = app
        .count("SELECT COUNT(*) FROM report_events WHERE kind = 'reassigned'")
        .await;
    assert_eq!(reassigned, 1);
    assert_eq!(r["replies"], 6);
    assert_eq!(r["replies_in_window"], 6);
    assert_eq!(
        r["open_now"], 2,
        "the reopened one and the unresolved fifth"
    );
    assert_eq!(r["unattended_now"], 0);
    let _ = convs;
}

#[tokio::test]
async fn the_back_fill_yields_the_same_events_as_live_recording() {
    let mut app = app().await;
    fixture(&mut app).await;
    let live = app
        .state
        .db
        .read(flowcrm::db::reports::queries::all_events)
        .await
        .expect("events");
    assert!(live.len() > 20, "{live:?}");
    let now = app.clock.now();
    // As a wave-1 database: no events, no cycles, the back-fill not done.
    app.state
        .db
        .write(flowcrm::db::reports::clear)
        .await
        .expect("clear");
    let filled = flowcrm::crm::reports::backfill::run_once(&app.state.db, now)
        .await
        .expect("back-fill")
        .expect("it ran");
    assert_eq!(filled.conversations, 5);
    let replayed = app
        .state
        .db
        .read(flowcrm::db::reports::queries::all_events)
        .await
        .expect("events");
    assert_eq!(replayed, live);
    let again = flowcrm::crm::reports::backfill::run_once(&app.state.db, now)
        .await
        .expect("second start");
    assert_eq!(again, None, "once only");
    assert_backfill_equals_live(&app).await;
}

#[tokio::test]
async fn business_hours_leave_out_the_weekend() {
    let mut app = app().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    // Monday to Friday 09:00–18:00 UTC.
    let page = app.get("/settings/business-hours").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Not set yet"), "{}", page.body);
    let mut fields: Vec<(String, String)> = vec![("zone".into(), "UTC".into())];
    for d in 0..7 {
        let (o, c) = if d < 5 { ("09:00", "18:00") } else { ("", "") };
        fields.push((format!("open_{d}"), o.into()));
        fields.push((format!("close_{d}"), c.into()));
    }
    fields.push(("holidays".into(), String::new()));
    let refs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = app
        .submit(
            "/settings/business-hours",
            "/settings/business-hours",
            &refs,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    // Move the clock to the next Monday 10:00 UTC.
    let now = app.clock.now();
    let mut target = now.replace_time(time::macros::time!(10:00));
    while target <= now || target.weekday() != time::Weekday::Monday {
        target += Duration::days(1);
    }
    app.clock.advance(target - now);
    let agent = user(&app, "ana@shop.example", Role::Agent).await;
    // The customer wrote on Friday at 17:00: 65 hours ago, two of them business hours.
    let conv = customer(&mut app, "5511977776666", "wamid.FRI", 65 * 3600).await;
    // A reply at 65 h is outside the window: a template.
    crate::start_conversation::approved(
        &app,
        "retorno",
        "UTILITY",
        serde_json::json!([{"type": "BODY", "text": "Olá! Podemos continuar?"}]),
    )
    .await;
    let out = Outgoing {
        conversation_id: ConversationId(conv),
        message: Outbound::Template {
            name: "retorno".into(),
            language: "pt_BR".into(),
            header: None,
            body: Vec::new(),
            buttons: Vec::new(),
        },
        reply_to: None,
        key: SendKey::Form(String::new()),
        author: Some(agent.id),
        by: Some(flowcrm::crm::access::Who::user(agent.id, agent.role)),
        file: None,
        confirm_consent: true,
    };
    app.state.crm.send(out).await.expect("template");
    // Meta charges it (a status with `pricing`): the cost comes from the rate table.
    crate::fake_graph::run_sender(&app).await;
    let wamid = app
        .query(|c| {
            c.query_row(
                "SELECT wamid FROM messages WHERE direction = 'out'",
                [],
                |r| r.get::<_, String>(0),
            )
        })
        .await;
    let ts = app.clock.now().unix_timestamp();
    let delivered = crate::campaigns::status_of(&wamid, "delivered", ts, "5511977776666", true);
    assert_eq!(
        app.post_webhook(delivered.to_string().as_bytes())
            .await
            .status,
        StatusCode::OK
    );
    let rate = app
        .count("SELECT rate_micro FROM message_rates WHERE market = 'Brazil' AND category = 'marketing'")
        .await;
    let r = report(&mut app).await;
    assert_eq!(r["cost_micro"], rate);
    let charged: i64 = r["days"]
        .as_array()
        .expect("days")
        .iter()
        .map(|d| d["charged"].as_i64().unwrap_or(0))
        .sum();
    assert_eq!(charged, 1);
    let fr = &r["current"]["first_response"];
    assert_eq!(fr["all"]["median_s"], 65 * 3600);
    assert_eq!(fr["business"]["median_s"], 2 * 3600);
    assert_eq!(r["replies_in_window"], 0);
    assert_eq!(r["window_expired"], 1, "nobody answered within 24 hours");
}

#[tokio::test]
async fn the_window_share_counts_23h59_inside_and_24h01_outside() {
    let mut app = app().await;
    let agent = user(&app, "ana@shop.example", Role::Agent).await;
    let inside = customer(&mut app, "5511911110000", "wamid.W1", 23 * 3600 + 59 * 60).await;
    reply(&app, inside, &agent).await;
    let outside = customer(&mut app, "5511922220000", "wamid.W2", 24 * 3600 + 60).await;
    let refused = app
        .state
        .crm
        .check_free_form(
            ConversationId(outside),
            flowcrm::crm::access::Who::user(agent.id, agent.role),
        )
        .await;
    assert!(refused.is_err(), "the window is closed: only a template");
    let r = report(&mut app).await;
    assert_eq!(r["replies"], 1);
    assert_eq!(r["replies_in_window"], 1);
    assert_eq!(
        r["window_expired"], 1,
        "the second customer's window closed unanswered"
    );
    assert_eq!(r["unattended_now"], 1);
}

#[tokio::test]
async fn the_page_draws_svg_charts_without_script_and_agents_see_their_own_figures() {
    let mut app = app().await;
    fixture(&mut app).await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get("/reports?days=30").await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    for want in [
        "First response",
        "7 min",      // the median: 450 s
        "p90 20 min", // 1200 s
        "ana@shop.example",
        "bruno@shop.example",
        "When customers write",
        "Template cost",
    ] {
        assert!(body.contains(want), "{want}: {body}");
    }
    // Every chart is an inline SVG with no script or event handler, and the table behind it.
    let svgs: Vec<&str> = body.split("<svg class=\"chart").skip(1).collect();
    assert!(svgs.len() >= 3, "{} charts", svgs.len());
    for s in &svgs {
        let end = s.find("</svg>").expect("closed");
        let svg = format!("<svg class=\"chart{}</svg>", &s[..end]);
        let doc = roxmltree::Document::parse(&svg).expect("well-formed");
        assert!(doc.descendants().all(|n| n.tag_name().name() != "script"));
        assert!(!svg.contains(" on"), "{svg}");
    }
    assert!(body.contains("<details><summary>The numbers</summary>"));
    // Business hours toggle.
    let page = app.get("/reports?days=30&hours=business").await;
    assert!(page.body.contains("(business hours)"));
    // A bad range says so and shows the default range.
    let page = app.get("/reports?from=2026-13-01").await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.body.contains("is not a date"), "{}", page.body);

    // Ana sees her own figures only.
    let mut ana = app.other_browser();
    let r = ana
        .login("ana@shop.example", crate::helpers::PASSWORD)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = ana.get("/reports?days=30").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Your own figures"));
    assert!(page.body.contains("ana@shop.example"));
    assert!(!page.body.contains("bruno@shop.example"), "{}", page.body);
    assert!(!page.body.contains("When customers write"));
    let csv = ana.get("/reports/export/agents?days=30").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
    assert_eq!(
        ana.get("/reports/conversations.csv").await.status,
        StatusCode::FORBIDDEN
    );
    // Viewers see no reports.
    let mut viewer = app.other_browser();
    viewer
        .logged_in_as("viewer@shop.example", Role::Viewer)
        .await;
    assert_eq!(viewer.get("/reports").await.status, StatusCode::FORBIDDEN);
    assert!(
        !viewer
            .get("/inbox")
            .await
            .body
            .contains("href=\"/reports\"")
    );
}

#[tokio::test]
async fn csv_exports_defuse_formulas_and_the_conversation_report_is_audited() {
    let mut app = app().await;
    let agent = user(&app, "ana@shop.example", Role::Agent).await;
    // A customer whose WhatsApp name is a formula.
    let ts = app.clock.now().unix_timestamp() - 90;
    let body = crate::payload::text_from(
        "5511955554444",
        "=HYPERLINK(\"http://x\")",
        "wamid.F",
        ts,
        "Oi",
    );
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    let conv = app.count("SELECT MAX(id) FROM conversations").await;
    reply(&app, conv, &agent).await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let csv = app.get("/reports/conversations.csv?days=1").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.header("content-type")
            .unwrap_or_default()
            .starts_with("text/csv")
    );
    let row = csv.body.lines().nth(1).expect("one conversation");
    assert!(row.contains("'=HYPERLINK"), "{row}");
    assert!(row.contains(",90,"), "first response 90 s: {row}");
    assert_eq!(app.audit_count("export.report_conversations").await, 1);
    for section in [
        "summary", "days", "agents", "heatmap", "cost", "revenue", "ads",
    ] {
        let r = app.get(&format!("/reports/export/{section}?days=7")).await;
        assert_eq!(r.status, StatusCode::OK, "{section}");
        assert!(r.body.lines().count() >= 1, "{section}");
    }
    assert_eq!(
        app.get("/reports/export/nothing").await.status,
        StatusCode::NOT_FOUND
    );
    // The summary: the current and the previous period.
    let s = app.get("/reports/export/summary?days=7").await;
    assert_eq!(s.body.lines().count(), 3, "{}", s.body);
    assert!(
        s.body
            .lines()
            .nth(1)
            .expect("current")
            .starts_with("current,")
    );
}

#[tokio::test]
async fn the_api_is_for_admin_keys_and_checks_its_range() {
    let mut app = app().await;
    let (_, agent_key) = key(&app, Role::Agent).await;
    let r = call(&mut app, "GET", "/reports", Some(&agent_key), None).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let (_, k) = key(&app, Role::Admin).await;
    for bad in [
        "/reports?days=0",
        "/reports?days=x",
        "/reports?from=2026-02-30",
        "/reports?days=9999",
    ] {
        let r = call(&mut app, "GET", bad, Some(&k), None).await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{bad}: {}",
            r.body
        );
    }
    let r = call(
        &mut app,
        "GET",
        "/reports?from=2026-01-01&until=2026-01-31",
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    let v: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v["days"].as_array().expect("days").len(), 31);
    assert_eq!(v["previous"]["from"], "2025-12-01");
    assert_eq!(v["previous"]["until"], "2025-12-31");
    assert_eq!(v["heatmap"].as_array().expect("rows").len(), 7);
    let r = call(
        &mut app,
        "GET",
        "/reports/conversations?days=3",
        Some(&k),
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.body, "[]");
}

#[tokio::test]
async fn the_satisfaction_survey_asks_on_resolve_inside_the_window_and_reports_per_person() {
    let (mut app, fake) = setup_with(|c| c.app.timezone = Some("UTC".into())).await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let page = app.get("/settings/business-hours").await;
    assert!(page.body.contains("Customer satisfaction survey"));
    // Every problem is listed; nothing is saved.
    let r = app
        .submit(
            "/settings/business-hours",
            "/settings/csat",
            &[("enabled", "1"), ("question", "  ")],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM settings WHERE name = 'reports.csat'")
            .await,
        0
    );
    let r = app
        .submit(
            "/settings/business-hours",
            "/settings/csat",
            &[
                ("enabled", "1"),
                ("question", "Como foi o atendimento? Escolha de 1 a 5."),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let ana = user(&app, "ana@shop.example", Role::Agent).await;
    let inside = customer(&mut app, "5511933330000", "wamid.C1", 600).await;
    reply(&app, inside, &ana).await;
    status(&app, inside, "resolved", &ana).await;
    // A conversation whose window closed gets no question.
    let closed = customer(&mut app, "5511944440000", "wamid.C2", 25 * 3600).await;
    status(&app, closed, "resolved", &ana).await;
    fake.sent.lock().expect("lock").clear();
    crate::fake_graph::run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    let lists: Vec<&Value> = sent
        .iter()
        .filter(|b| b["type"] == "interactive" && b["interactive"]["type"] == "list")
        .collect();
    assert_eq!(lists.len(), 1, "{sent:?}");
    let q = lists[0];
    assert_eq!(
        q["to"].as_str().map(|t| t.trim_start_matches('+')),
        Some("5511933330000")
    );
    assert_eq!(
        q["interactive"]["body"]["text"],
        "Como foi o atendimento? Escolha de 1 a 5."
    );
    let rows = q["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .expect("rows");
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4]["id"], "csat:5");
    assert!(
        rows.iter()
            .all(|r| r["title"].as_str().is_some_and(|t| t.chars().count() <= 24))
    );
    assert!(
        q["interactive"]["action"]["button"]
            .as_str()
            .is_some_and(|b| b.chars().count() <= 20)
    );
    // The customer picks 5: stored, and the conversation stays resolved.
    let ts = app.clock.now().unix_timestamp();
    let answer = crate::payload::message_from(
        "5511933330000",
        "Cliente",
        &serde_json::json!({
            "id": "wamid.CSAT1", "timestamp": ts.to_string(), "type": "interactive",
            "interactive": {"type": "list_reply", "list_reply": {"id": "csat:5", "title": "5 – Very good"}}
        }),
    );
    assert_eq!(
        app.post_webhook(answer.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    let still = app
        .query(move |c| {
            c.query_row(
                "SELECT status FROM conversations WHERE id = ?1",
                [inside],
                |r| r.get::<_, String>(0),
            )
        })
        .await;
    assert_eq!(still, "resolved", "a rating does not reopen");
    let r = report(&mut app).await;
    assert_eq!(r["csat"]["asked"], 1);
    assert_eq!(r["csat"]["answered"], 1);
    assert_eq!(r["csat"]["positive"], 1);
    assert_eq!(agent(&r, "ana@shop.example")["csat"]["answered"], 1);
    assert_eq!(r["current"]["reopened"], 0);
    let page = app.get("/reports?days=7").await;
    assert!(page.body.contains("Satisfaction score"), "{}", page.body);
    assert!(page.body.contains("100 %"));
    // The back-fill treats the rating the same way.
    assert_backfill_equals_live(&app).await;
}

/// Runs the back-fill again over what was recorded live, two conversations per write job
/// (as a long history is replayed): the events and the per-day counters must come out the same.
async fn assert_backfill_equals_live(app: &TestApp) {
    let events = || async {
        app.state
            .db
            .read(flowcrm::db::reports::queries::all_events)
            .await
            .expect("events")
    };
    let days_sql = "SELECT group_concat(kind || ':' || day || ':' || user_id || ':' || n || ':' || inside, ' ')
                    FROM (SELECT * FROM report_days WHERE n <> 0 ORDER BY kind, day, user_id)";
    let days = || async {
        app.state
            .db
            .read(move |c| {
                c.query_row(days_sql, [], |r| r.get::<_, Option<String>>(0))
                    .map_err(flowcrm::db::Error::from)
            })
            .await
            .expect("days")
    };
    let (live, live_days) = (events().await, days().await);
    let mut seen = Vec::new();
    let now = app.clock.now();
    flowcrm::crm::reports::backfill::run_sliced(&app.state.db, now, 2, &mut |d, t| {
        seen.push((d, t));
    })
    .await
    .expect("back-fill");
    let total = seen.last().map_or(0, |s| s.1);
    assert_eq!(seen.len(), total.div_ceil(2), "{seen:?}");
    assert_eq!(seen.last().map(|s| s.0), Some(total));
    assert_eq!(events().await, live);
    assert_eq!(days().await, live_days);
}

#[tokio::test]
async fn deleting_a_contact_takes_their_events_out_of_the_daily_counts() {
    let mut app = app().await;
    fixture(&mut app).await;
    let (_, k) = key(&app, Role::Admin).await;
    let contact = app
        .count("SELECT contact_id FROM conversations ORDER BY id DESC LIMIT 1")
        .await;
    let r = call(
        &mut app,
        "DELETE",
        &format!("/contacts/{contact}"),
        Some(&k),
        None,
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = report(&mut app).await;
    assert_eq!(r["current"]["opened"], 4);
    assert_eq!(r["replies"], 5);
    // The per-day counters still equal the events, kind by kind.
    let mismatched = app
        .count(
            "SELECT COUNT(*) FROM (SELECT kind, COUNT(*) AS n FROM report_events GROUP BY kind) e
             LEFT JOIN (SELECT kind, SUM(n) AS n FROM report_days GROUP BY kind) d USING (kind)
             WHERE d.n IS NOT e.n",
        )
        .await;
    assert_eq!(mismatched, 0);
}
