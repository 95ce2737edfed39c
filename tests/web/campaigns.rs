//! Broadcasts end to end through the use cases, the real sender and the fake Graph API: the
//! audience rules (preview = what is sent), restart safety, pause/resume/cancel, 1:1 replies
//! before the campaign, the funnel from out-of-order status webhooks, and the cost.

use crate::fake_graph::{FakeGraph, run_sender, setup};
use crate::helpers::TestApp;
use crate::start_conversation::approved;
use flowcrm::crm::access::Who;
use flowcrm::crm::campaigns::{Action, Input};
use flowcrm::crm::contacts::Actor;
use flowcrm::db::campaigns::Stage;
use flowcrm::model::campaign::{Binding, CampaignState, LeftOut};
use flowcrm::model::{ContactFilter, ContactId, OptIn, PhoneE164, Role, Zone};
use serde_json::json;
use std::collections::HashMap;

pub fn admin() -> Who {
    Who::key(Role::Admin)
}

pub fn actor() -> Actor {
    Actor {
        user: None,
        ip: "test".into(),
    }
}

/// A contact with this phone, name and consent (restricted when asked).
pub async fn person(
    app: &TestApp,
    phone: &str,
    name: &str,
    opt_in: OptIn,
    restricted: bool,
) -> i64 {
    let (phone, name) = (phone.to_string(), name.to_string());
    let now = flowcrm::clock::Clock::now(&*app.clock);
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<i64> {
            let p = PhoneE164::from_international(&phone).expect("phone");
            let id = flowcrm::db::contacts::insert_manual(c, &name, &p, None, now)?;
            flowcrm::db::consent::set_opt_in(c, id, opt_in, "test", None, now)?;
            if restricted {
                flowcrm::db::contacts::set_restricted(c, id, Some(now))?;
            }
            Ok(id.0)
        })
        .await
        .expect("contact")
}

/// Many opted-in contacts with phones +55119000NNNNN.
pub async fn crowd(app: &TestApp, n: usize) -> Vec<i64> {
    let now = flowcrm::clock::Clock::now(&*app.clock);
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<Vec<i64>> {
            (0..n)
                .map(|i| {
                    let p =
                        PhoneE164::from_international(&format!("+5511900{i:06}")).expect("phone");
                    let id = flowcrm::db::contacts::insert_manual(
                        c,
                        &format!("Pessoa {i}"),
                        &p,
                        None,
                        now,
                    )?;
                    flowcrm::db::consent::set_opt_in(c, id, OptIn::In, "test", None, now)?;
                    Ok(id.0)
                })
                .collect()
        })
        .await
        .expect("crowd")
}

/// A segment of `filter`.
pub async fn segment(app: &TestApp, name: &str, filter: ContactFilter) -> i64 {
    let name = name.to_string();
    let now = flowcrm::clock::Clock::now(&*app.clock);
    app.state
        .db
        .write(move |c| flowcrm::db::segments::insert(c, &name, &filter, None, now))
        .await
        .expect("segment")
}

pub async fn promo_template(app: &TestApp) {
    approved(
        app,
        "promo",
        "MARKETING",
        json!([{"type":"BODY","text":"Oi {{1}}, 20% off hoje!"}]),
    )
    .await;
}

pub fn input(name: &str, include: Vec<i64>) -> Input {
    Input {
        name: name.into(),
        template_name: "promo".into(),
        template_language: "pt_BR".into(),
        variables: vec![Binding::Field {
            field: "first_name".into(),
            fallback: String::new(),
        }],
        include,
        ..Input::default()
    }
}

pub async fn create(app: &TestApp, i: Input) -> i64 {
    app.state
        .crm
        .create_campaign(admin(), actor(), i)
        .await
        .expect("create")
}

pub async fn act(app: &TestApp, id: i64, action: Action) -> CampaignState {
    app.state
        .crm
        .campaign_action(admin(), actor(), id, action, Zone::utc())
        .await
        .expect("action")
}

