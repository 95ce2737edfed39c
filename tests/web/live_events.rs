//! Every send path publishes a live event that an open page's event stream receives: a page
//! reply, an attachment, a template, an API send, a retry, and each outcome the sender records
//! (sent, and a failure Meta reports, such as a closed window).

use crate::attachments::{JPEG, upload};
use crate::fake_graph::{add_template, customer_writes, meta_error, run_sender, setup};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowcrm::model::Role;
use http_body_util::BodyExt;

/// An open `/events` stream and what it has said so far.
struct Stream {
    body: Body,
    text: String,
}

impl Stream {
    async fn open(app: &mut crate::helpers::TestApp) -> Self {
        let req = Request::get("/events").body(Body::empty()).expect("req");
        let resp = app.send_streaming(req).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let mut s = Self {
            body: resp.into_body(),
            text: String::new(),
        };
        while !s.text.contains("event: ready") {
            s.read().await;
        }
        s
    }

    async fn read(&mut self) {
        let frame = tokio::time::timeout(std::time::Duration::from_secs(5), self.body.frame())
            .await
            .expect("the stream said something within 5 s")
            .expect("frame")
            .expect("ok");
        if let Ok(data) = frame.into_data() {
            self.text.push_str(&String::from_utf8_lossy(&data));
        }
    }

    fn count(&self, conv: i64) -> usize {
        self.text
            .matches(&format!("event: conversation\ndata: {conv}\n"))
            .count()
    }

    /// Waits for a new event about `conv` after `step`; fails the test if none comes.
    async fn expect_event(&mut self, conv: i64, before: usize, step: &str) -> usize {
        let wait = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            while self.count(conv) <= before {
                self.read().await;
            }
        });
        assert!(
            wait.await.is_ok(),
            "no live event after {step}; stream so far: {}",
            self.text
        );
        self.count(conv)
    }
}

#[tokio::test]
async fn every_send_path_and_every_sender_outcome_reaches_an_open_page() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.LIVE").await;
    add_template(
        &app,
        "order_update",
        "pt_BR",
        "APPROVED",
        serde_json::json!([{"type": "BODY", "text": "Pedido {{1}}."}]),
    )
    .await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut stream = Stream::open(&mut app).await;
    let mut seen = stream.count(conv);

    let csrf = app.get(&format!("/conversations/{conv}")).await.csrf();
    let r = app
        .post_form(
            &format!("/conversations/{conv}/messages"),
            &[
                ("body", "Oi"),
                ("key", &"r".repeat(20)),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    seen = stream.expect_event(conv, seen, "a page reply").await;
    assert_eq!(run_sender(&app).await.sent, 1);
    seen = stream.expect_event(conv, seen, "the sender sent it").await;

    let r = upload(&mut app, conv, Some(&csrf), "image/jpeg", "foto.jpg", JPEG).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    seen = stream.expect_event(conv, seen, "an attachment").await;

    let r = app
        .post_form(
            &format!("/conversations/{conv}/template"),
            &[
                ("name", "order_update"),
                ("language", "pt_BR"),
                ("var1", "42"),
                ("key", &"t".repeat(20)),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    seen = stream.expect_event(conv, seen, "a template").await;
    assert_eq!(run_sender(&app).await.sent, 2);
    seen = stream
        .expect_event(conv, seen, "the sender sent two more")
        .await;

    let (_, key) = crate::api::key(&app, Role::Admin).await;
    let r = crate::api::call(
        &mut app,
        "POST",
        &format!("/conversations/{conv}/messages"),
        Some(&key),
        Some(serde_json::json!({"type": "text", "text": {"body": "Pelo API"}})),
    )
    .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    seen = stream.expect_event(conv, seen, "an API send").await;

    // Meta says the window is closed: the sender records the failure and tells the page.
    fake.script
        .lock()
        .expect("lock")
        .push_back((400, meta_error(131_047, "Re-engagement message")));
    assert_eq!(run_sender(&app).await.failed, 1);
    seen = stream
        .expect_event(conv, seen, "a failure the sender recorded")
        .await;

    let failed: i64 = app
        .count("SELECT message_id FROM outbox WHERE state = 'needs_template'")
        .await;
    let r = app
        .post_form(
            &format!("/messages/{failed}/retry"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    stream.expect_event(conv, seen, "a retry").await;
}

#[tokio::test]
async fn the_tab_title_counts_unread_conversations_and_notifications_are_mine_or_unassigned() {
    let (mut owner, _fake) = crate::fake_graph::setup().await;
    let conv = crate::fake_graph::customer_writes(&mut owner, "wamid.UNREAD.1").await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut bob = owner.other_browser();
    bob.logged_in_as("bob@shop.example", Role::Agent).await;
    let page = bob.get("/contacts").await;
    assert!(
        page.body.contains("<title>(1) Contacts · FlowCRM</title>"),
        "{}",
        &page.body[..400]
    );
    assert!(
        page.body
            .contains(r#"id="unread-count" aria-label="1 unread conversations">1</span>"#)
    );
    let r = bob.get(&format!("/inbox/unread?conversation={conv}")).await;
    let v: serde_json::Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(v["unread"], 1);
    assert_eq!(v["notify"]["name"], "Ana");
    assert_eq!(v["notify"]["text"], "Oi");

    // Assigned to the owner: no longer Bob's to hear about.
    let owner_id: i64 = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'owner@shop.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    owner
        .submit(
            "/inbox",
            &format!("/conversations/{conv}/assign"),
            &[("to", &owner_id.to_string())],
        )
        .await;
    let v: serde_json::Value = serde_json::from_str(
        &bob.get(&format!("/inbox/unread?conversation={conv}"))
            .await
            .body,
    )
    .expect("json");
    assert_eq!(
        (v["unread"].clone(), v["notify"].clone()),
        (serde_json::json!(0), serde_json::Value::Null)
    );
    assert!(
        bob.get("/contacts")
            .await
            .body
            .contains("<title>Contacts · FlowCRM</title>")
    );
    assert!(
        owner
            .get("/contacts")
            .await
            .body
            .contains("<title>(1) Contacts"),
        "the owner's now"
    );
    let v: serde_json::Value = serde_json::from_str(
        &owner
            .get(&format!("/inbox/unread?conversation={conv}"))
            .await
            .body,
    )
    .expect("json");
    assert_eq!(v["unread"], 1, "an admin hears of their own");
    assert_eq!(v["notify"]["name"], "Ana");

    // Sound and desktop alerts are opt-in per person.
    assert!(bob.get("/inbox").await.body.contains(r#"data-notify="""#));
    bob.submit(
        "/settings",
        "/settings/preferences",
        &[("notify_sound", "1"), ("notify_desktop", "1")],
    )
    .await;
    assert!(
        bob.get("/inbox")
            .await
            .body
            .contains(r#"data-notify="sound desktop""#)
    );
    assert_eq!(
        owner.other_browser().get("/inbox/unread").await.status,
        StatusCode::SEE_OTHER,
        "signed-in only"
    );
}
