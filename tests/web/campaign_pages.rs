//! The Broadcasts pages: build a campaign in the form (variables, media header upload,
//! segments, schedule in the business zone), see the preview and estimate, send it and read
//! the funnel and its CSV; the test send; the rate table; and who may do what.

use crate::campaigns::{crowd, person, promo_template, segment, status_of};
use crate::fake_graph::{run_sender, setup};
use crate::helpers::{TestApp, TestResponse};
use crate::start_conversation::approved;
use axum::http::{StatusCode, header};
use flowcrm::model::campaign::CampaignState;
use flowcrm::model::{ContactFilter, OptIn, Role};
use serde_json::json;

/// Posts the campaign form (multipart) with this browser's CSRF token.
pub async fn post_multipart(
    app: &mut TestApp,
    path: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> TestResponse {
    let csrf = app.get("/campaigns").await.csrf();
    app.post_multipart(path, &csrf, fields, file).await
}

fn location(r: &TestResponse) -> String {
    r.headers
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn campaigns(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM campaigns").await
}

/// Posts status webhooks: every sent message delivered (charged as marketing), the first read.
async fn report_delivered_and_one_read(app: &mut TestApp) {
    let sends: Vec<(String, String)> = app
        .query(|c| {
            let mut s = c.prepare("SELECT m.wamid, k.phone FROM messages m JOIN conversations v ON v.id = m.conversation_id JOIN contacts k ON k.id = v.contact_id WHERE m.direction = 'out' ORDER BY m.id")?;
            let rows = s.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await;
    let ts = flowcrm::clock::Clock::now(&*app.clock).unix_timestamp();
    for (i, (wamid, phone)) in sends.iter().enumerate() {
        let to = phone.trim_start_matches('+');
        let body = status_of(wamid, "delivered", ts + 1, to, true);
        assert_eq!(
            app.post_webhook(body.to_string().as_bytes()).await.status,
            StatusCode::OK
        );
        if i == 0 {
            let body = status_of(wamid, "read", ts + 2, to, false);
            assert_eq!(
                app.post_webhook(body.to_string().as_bytes()).await.status,
                StatusCode::OK
            );
        }
    }
}

/// Opens the empty list and the form, and saves "Dezembro" to `segment`; its page.
async fn build_in_the_form(app: &mut TestApp, everyone: i64) -> String {
    let list = app.get("/campaigns").await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("No campaigns yet"), "{}", list.body);
    let form = app.get("/campaigns/new").await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.body.contains("value=\"promo|pt_BR\""),
        "the approved template is offered"
    );
    assert!(
        form.body.contains("name=\"var_1\""),
        "one row for {{{{1}}}}"
    );
    assert!(form.body.contains("Everyone"), "the segment is offered");

    let seg = everyone.to_string();
    let r = post_multipart(
        app,
        "/campaigns/new",
        &[
            ("name", "Dezembro"),
            ("template", "promo|pt_BR"),
            ("var_1", "first_name"),
            ("val_1", "cliente"),
            ("include", &seg),
            ("when", "now"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = location(&r);
    assert!(page.starts_with("/campaigns/"), "{page}");

    page
}

#[tokio::test]
async fn an_admin_builds_a_campaign_sees_who_it_reaches_sends_it_and_reads_the_funnel() {
    let (mut app, fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 3).await;
    person(&app, "+5511911110009", "Caio", OptIn::Out, false).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;

    let page = build_in_the_form(&mut app, everyone).await;

    let show = app.get(&page).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(
        show.body.contains("<strong id=\"reach\">3</strong>"),
        "{}",
        show.body
    );
    assert!(show.body.contains("Opted out"), "who is left out and why");
    assert!(
        show.body.contains("example rates"),
        "the example table is marked"
    );
    // 3 Brazilian marketing messages at the example 0.0625 USD.
    assert!(
        show.body.contains("0.19 USD"),
        "the estimate: {}",
        show.body
    );

    let csrf = show.csrf();
    let sent = app
        .post_form(
            &format!("{page}/state"),
            &[("action", "send"), ("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    // What the sender's loop does before each run.
    app.state
        .crm
        .feed_campaigns(flowcrm::model::Zone::utc())
        .await
        .expect("feed");
    let sending = app.get(&page).await;
    assert!(
        sending.body.contains("id=\"funnel\" data-refresh="),
        "a sending campaign's funnel refreshes itself"
    );
    run_sender(&app).await;
    assert_eq!(fake.sent.lock().expect("lock").len(), 3, "one message each");
    let show = app.get(&page).await;
    assert!(
        show.body.contains("data-stage=\"queued\">3<"),
        "{}",
        show.body
    );
    assert!(show.body.contains("data-stage=\"delivered\">0<"));
    // WhatsApp reports: all three delivered (and charged), one read.
    report_delivered_and_one_read(&mut app).await;
    let show = app.get(&page).await;
    assert!(
        show.body.contains("data-stage=\"delivered\">3<"),
        "{}",
        show.body
    );
    assert!(show.body.contains("data-stage=\"read\">1<"));
    assert!(
        show.body
            .contains("<strong id=\"actual\">0.19 USD</strong>"),
        "what Meta charged"
    );
    let read = app.get(&format!("{page}?stage=read")).await;
    assert_eq!(
        read.body.matches("<td>read</td>").count(),
        1,
        "{}",
        read.body
    );
    assert!(!show.body.contains("id=\"send\""), "no second send");

    let csv = app.get(&format!("{page}/recipients.csv?stage=all")).await;
    assert_eq!(csv.status, StatusCode::OK);
    let lines: Vec<&str> = csv.body.lines().collect();
    assert!(
        lines[0].starts_with("contact_id,name,address"),
        "{}",
        csv.body
    );
    assert_eq!(lines.len(), 1 + 4, "3 recipients and the one left out");
    assert!(csv.body.contains("opted_out"), "{}", csv.body);
    let list = app.get("/campaigns").await;
    assert!(list.body.contains("Dezembro"));
    let id: i64 = page.trim_start_matches("/campaigns/").parse().expect("id");
    crate::campaigns::counters_match_recipients(&app, id).await;
    // Nothing left to send: the next feeding finishes it, and its funnel stops refreshing.
    app.state
        .crm
        .feed_campaigns(flowcrm::model::Zone::utc())
        .await
        .expect("feed");
    let done = app.get(&page).await;
    assert!(done.body.contains("badge-done") && !done.body.contains("data-refresh"));
}

#[tokio::test]
async fn the_form_lists_every_problem_and_saves_nothing() {
    let (mut app, _fake) = setup().await;
    promo_template(&app).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = post_multipart(
        &mut app,
        "/campaigns/new",
        &[
            ("name", ""),
            ("template", "promo|pt_BR"),
            ("var_1", "first_name"),
            ("val_1", ""),
            ("when", "later"),
            ("date", "2020-01-01"),
            ("time", "09:00"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Give the campaign a name."), "{}", r.body);
    assert!(r.body.contains("Choose at least one segment"), "{}", r.body);
    assert!(r.body.contains("That time has passed"), "{}", r.body);
    assert!(
        r.body.contains("value=\"2020-01-01\""),
        "what was typed stays"
    );
    assert_eq!(campaigns(&app).await, 0);

    let r = post_multipart(
        &mut app,
        "/campaigns/new",
        &[
            ("name", "X"),
            ("template", "promo|pt_BR"),
            ("var_1", "first_name"),
            ("when", "later"),
            ("date", "tomorrow"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("Choose a date and a time"), "{}", r.body);
    assert_eq!(campaigns(&app).await, 0);
}

#[tokio::test]
async fn a_schedule_is_read_in_the_business_time_zone() {
    let (mut app, _fake) =
        crate::fake_graph::setup_with(|c| c.app.timezone = Some("America/Sao_Paulo".into())).await;
    promo_template(&app).await;
    let seg = segment(&app, "Everyone", ContactFilter::default())
        .await
        .to_string();
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = post_multipart(
        &mut app,
        "/campaigns/new",
        &[
            ("name", "Natal"),
            ("template", "promo|pt_BR"),
            ("var_1", "first_name"),
            ("val_1", "cliente"),
            ("include", &seg),
            ("when", "later"),
            ("date", "2099-12-24"),
            ("time", "09:30"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let at: i64 = app.count("SELECT scheduled_at FROM campaigns").await;
    // 09:30 in São Paulo (UTC−3) is 12:30 UTC.
    let want = time::macros::datetime!(2099-12-24 12:30 UTC).unix_timestamp();
    assert_eq!(at, want);
    let edit = app.get(&format!("{}/edit", location(&r))).await;
    assert!(
        edit.body.contains("value=\"09:30\""),
        "shown back in the zone"
    );
}

#[tokio::test]
async fn a_media_header_is_uploaded_once_and_kept_while_the_form_is_fixed() {
    let (mut app, fake) = setup().await;
    approved(
        &app,
        "promo_foto",
        "MARKETING",
        json!([{"type":"HEADER","format":"IMAGE"},{"type":"BODY","text":"Oi {{1}}, veja a foto!"}]),
    )
    .await;
    let seg = segment(&app, "Everyone", ContactFilter::default())
        .await
        .to_string();
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let form = app.get("/campaigns/new").await;
    assert!(form.body.contains("name=\"header_file\""), "{}", form.body);

    let jpeg: &[u8] = &[
        0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F', b'I', b'F', 0, 1,
    ];
    // No name yet: the form comes back, the photo already uploaded and kept.
    let fields = [
        ("name", ""),
        ("template", "promo_foto|pt_BR"),
        ("var_1", "first_name"),
        ("val_1", "cliente"),
        ("include", seg.as_str()),
        ("when", "now"),
    ];
    let r = post_multipart(
        &mut app,
        "/campaigns/new",
        &fields,
        Some(("sale.jpg", "image/jpeg", jpeg)),
    )
    .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    assert_eq!(fake.uploads.lock().expect("lock").len(), 1);
    let marker = "name=\"kept_media\" value=\"";
    let start = r.body.find(marker).expect("kept") + marker.len();
    let media_id = r.body[start..].split('"').next().expect("id").to_string();
    assert!(!media_id.is_empty());

    let mut again = fields.to_vec();
    again[0] = ("name", "Foto");
    again.push(("kept_format", "IMAGE"));
    again.push(("kept_media", media_id.as_str()));
    let r = post_multipart(&mut app, "/campaigns/new", &again, None).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        fake.uploads.lock().expect("lock").len(),
        1,
        "not uploaded twice"
    );
    let header: String = app
        .query(|c| c.query_row("SELECT header FROM campaigns", [], |r| r.get(0)))
        .await;
    assert!(header.contains(&media_id), "{header}");

    // Without any file the template's photo header is missing.
    let mut none = fields.to_vec();
    none[0] = ("name", "Sem foto");
    let r = post_multipart(&mut app, "/campaigns/new", &none, None).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body.contains("header is a image: upload one") || r.body.contains("upload one"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn changing_the_template_redraws_the_variables_and_keeps_what_was_typed() {
    let (mut app, _fake) = setup().await;
    promo_template(&app).await;
    approved(
        &app,
        "aviso",
        "UTILITY",
        json!([{"type":"BODY","text":"{{1}}, seu pedido {{2}} saiu."}]),
    )
    .await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = post_multipart(
        &mut app,
        "/campaigns/new",
        &[
            ("name", "Avisos"),
            ("template", "aviso|pt_BR"),
            ("var_1", "first_name"),
            ("reload", "1"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("name=\"var_2\""), "two rows now");
    assert!(r.body.contains("value=\"Avisos\""), "the name stays");
    assert!(
        r.body.contains("name=\"allow_unknown\""),
        "utility may include unknown consent"
    );
    assert!(!r.body.contains("field-error"), "no errors for a redraw");
    assert_eq!(campaigns(&app).await, 0, "nothing saved");
}

#[tokio::test]
async fn a_test_send_goes_to_one_chosen_contact_and_is_not_part_of_the_campaign() {
    let (mut app, fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 2).await;
    person(&app, "+5511955554444", "Dona Loja", OptIn::In, false).await;
    let seg = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = crate::campaigns::create(&app, crate::campaigns::input("Teste", vec![seg])).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let page = format!("/campaigns/{id}");

    let r = app
        .submit(
            &page,
            &format!("{page}/test"),
            &[("to", "+5511900000000"), ("key", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert!(location(&r).starts_with("/conversations/"));
    run_sender(&app).await;
    let sent = fake.sent_of_type("template");
    assert_eq!(sent["to"], "+5511900000000");
    assert_eq!(
        sent["template"]["components"][0]["parameters"][0]["text"],
        "Pessoa"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM campaign_recipients").await,
        0
    );
    let d = app
        .state
        .crm
        .campaign(crate::campaigns::admin(), id)
        .await
        .expect("campaign");
    assert_eq!(d.campaign.state, CampaignState::Draft, "still a draft");

    let r = app
        .submit(&page, &format!("{page}/test"), &[("to", "+5511977770000")])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("No contact has this number"), "{}", r.body);
    assert!(
        r.body.contains("value=\"+5511977770000\""),
        "what was typed stays"
    );
    let r = app
        .submit(&page, &format!("{page}/test"), &[("to", "")])
        .await;
    assert!(r.body.contains("Type the phone number"), "{}", r.body);
}

#[tokio::test]
async fn the_rate_table_is_read_by_all_and_changed_by_admins_with_every_problem_listed() {
    let (mut app, _fake) = setup().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let page = app.get("/campaigns/rates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("This is an <strong>example</strong>"));
    assert!(page.body.contains("value=\"Brazil\""));

    let r = app
        .submit(
            "/campaigns/rates",
            "/campaigns/rates",
            &[
                ("currency", "reais"),
                ("cap_hours", "-1"),
                ("market", "Brazil"),
                ("marketing", "abc"),
                ("utility", ""),
                ("authentication", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    for m in ["ISO 4217", "whole number of hours", "is not an amount"] {
        assert!(r.body.contains(m), "{m}: {}", r.body);
    }
    let r = app
        .submit(
            "/campaigns/rates",
            "/campaigns/rates",
            &[
                ("currency", "brl"),
                ("cap_hours", "48"),
                ("market", "Brazil"),
                ("marketing", "0,35"),
                ("utility", "0.04"),
                ("authentication", ""),
                ("market", ""),
                ("marketing", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let t = app
        .state
        .crm
        .campaign_rates(crate::campaigns::admin())
        .await
        .expect("rates");
    assert_eq!(
        (t.currency.as_str(), t.example, t.cap_hours, t.rates.len()),
        ("BRL", false, 48, 2)
    );
    let page = app.get("/campaigns/rates").await;
    assert!(!page.body.contains("This is an <strong>example</strong>"));
    assert!(page.body.contains("value=\"0.3500\""), "{}", page.body);

    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let page = agent.get("/campaigns/rates").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("readonly") && !page.body.contains("Save rates"));
    let r = agent
        .submit(
            "/campaigns/rates",
            "/campaigns/rates",
            &[("currency", "USD"), ("cap_hours", "0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn agents_read_campaigns_but_cannot_build_send_or_export_them() {
    let (mut app, _fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 2).await;
    let seg = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = crate::campaigns::create(&app, crate::campaigns::input("Só leitura", vec![seg])).await;
    app.logged_in_as("agent@loja.example", Role::Agent).await;
    let page = format!("/campaigns/{id}");
    let show = app.get(&page).await;
    assert_eq!(show.status, StatusCode::OK);
    assert!(show.body.contains("Só leitura") && !show.body.contains("id=\"send\""));
    assert!(!show.body.contains("Test send"));
    assert!(!app.get("/campaigns").await.body.contains("New campaign"));
    assert_eq!(
        app.get("/campaigns/new").await.status,
        StatusCode::FORBIDDEN
    );
    for (path, fields) in [
        (format!("{page}/state"), vec![("action", "send")]),
        (format!("{page}/test"), vec![("to", "+5511900000000")]),
        (format!("{page}/delete"), vec![]),
    ] {
        let r = app.submit(&page, &path, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(
        app.get(&format!("{page}/recipients.csv")).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM campaign_recipients").await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
}

#[tokio::test]
async fn a_contacts_export_lists_their_campaigns_and_erasure_removes_them() {
    let (mut app, _fake) = setup().await;
    promo_template(&app).await;
    let ana = person(&app, "+5511911110001", "Ana Souza", OptIn::In, false).await;
    let caio = person(&app, "+5511911110002", "Caio", OptIn::Out, false).await;
    let seg = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = crate::campaigns::create(&app, crate::campaigns::input("Outubro", vec![seg])).await;
    crate::campaigns::act(&app, id, flowcrm::crm::campaigns::Action::Send).await;
    crate::campaigns::run_to_end(&app, id).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;

    let doc = app.exported(ana).await;
    let c = &doc["campaigns"][0];
    assert_eq!(c["campaign"], "Outubro");
    assert_eq!(c["state"], "queued");
    assert_eq!(
        c["variables"], "[\"Ana\"]",
        "what was sent with which values"
    );
    let doc = app.exported(caio).await;
    assert_eq!(doc["campaigns"][0]["left_out_reason"], "opted_out");

    let r = app
        .submit(
            &format!("/contacts/{ana}/delete"),
            &format!("/contacts/{ana}/erase"),
            &[("confirm", "ERASE"), ("reason", "Asked by email")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let left: i64 = app
        .query(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM campaign_recipients WHERE contact_id = ?1",
                [ana],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(left, 0);
    let d = app
        .state
        .crm
        .campaign(crate::campaigns::admin(), id)
        .await
        .expect("campaign");
    assert_eq!(
        d.funnel.audience, 1,
        "the campaign's figures no longer count her"
    );
}