async fn feed(app: &TestApp) -> flowcrm::crm::campaigns::Fed {
    app.state
        .crm
        .feed_campaigns(Zone::utc())
        .await
        .expect("feed")
}

/// Feeds and sends until the campaign is done.
pub async fn run_to_end(app: &TestApp, id: i64) {
    for _ in 0..100 {
        feed(app).await;
        run_sender(app).await;
        let c = app.state.crm.campaign(admin(), id).await.expect("campaign");
        if c.campaign.state == CampaignState::Done {
            return;
        }
    }
    panic!("campaign {id} never finished");
}

/// The counters the page reads (V31) say exactly what a count of the recipients says.
pub async fn counters_match_recipients(app: &TestApp, id: i64) {
    type Groups = Vec<(String, i64)>;
    let (kept, counted): (Groups, Groups) = app
        .query(move |c| {
            let key = "market || '|' || state || '|' || rank || '|' || error_code || '|' || charged
                       || '|' || replied || '|' || opted_out || '|' || window_open";
            let kept = c
                .prepare(&format!(
                    "SELECT {key}, n FROM campaign_counts WHERE campaign_id = ?1 AND n != 0 ORDER BY 1"
                ))?
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            let counted = c
                .prepare(&format!(
                    "SELECT {key}, COUNT(*) FROM (SELECT market, state, rank,
                        COALESCE(error_code, 0) AS error_code, COALESCE(charged, '') AS charged,
                        replied_at IS NOT NULL AS replied, opted_out_at IS NOT NULL AS opted_out,
                        window_open FROM campaign_recipients WHERE campaign_id = ?1)
                     GROUP BY 1 ORDER BY 1"
                ))?
                .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok((kept, counted))
        })
        .await;
    assert_eq!(
        kept, counted,
        "campaign {id}: counters and recipients differ"
    );
}

/// Template sends that reached the fake, by recipient.
fn sends_by_recipient(fake: &FakeGraph) -> HashMap<String, usize> {
    let mut out = HashMap::new();
    for b in fake.sent.lock().expect("lock").iter() {
        if b["type"] == "template" {
            *out.entry(b["to"].as_str().unwrap_or("").to_string())
                .or_default() += 1;
        }
    }
    out
}

