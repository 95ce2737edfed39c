//! Outbound messages through the outbox against the fake Graph API.

use crate::fake_graph::{FakeGraph, TOKEN, meta_error, run_sender};
use crate::helpers::TestApp;
use flowcrm::clock::Clock;
use flowcrm::config::Secret;
use flowcrm::crm::Error as QueueError;
use flowcrm::crm::outbound::{QueueRequest, Queued, queue};
use flowcrm::jobs::outbox::Outcome;
use flowcrm::model::{ListRow, ListSection, MediaKind, Outbound, ReplyButton, TemplateParam};
use flowcrm::whatsapp::limiter::Limiter;
use serde_json::json;

use crate::fake_graph::{PNID, customer_writes, setup};

async fn send(
    app: &TestApp,
    conversation_id: i64,
    message: Outbound,
    key: &str,
) -> Result<Queued, QueueError> {
    let key = key.to_string();
    let now = app.clock.now();
    app.state
        .db
        .write(move |c| {
            let req = QueueRequest {
                conversation_id,
                message: &message,
                reply_to: None,
                idempotency_key: &key,
                author: None,
                by: None,
                confirm_consent: false,
                campaign: None,
            };
            queue(c, &req, now)
        })
        .await
}

async fn outbox_state(app: &TestApp, key: &'static str) -> String {
    app.query(move |c| {
        c.query_row(
            "SELECT state FROM outbox WHERE idempotency_key = ?1",
            [key],
            |r| r.get(0),
        )
    })
    .await
}

/// One message of every send type.
fn all_send_types() -> Vec<Outbound> {
    vec![
        Outbound::Text {
            body: "Pedido #42 confirmado".into(),
            preview_url: true,
        },
        Outbound::Media {
            kind: MediaKind::Image,
            media_id: "img-1".into(),
            caption: Some("Foto".into()),
            filename: None,
        },
        Outbound::Media {
            kind: MediaKind::Document,
            media_id: "doc-1".into(),
            caption: None,
            filename: Some("nf.pdf".into()),
        },
        Outbound::Media {
            kind: MediaKind::Audio,
            media_id: "aud-1".into(),
            caption: None,
            filename: None,
        },
        Outbound::Media {
            kind: MediaKind::Video,
            media_id: "vid-1".into(),
            caption: None,
            filename: None,
        },
        Outbound::Media {
            kind: MediaKind::Sticker,
            media_id: "stk-1".into(),
            caption: None,
            filename: None,
        },
        Outbound::Buttons {
            header: None,
            body: "Confirma?".into(),
            footer: None,
            buttons: vec![
                ReplyButton {
                    id: "y".into(),
                    title: "Sim".into(),
                },
                ReplyButton {
                    id: "n".into(),
                    title: "Não".into(),
                },
            ],
        },
        Outbound::List {
            header: None,
            body: "Escolha".into(),
            footer: None,
            button: "Opções".into(),
            sections: vec![ListSection {
                title: "A".into(),
                rows: vec![ListRow {
                    id: "a1".into(),
                    title: "Um".into(),
                    description: None,
                }],
            }],
        },
        Outbound::Reaction {
            message_id: "wamid.IN.1".into(),
            emoji: "👍".into(),
        },
    ]
}

#[tokio::test]
async fn every_send_type_reaches_meta_in_the_documented_shape() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    let messages = all_send_types();
    for (i, m) in messages.iter().enumerate() {
        send(&app, conv, m.clone(), &format!("k{i}"))
            .await
            .expect("queued");
    }
    let out = run_sender(&app).await;
    assert_eq!(
        out.sent,
        messages.len(),
        "{out:?} {:?}",
        fake.requests.lock().expect("lock")
    );
    let sent = fake.sent.lock().expect("lock").clone();
    let types: Vec<_> = sent
        .iter()
        .map(|b| b["type"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(
        types,
        [
            "text",
            "image",
            "document",
            "audio",
            "video",
            "sticker",
            "interactive",
            "interactive",
            "reaction"
        ]
    );
    assert!(sent.iter().all(|b| b["to"] == "+5511988887777"));
    assert_eq!(
        sent[0]["text"],
        json!({"preview_url": true, "body": "Pedido #42 confirmado"})
    );
    assert_eq!(sent[2]["document"]["filename"], "nf.pdf");
    assert_eq!(sent[0]["biz_opaque_callback_data"], "k0");
    // Every message got Meta's id, so statuses attach to it.
    let wamids: i64 = app
        .count(
            "SELECT COUNT(*) FROM messages WHERE direction = 'out' AND wamid LIKE 'wamid.SENT.%'",
        )
        .await;
    assert_eq!(wamids, 9);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
            .await,
        9
    );
    assert!(
        fake.requests
            .lock()
            .expect("lock")
            .contains(&format!("POST /v23.0/{PNID}/messages"))
    );
}