#[tokio::test]
async fn a_mixed_audience_gets_exactly_what_the_preview_said() {
    let (app, fake) = setup().await;
    promo_template(&app).await;
    let ok1 = person(&app, "+5511911110001", "Ana Souza", OptIn::In, false).await;
    let ok2 = person(&app, "+14155550102", "Bob", OptIn::In, false).await;
    person(&app, "+5511911110003", "Caio", OptIn::Out, false).await;
    person(&app, "+5511911110004", "Dora", OptIn::Unknown, false).await;
    person(&app, "+5511911110005", "Eva", OptIn::In, true).await;
    // No name: the first-name variable has nothing and no fallback.
    person(&app, "+5511911110006", "", OptIn::In, false).await;
    let capped = person(&app, "+5511911110007", "Fabi", OptIn::In, false).await;
    let excluded = person(&app, "+5511911110008", "Gil", OptIn::In, false).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let gil = segment(
        &app,
        "Gil",
        ContactFilter {
            q: "Gil".into(),
            ..ContactFilter::default()
        },
    )
    .await;
    let fabi = segment(
        &app,
        "Fabi",
        ContactFilter {
            q: "Fabi".into(),
            ..ContactFilter::default()
        },
    )
    .await;

    // Another marketing campaign reached Fabi an hour ago: the 24-hour cap leaves her out.
    let earlier = create(&app, input("Earlier", vec![fabi])).await;
    assert_eq!(
        act(&app, earlier, Action::Send).await,
        CampaignState::Sending
    );
    run_to_end(&app, earlier).await;
    app.clock.advance(time::Duration::hours(1));

    let mut i = input("Black Friday", vec![everyone]);
    i.exclude = vec![gil];
    let id = create(&app, i).await;
    let p = app
        .state
        .crm
        .preview_campaign(admin(), id, Zone::utc())
        .await
        .expect("preview");
    let left: HashMap<LeftOut, i64> = p.left_out.iter().map(|(r, n, _)| (*r, *n)).collect();
    assert_eq!(p.recipients, 2, "{left:?}");
    assert_eq!(left.get(&LeftOut::OptedOut), Some(&1));
    assert_eq!(left.get(&LeftOut::ConsentUnknown), Some(&1));
    assert_eq!(left.get(&LeftOut::Restricted), Some(&1));
    assert_eq!(left.get(&LeftOut::InvalidVariables), Some(&1));
    assert_eq!(left.get(&LeftOut::Capped), Some(&1));
    assert!(
        p.left_out
            .iter()
            .any(|(r, _, who)| *r == LeftOut::Capped && who[0].0 == capped)
    );
    assert!(
        !p.left_out
            .iter()
            .flat_map(|(_, _, w)| w)
            .any(|(id, _)| *id == excluded)
    );

    assert_eq!(act(&app, id, Action::Send).await, CampaignState::Sending);
    run_to_end(&app, id).await;
    let sent = sends_by_recipient(&fake);
    // Fabi got only the earlier campaign; this one went to exactly the two allowed contacts.
    assert_eq!(sent.len(), 3, "{sent:?}");
    assert!(sent.values().all(|n| *n == 1));
    let d = app.state.crm.campaign(admin(), id).await.expect("detail");
    assert_eq!(d.funnel.queued, p.recipients);
    assert_eq!(d.funnel.skipped, left.values().sum::<i64>());
    let body = fake
        .sent
        .lock()
        .expect("lock")
        .iter()
        .find(|b| b["to"] == "+5511911110001" && b["type"] == "template")
        .cloned()
        .expect("Ana's message");
    assert_eq!(
        body["template"]["components"][0]["parameters"][0]["text"],
        "Ana"
    );
    let rows = app
        .state
        .crm
        .campaign_recipients(admin(), id, Stage::Queued, 0)
        .await
        .expect("rows");
    assert_eq!(
        rows.iter().map(|r| r.contact_id).collect::<Vec<_>>(),
        vec![ok1, ok2]
    );
}

#[tokio::test]
async fn someone_who_opts_out_after_the_start_is_not_sent_to() {
    let (app, fake) = setup().await;
    promo_template(&app).await;
    person(&app, "+5511911110001", "Ana", OptIn::In, false).await;
    let bia = person(&app, "+5511911110002", "Bia", OptIn::In, false).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = create(&app, input("Promo", vec![everyone])).await;
    // Taken as the audience, then Bia opts out before her turn.
    app.state
        .db
        .write(move |c| -> flowcrm::crm::Result<()> {
            let k = flowcrm::db::campaigns::get(c, id)?.expect("campaign");
            flowcrm::db::campaigns::set_state(
                c,
                id,
                &[CampaignState::Draft],
                CampaignState::Sending,
                time::OffsetDateTime::now_utc(),
            )?;
            flowcrm::crm::campaigns::feed::start(
                c,
                &k,
                &Zone::utc(),
                time::OffsetDateTime::now_utc(),
            )?;
            flowcrm::db::consent::set_opt_in(
                c,
                ContactId(bia),
                OptIn::Out,
                "STOP",
                None,
                time::OffsetDateTime::now_utc(),
            )?;
            Ok(())
        })
        .await
        .expect("start");
    run_to_end(&app, id).await;
    assert_eq!(sends_by_recipient(&fake).len(), 1);
    let skipped = app
        .state
        .crm
        .campaign_recipients(admin(), id, Stage::Skipped, 0)
        .await
        .expect("rows");
    assert_eq!(skipped[0].reason.as_deref(), Some("opted_out"));
}

#[tokio::test]
async fn a_restart_in_the_middle_sends_everyone_exactly_once() {
    let (app, fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 700).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = create(&app, input("Big", vec![everyone])).await;
    act(&app, id, Action::Send).await;
    let fed = feed(&app).await;
    assert!(fed.queued > 0 && fed.queued < 700, "{fed:?}");
    run_sender(&app).await;
    let before = sends_by_recipient(&fake).len();
    assert!(before > 0 && before < 700);
    // The process stops with a send claimed but unanswered, then starts again: start-up
    // recovery, feeding and sending go on from the store alone.
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<usize> {
            Ok(c.execute("UPDATE outbox SET state = 'sending' WHERE id = (SELECT MIN(id) FROM outbox WHERE state = 'queued')", [])?)
        })
        .await
        .expect("claim");
    assert_eq!(app.state.sender.recover().await.expect("recover"), 1);
    feed(&app).await;
    feed(&app).await;
    run_to_end(&app, id).await;
    let sent = sends_by_recipient(&fake);
    assert!(sent.values().all(|n| *n == 1), "someone got two");
    // The one whose send was interrupted is left unsettled (never sent twice); everyone else got it.
    assert_eq!(sent.len(), 699);
    let queued: i64 = app
        .count("SELECT COUNT(*) FROM campaign_recipients WHERE state = 'queued'")
        .await;
    assert_eq!(queued, 700);
    counters_match_recipients(&app, id).await;
}

#[tokio::test]
async fn pause_holds_the_queue_resume_goes_on_and_cancel_leaves_the_rest_unsent() {
    let (app, fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 600).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = create(&app, input("Pausable", vec![everyone])).await;
    act(&app, id, Action::Send).await;
    feed(&app).await;
    assert_eq!(act(&app, id, Action::Pause).await, CampaignState::Paused);
    let o = run_sender(&app).await;
    assert_eq!(o.sent, 0, "a paused campaign's queued messages wait");
    assert_eq!(feed(&app).await.queued, 0);
    assert_eq!(act(&app, id, Action::Resume).await, CampaignState::Sending);
    let o = run_sender(&app).await;
    assert!(o.sent > 0);
    let sent_before_cancel = sends_by_recipient(&fake).len();
    assert_eq!(
        act(&app, id, Action::Cancel).await,
        CampaignState::Cancelled
    );
    run_sender(&app).await;
    feed(&app).await;
    run_sender(&app).await;
    assert_eq!(sends_by_recipient(&fake).len(), sent_before_cancel);
    let d = app.state.crm.campaign(admin(), id).await.expect("detail");
    assert_eq!(
        d.funnel.cancelled,
        600 - i64::try_from(sent_before_cancel).expect("n")
    );
    assert_eq!(d.funnel.pending, 0);
    // Messages that were never sent are not left in anyone's timeline.
    let orphans: i64 = app
        .count("SELECT COUNT(*) FROM outbox WHERE campaign_id IS NOT NULL AND state = 'queued'")
        .await;
    assert_eq!(orphans, 0);
    let again = app
        .state
        .crm
        .campaign_action(admin(), actor(), id, Action::Resume, Zone::utc())
        .await;
    assert!(matches!(again, Err(flowcrm::crm::Error::Conflict(_))));
    counters_match_recipients(&app, id).await;
}