#[tokio::test]
async fn free_form_messages_are_refused_locally_when_the_window_is_closed() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.clock.advance(time::Duration::hours(25));
    let r = send(
        &app,
        conv,
        Outbound::Text {
            body: "Oi".into(),
            preview_url: false,
        },
        "late",
    )
    .await;
    assert!(matches!(r, Err(QueueError::WindowClosed)), "{r:?}");
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE direction = 'out'")
            .await,
        0
    );
    run_sender(&app).await;
    assert!(fake.sent.lock().expect("lock").is_empty());
}

async fn add_template(app: &TestApp, status: &'static str) {
    crate::fake_graph::add_template(
        app,
        "order_update",
        "pt_BR",
        status,
        json!([{"type": "BODY", "text": "Olá {{1}}, seu pedido {{2}} saiu para entrega."}]),
    )
    .await;
}

fn template(params: &[&str]) -> Outbound {
    Outbound::Template {
        name: "order_update".into(),
        language: "pt_BR".into(),
        header: None,
        body: params
            .iter()
            .map(|p| TemplateParam {
                name: None,
                text: (*p).into(),
            })
            .collect(),
        buttons: vec![],
    }
}

#[tokio::test]
async fn templates_go_outside_the_window_only_when_approved_and_complete() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.clock.advance(time::Duration::days(3));
    let missing = send(&app, conv, template(&["Ana", "42"]), "t0").await;
    assert!(
        matches!(missing, Err(QueueError::Template(ref m)) if m.contains("Sync templates")),
        "{missing:?}"
    );
    add_template(&app, "PENDING").await;
    let pending = send(&app, conv, template(&["Ana", "42"]), "t1").await;
    assert!(
        matches!(pending, Err(QueueError::Template(ref m)) if m.contains("PENDING")),
        "{pending:?}"
    );
    add_template(&app, "APPROVED").await;
    let short = send(&app, conv, template(&["Ana"]), "t2").await;
    assert!(
        matches!(short, Err(QueueError::Template(ref m)) if m.contains("2 variable(s); 1 given")),
        "{short:?}"
    );
    let bad = send(&app, conv, template(&["Ana", "4\n2"]), "t3").await;
    assert!(matches!(bad, Err(QueueError::Invalid(_))), "{bad:?}");

    send(&app, conv, template(&["Ana", "42"]), "t4")
        .await
        .expect("queued");
    assert_eq!(run_sender(&app).await.sent, 1);
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(
        sent[0]["template"]["components"][0]["parameters"][1]["text"],
        "42"
    );
    let body: String = app
        .query(|c| {
            c.query_row(
                "SELECT body FROM messages WHERE direction = 'out'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(body, "Olá Ana, seu pedido 42 saiu para entrega.");
}

#[tokio::test]
async fn the_same_idempotency_key_queues_once() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    let m = Outbound::Text {
        body: "Oi".into(),
        preview_url: false,
    };
    let first = send(&app, conv, m.clone(), "same").await.expect("queued");
    let second = send(&app, conv, m, "same").await.expect("queued");
    assert!(!first.duplicate && second.duplicate);
    assert_eq!(first.message_id, second.message_id);
    run_sender(&app).await;
    assert_eq!(fake.sent.lock().expect("lock").len(), 1);
}

async fn scripted(
    app: &mut TestApp,
    fake: &FakeGraph,
    status: u16,
    code: i64,
    key: &'static str,
) -> Outcome {
    let conv = customer_writes(app, "wamid.IN.S").await;
    fake.script
        .lock()
        .expect("lock")
        .push_back((status, meta_error(code, "scripted")));
    send(
        app,
        conv,
        Outbound::Text {
            body: "Oi".into(),
            preview_url: false,
        },
        key,
    )
    .await
    .expect("queued");
    run_sender(app).await
}

#[tokio::test]
async fn retryable_errors_back_off_and_then_succeed() {
    let (mut app, fake) = setup().await;
    for (status, code) in [
        (400, 130_429),
        (400, 131_016),
        (503, 131_000),
        (400, 131_056),
    ] {
        fake.script
            .lock()
            .expect("lock")
            .push_back((status, meta_error(code, "try later")));
    }
    let conv = customer_writes(&mut app, "wamid.IN.R").await;
    send(
        &app,
        conv,
        Outbound::Text {
            body: "Oi".into(),
            preview_url: false,
        },
        "r",
    )
    .await
    .expect("queued");
    for round in 0..4 {
        let out = run_sender(&app).await;
        assert_eq!(out.retried, 1, "round {round}: {out:?}");
        assert_eq!(outbox_state(&app, "r").await, "queued");
        assert_eq!(
            run_sender(&app).await,
            Outcome::default(),
            "not due before the backoff"
        );
        app.clock.advance(time::Duration::minutes(20));
        *app.state.sender.limiter.lock().expect("lock") = Limiter::with_pair_burst(1000, 100);
    }
    assert_eq!(run_sender(&app).await.sent, 1);
    assert_eq!(outbox_state(&app, "r").await, "sent");
    assert_eq!(fake.sent.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn a_closed_window_at_meta_needs_a_template_and_is_not_retried() {
    let (mut app, fake) = setup().await;
    let out = scripted(&mut app, &fake, 400, 131_047, "w").await;
    assert_eq!(out.failed, 1);
    assert_eq!(outbox_state(&app, "w").await, "needs_template");
    let (status, code): (String, i64) = app
        .query(|c| {
            c.query_row(
                "SELECT status, error_code FROM messages WHERE direction = 'out'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!((status.as_str(), code), ("failed", 131_047));
    app.clock.advance(time::Duration::hours(1));
    assert_eq!(run_sender(&app).await, Outcome::default());
}

#[tokio::test]
async fn permanent_errors_fail_with_metas_reason() {
    for code in [131_026, 131_049, 131_050, 132_001, 100] {
        let (mut app, fake) = setup().await;
        let out = scripted(&mut app, &fake, 400, code, "p").await;
        assert_eq!(out.failed, 1, "{code}");
        assert_eq!(outbox_state(&app, "p").await, "failed");
        let got: i64 = app
            .count("SELECT error_code FROM messages WHERE direction = 'out'")
            .await;
        assert_eq!(got, code);
    }
}

#[tokio::test]
async fn an_invalid_token_pauses_sending_until_the_token_changes_and_retry_works() {
    let (mut app, fake) = setup().await;
    let out = scripted(&mut app, &fake, 401, 190, "tok").await;
    assert!(out.paused, "{out:?}");
    assert_eq!(outbox_state(&app, "tok").await, "queued", "kept for later");
    let paused = app
        .state
        .db
        .read(flowcrm::db::outbox::pause_state)
        .await
        .expect("read");
    assert!(paused.is_some_and(|(reason, _)| reason.contains("190")));
    // Same token: nothing is attempted.
    let before = fake.requests.lock().expect("lock").len();
    assert!(run_sender(&app).await.paused);
    assert_eq!(fake.requests.lock().expect("lock").len(), before);
    // A new token resumes. The fake only accepts TOKEN, so resume by clearing and re-running.
    app.state.sender.resume().await.expect("resume");
    assert_eq!(run_sender(&app).await.sent, 1);
    assert_eq!(outbox_state(&app, "tok").await, "sent");
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_is_never_sent_twice() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.C").await;
    send(
        &app,
        conv,
        Outbound::Text {
            body: "Oi".into(),
            preview_url: false,
        },
        "crash",
    )
    .await
    .expect("queued");
    // The sender claimed it and the process died before Meta's answer was recorded.
    let now = app.clock.now();
    app.state
        .db
        .write(move |c| flowcrm::db::outbox::claim_due(c, now, 10))
        .await
        .expect("claim");
    // Restart.
    assert_eq!(app.state.sender.recover().await.expect("recover"), 1);
    assert_eq!(run_sender(&app).await, Outcome::default());
    assert!(fake.sent.lock().expect("lock").is_empty(), "not re-sent");
    assert_eq!(outbox_state(&app, "crash").await, "unknown");
    // Meta did accept it: the status webhook echoes our key and settles it.
    let status = crate::payload::status(
        "wamid.REAL",
        "delivered",
        now.unix_timestamp(),
        "5511988887777",
        Some("crash"),
    );
    app.post_webhook(status.to_string().as_bytes()).await;
    assert_eq!(outbox_state(&app, "crash").await, "sent");
    let (wamid, st): (String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT wamid, status FROM messages WHERE direction = 'out'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!((wamid.as_str(), st.as_str()), ("wamid.REAL", "delivered"));
}

#[tokio::test]
async fn an_unsettled_send_is_reported_after_ten_minutes_not_resent() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.U").await;
    send(
        &app,
        conv,
        Outbound::Text {
            body: "Oi".into(),
            preview_url: false,
        },
        "lost",
    )
    .await
    .expect("queued");
    let now = app.clock.now();
    app.state
        .db
        .write(move |c| flowcrm::db::outbox::claim_due(c, now, 10))
        .await
        .expect("claim");
    app.state.sender.recover().await.expect("recover");
    app.clock.advance(time::Duration::minutes(11));
    run_sender(&app).await;
    assert_eq!(outbox_state(&app, "lost").await, "failed");
    let details: String = app
        .query(|c| {
            c.query_row(
                "SELECT error_details FROM messages WHERE direction = 'out'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(details.contains("not sent again"), "{details}");
    assert!(fake.sent.lock().expect("lock").is_empty());
    // The retry button puts it back; it goes once.
    let mid: i64 = app
        .count("SELECT id FROM messages WHERE direction = 'out'")
        .await;
    let now = app.clock.now();
    assert!(
        app.state
            .db
            .write(move |c| flowcrm::crm::outbound::retry(c, mid, now))
            .await
            .expect("retry")
    );
    assert_eq!(run_sender(&app).await.sent, 1);
    assert_eq!(fake.sent.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn messages_to_one_customer_keep_their_order_even_across_a_retry() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.O").await;
    fake.script
        .lock()
        .expect("lock")
        .push_back((400, meta_error(130_429, "throughput")));
    for i in 0..4 {
        send(
            &app,
            conv,
            Outbound::Text {
                body: format!("part {i}"),
                preview_url: false,
            },
            &format!("o{i}"),
        )
        .await
        .expect("queued");
    }
    let first = run_sender(&app).await;
    assert_eq!((first.sent, first.retried), (0, 1), "{first:?}");
    for _ in 0..6 {
        app.clock.advance(time::Duration::minutes(20));
        run_sender(&app).await;
    }
    let bodies: Vec<String> = fake
        .sent
        .lock()
        .expect("lock")
        .iter()
        .map(|b| b["text"]["body"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(bodies, ["part 0", "part 1", "part 2", "part 3"]);
}

#[tokio::test]
async fn template_sync_reads_every_page_and_keeps_status_and_reason() {
    let fake = FakeGraph::default();
    let base = fake.start().await;
    let app = TestApp::spawn_with(move |c| {
        c.whatsapp.graph_base_url = base;
        c.whatsapp.waba_id = Some("555".into());
    })
    .await;
    let n = flowcrm::crm::templates::sync(
        &app.state.db,
        &app.state.graph,
        &app.state.clock,
        Some(&Secret::new(TOKEN)),
        Some("555"),
    )
    .await
    .expect("sync");
    assert_eq!(n, 3);
    let requests = fake.requests.lock().expect("lock").clone();
    assert_eq!(
        requests,
        [
            "GET /v23.0/555/message_templates?after=",
            "GET /v23.0/555/message_templates?after=cursor2"
        ]
    );
    let list = app
        .state
        .db
        .read(flowcrm::db::templates::list)
        .await
        .expect("list");
    let rows: Vec<_> = list
        .iter()
        .map(|t| (t.name.as_str(), t.status.as_str(), t.reason.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("order_update", "APPROVED", None),
            ("promo_novembro", "REJECTED", Some("PROMOTIONAL")),
            ("welcome", "PENDING", None)
        ]
    );
    assert_eq!(list[2].parameter_format, "NAMED");
    let wrong = flowcrm::crm::templates::sync(
        &app.state.db,
        &app.state.graph,
        &app.state.clock,
        Some(&Secret::new("bad")),
        Some("555"),
    )
    .await;
    assert!(wrong.is_err());
    let missing = flowcrm::crm::templates::sync(
        &app.state.db,
        &app.state.graph,
        &app.state.clock,
        Some(&Secret::new(TOKEN)),
        None,
    )
    .await;
    assert!(missing.is_err_and(|e| e.to_string().contains("waba_id")));
}

#[tokio::test]
async fn a_corrupt_stored_request_is_marked_failed_with_a_reason_and_never_sent() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.CORRUPT").await;
    let text = |b: &str| Outbound::Text {
        body: b.into(),
        preview_url: false,
    };
    send(&app, conv, text("damaged"), "corrupt-1")
        .await
        .expect("queued");
    send(&app, conv, text("not an object"), "corrupt-2")
        .await
        .expect("queued");
    send(&app, conv, text("fine"), "fine-1")
        .await
        .expect("queued");
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<_> {
            c.execute(
                "UPDATE outbox SET request = '{\"to\": trunc' WHERE idempotency_key = 'corrupt-1'",
                [],
            )?;
            c.execute(
                "UPDATE outbox SET request = 'null' WHERE idempotency_key = 'corrupt-2'",
                [],
            )?;
            Ok(())
        })
        .await
        .expect("corrupt");
    fake.sent.lock().expect("lock").clear();
    run_sender(&app).await;
    assert_eq!(outbox_state(&app, "corrupt-1").await, "failed");
    assert_eq!(outbox_state(&app, "corrupt-2").await, "failed");
    assert_eq!(outbox_state(&app, "fine-1").await, "sent");
    let sent = fake.sent.lock().expect("lock").clone();
    assert_eq!(
        sent.len(),
        1,
        "only the intact message reached Meta: {sent:?}"
    );
    assert_eq!(sent[0]["text"]["body"], "fine");
    let reason: String = app
        .query(|c| {
            c.query_row(
                "SELECT error_details FROM outbox WHERE idempotency_key = 'corrupt-1'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(
        reason.contains("could not read the stored request"),
        "{reason}"
    );
}