#[tokio::test]
async fn an_agents_reply_goes_out_before_the_campaign_finishes() {
    let (mut app, fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 600).await;
    let conversation = crate::fake_graph::customer_writes(&mut app, "wamid.IN1").await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = create(&app, input("Busy", vec![everyone])).await;
    act(&app, id, Action::Send).await;
    feed(&app).await;
    // The agent replies while 512 campaign messages wait.
    let reply = flowcrm::crm::send::Outgoing {
        conversation_id: flowcrm::model::ConversationId(conversation),
        message: flowcrm::model::Outbound::Text {
            body: "Já respondo!".into(),
            preview_url: false,
        },
        reply_to: None,
        key: flowcrm::crm::send::SendKey::Form(String::new()),
        author: None,
        by: Some(admin()),
        file: None,
        confirm_consent: false,
    };
    app.state.crm.send(reply).await.expect("reply");
    run_sender(&app).await;
    // One sender run claims 256 of the 513 waiting messages: the reply, queued last, is among
    // them, although 512 campaign messages were queued before it.
    let sent = fake.sent.lock().expect("lock").clone();
    assert!(sent.iter().any(|b| b["type"] == "text"), "the reply waited");
    let campaign_sent = sent.iter().filter(|b| b["type"] == "template").count();
    assert_eq!(campaign_sent, 255);
    let d = app.state.crm.campaign(admin(), id).await.expect("detail");
    assert_ne!(d.campaign.state, CampaignState::Done);
}

pub fn status_of(wamid: &str, status: &str, ts: i64, to: &str, pricing: bool) -> serde_json::Value {
    let mut body = crate::payload::status(wamid, status, ts, to, None);
    let s = &mut body["entry"][0]["changes"][0]["value"]["statuses"][0];
    if pricing {
        s["pricing"] = json!({"billable": true, "pricing_model": "PMP", "type": "regular", "category": "marketing"});
    }
    if status == "failed" {
        s["errors"] = json!([{"code": 131_049, "title": "This message was not delivered to maintain healthy ecosystem engagement.",
                              "message": "This message was not delivered to maintain healthy ecosystem engagement.",
                              "error_data": {"details": "In order to maintain a healthy ecosystem engagement, the message failed to be delivered."}}]);
    }
    body
}

#[tokio::test]
async fn the_funnel_follows_statuses_in_any_order_replies_and_opt_outs_and_prices_what_meta_charged()
 {
    let (mut app, _fake) = setup().await;
    promo_template(&app).await;
    let phones = [
        "+5511911110001",
        "+5511911110002",
        "+5511911110003",
        "+5511911110004",
    ];
    for (i, p) in phones.iter().enumerate() {
        person(&app, p, &format!("Pessoa {i}"), OptIn::In, false).await;
    }
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let id = create(&app, input("Funnel", vec![everyone])).await;
    // The estimate: four Brazilian numbers at the example marketing rate (0.0625 USD).
    let p = app
        .state
        .crm
        .preview_campaign(admin(), id, Zone::utc())
        .await
        .expect("preview");
    assert_eq!(p.estimate.total_micro, 4 * 62_500);
    assert_eq!(
        (p.estimate.currency.as_str(), p.estimate.example),
        ("USD", true)
    );
    act(&app, id, Action::Send).await;
    run_to_end(&app, id).await;
    let wamids: Vec<(String, String)> = app
        .query(move |c| {
            let mut s = c.prepare(
                "SELECT k.phone, m.wamid FROM campaign_recipients r JOIN contacts k ON k.id = r.contact_id
                 JOIN messages m ON m.id = r.message_id WHERE r.campaign_id = ?1 ORDER BY k.phone",
            )?;
            let rows = s.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
        })
        .await;
    assert_eq!(wamids.len(), 4);
    let t0 = flowcrm::clock::Clock::now(&*app.clock).unix_timestamp();
    let post = |w: &str, s: &str, ts: i64, to: &str, priced: bool| {
        status_of(w, s, ts, to, priced).to_string()
    };
    let to = |i: usize| phones[i].trim_start_matches('+').to_string();
    let mut bodies = vec![
        // Read before delivered before sent: still counts once at each stage.
        post(&wamids[0].1, "read", t0 + 30, &to(0), false),
        post(&wamids[0].1, "delivered", t0 + 20, &to(0), true),
        post(&wamids[0].1, "sent", t0 + 10, &to(0), true),
        post(&wamids[1].1, "delivered", t0 + 20, &to(1), true),
        post(&wamids[2].1, "failed", t0 + 20, &to(2), false),
        post(&wamids[3].1, "sent", t0 + 10, &to(3), false),
    ];
    for b in bodies.drain(..) {
        assert_eq!(
            app.post_webhook(b.as_bytes()).await.status,
            axum::http::StatusCode::OK
        );
    }
    // Pessoa 1 replies within 72 h; Pessoa 0 sends STOP; Pessoa 3 replies after 73 h.
    app.clock.advance(time::Duration::hours(2));
    let now = flowcrm::clock::Clock::now(&*app.clock).unix_timestamp();
    let reply = crate::payload::text_from(&to(1), "Pessoa 1", "wamid.R1", now, "Quero!");
    app.post_webhook(reply.to_string().as_bytes()).await;
    let stop = crate::payload::text_from(&to(0), "Pessoa 0", "wamid.R2", now, "STOP");
    app.post_webhook(stop.to_string().as_bytes()).await;
    app.clock.advance(time::Duration::hours(71));
    let late = flowcrm::clock::Clock::now(&*app.clock).unix_timestamp();
    let reply = crate::payload::text_from(&to(3), "Pessoa 3", "wamid.R3", late, "Oi");
    app.post_webhook(reply.to_string().as_bytes()).await;

    let d = app.state.crm.campaign(admin(), id).await.expect("detail");
    let f = d.funnel;
    assert_eq!(
        (f.audience, f.queued, f.sent, f.delivered, f.read),
        (4, 4, 3, 2, 1),
        "{f:?}"
    );
    assert_eq!((f.replied, f.failed, f.opted_out), (2, 1, 1), "{f:?}");
    assert_eq!(d.errors, vec![(131_049, 1)]);
    // Meta charged the two messages whose statuses carried a regular marketing price.
    assert_eq!(d.actual.total_micro, 2 * 62_500);
    let replied = app
        .state
        .crm
        .campaign_recipients(admin(), id, Stage::Replied, 0)
        .await
        .expect("rows");
    assert_eq!(replied.len(), 2);
    assert!(replied.iter().all(|r| r.conversation_id.is_some()));
    let rows = app
        .state
        .crm
        .campaign_rows(admin(), id, Stage::All)
        .await
        .expect("csv");
    assert_eq!(rows.len(), 5);
    assert!(rows.iter().any(|r| r[4] == "failed" && r[6] == "131049"));
    counters_match_recipients(&app, id).await;
}

#[tokio::test]
async fn the_api_creates_previews_sends_and_reads_a_campaign_and_agent_keys_may_only_read() {
    use crate::api::{call, key};
    let (mut app, fake) = setup().await;
    promo_template(&app).await;
    person(&app, "+5511911110001", "Ana", OptIn::In, false).await;
    person(&app, "+5511911110002", "Bia", OptIn::Unknown, false).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let (_, admin_key) = key(&app, Role::Admin).await;
    let (_, agent_key) = key(&app, Role::Agent).await;
    let body = json!({"name": "API promo", "template_name": "promo", "template_language": "pt_BR",
                      "variables": [{"field": "first_name", "fallback": "cliente"}],
                      "include_segments": [everyone]});
    let r = call(
        &mut app,
        "POST",
        "/campaigns",
        Some(&agent_key),
        Some(body.clone()),
    )
    .await;
    assert_eq!(r.status, axum::http::StatusCode::FORBIDDEN, "{}", r.body);
    let bad = json!({"name": "", "template_name": "nope", "template_language": "pt_BR", "include_segments": []});
    let r = call(&mut app, "POST", "/campaigns", Some(&admin_key), Some(bad)).await;
    assert_eq!(
        r.status,
        axum::http::StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        r.body
    );
    for field in ["name", "template", "include"] {
        assert!(
            r.body.contains(&format!("\"{field}\"")),
            "{field} missing in {}",
            r.body
        );
    }
    let r = call(&mut app, "POST", "/campaigns", Some(&admin_key), Some(body)).await;
    assert_eq!(r.status, axum::http::StatusCode::CREATED, "{}", r.body);
    let id = serde_json::from_str::<serde_json::Value>(&r.body).expect("json")["id"]
        .as_i64()
        .expect("id");
    let r = call(
        &mut app,
        "GET",
        &format!("/campaigns/{id}/preview"),
        Some(&agent_key),
        None,
    )
    .await;
    let p: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(p["recipients"], 1, "{p}");
    assert_eq!(p["left_out"][0]["reason"], "consent_unknown");
    assert_eq!(p["estimate"]["total"], "0.06");
    let send = json!({"action": "send"});
    let r = call(
        &mut app,
        "POST",
        &format!("/campaigns/{id}/state"),
        Some(&admin_key),
        Some(send),
    )
    .await;
    assert_eq!(r.status, axum::http::StatusCode::OK, "{}", r.body);
    run_to_end(&app, id).await;
    assert_eq!(sends_by_recipient(&fake).len(), 1);
    let r = call(
        &mut app,
        "GET",
        &format!("/campaigns/{id}"),
        Some(&agent_key),
        None,
    )
    .await;
    let c: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(
        (c["state"].as_str(), c["funnel"]["queued"].as_i64()),
        (Some("done"), Some(1)),
        "{c}"
    );
    let r = call(
        &mut app,
        "GET",
        &format!("/campaigns/{id}/recipients?stage=skipped"),
        Some(&agent_key),
        None,
    )
    .await;
    assert!(r.body.contains("consent_unknown"), "{}", r.body);
    let again = json!({"action": "send"});
    let r = call(
        &mut app,
        "POST",
        &format!("/campaigns/{id}/state"),
        Some(&admin_key),
        Some(again),
    )
    .await;
    assert_eq!(r.status, axum::http::StatusCode::CONFLICT, "{}", r.body);
}

#[tokio::test]
async fn a_scheduled_campaign_waits_for_its_time_and_can_be_paused_before_it() {
    let (app, fake) = setup().await;
    promo_template(&app).await;
    crowd(&app, 3).await;
    let everyone = segment(&app, "Everyone", ContactFilter::default()).await;
    let now = flowcrm::clock::Clock::now(&*app.clock);
    let id = create(
        &app,
        Input {
            scheduled_at: Some(now + time::Duration::hours(2)),
            ..input("Amanhã", vec![everyone])
        },
    )
    .await;
    assert_eq!(act(&app, id, Action::Send).await, CampaignState::Scheduled);
    feed(&app).await;
    run_sender(&app).await;
    assert_eq!(sends_by_recipient(&fake).len(), 0, "not before its time");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM campaign_recipients").await,
        0
    );

    // Paused while scheduled, its time passes: nothing goes out; resumed, it is scheduled again
    // and starts at the next feeding.
    assert_eq!(act(&app, id, Action::Pause).await, CampaignState::Paused);
    app.clock.advance(time::Duration::hours(3));
    feed(&app).await;
    run_sender(&app).await;
    assert_eq!(sends_by_recipient(&fake).len(), 0, "paused");
    assert_eq!(
        act(&app, id, Action::Resume).await,
        CampaignState::Scheduled
    );
    let fed = feed(&app).await;
    assert_eq!((fed.started, fed.queued), (1, 3));
    run_to_end(&app, id).await;
    assert_eq!(sends_by_recipient(&fake).len(), 3);
    let d = app.state.crm.campaign(admin(), id).await.expect("campaign");
    assert!(
        d.campaign
            .started_at
            .is_some_and(|t| t >= now + time::Duration::hours(3))
    );
    counters_match_recipients(&app, id).await;
}
