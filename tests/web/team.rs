//! The team inbox: views, filters, pagination, assignment rules, status, notes, search, live
//! events.

use crate::fake_graph::{customer_writes, run_sender, setup};
use crate::helpers::TestApp;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use flowcrm::clock::Clock;
use flowcrm::model::Role;
use http_body_util::BodyExt;

/// A customer with this number writes `text` now; returns the conversation id.
async fn writes(app: &mut TestApp, phone: &str, wamid: &str, text: &str) -> i64 {
    let ts = app.clock.now().unix_timestamp();
    let body = crate::payload::text_from(phone, &format!("Cliente {phone}"), wamid, ts, text);
    let r = app.post_webhook(body.to_string().as_bytes()).await;
    assert_eq!(r.status, StatusCode::OK);
    let p = phone.to_string();
    app.query(move |c| {
        c.query_row(
            "SELECT c.id FROM conversations c JOIN contacts k ON k.id = c.contact_id WHERE k.phone = '+' || ?1",
            [p],
            |r| r.get(0),
        )
    })
    .await
}

fn ids(body: &str) -> Vec<i64> {
    body.split("<li data-id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next()?.parse().ok())
        .collect()
}

async fn user_id(app: &TestApp, email: &'static str) -> i64 {
    app.query(move |c| {
        c.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
            r.get(0)
        })
    })
    .await
}

#[tokio::test]
async fn assignment_follows_the_roles_and_the_views_follow_assignment() {
    let mut admin = TestApp::spawn().await;
    admin.logged_in_as("owner@shop.example", Role::Admin).await;
    let a = writes(&mut admin, "5511911110001", "w.1", "Oi").await;
    let b = writes(&mut admin, "5511911110002", "w.2", "Olá").await;
    let mut agent = admin.other_browser();
    agent.logged_in_as("agent@shop.example", Role::Agent).await;
    let mut other = admin.other_browser();
    other.logged_in_as("other@shop.example", Role::Agent).await;
    let agent_id = user_id(&admin, "agent@shop.example").await;

    // Agents have no All view; the unassigned queue has both.
    assert_eq!(
        agent.get("/inbox?view=all").await.status,
        StatusCode::FORBIDDEN
    );
    assert!(!agent.get("/inbox").await.body.contains("view=all"));
    assert_eq!(ids(&agent.get("/inbox?view=unassigned").await.body), [b, a]);

    // An agent takes one; it leaves Unassigned and shows in Mine.
    let page = format!("/conversations/{a}");
    let r = agent
        .submit(
            &page,
            &format!("{page}/assign"),
            &[("to", &agent_id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(ids(&agent.get("/inbox?view=mine").await.body), [a]);
    assert_eq!(
        ids(&agent.get("/inbox").await.body),
        [a],
        "default view: mine when something is"
    );
    assert_eq!(ids(&agent.get("/inbox?view=unassigned").await.body), [b]);
    assert!(
        admin
            .get("/inbox?view=all")
            .await
            .body
            .contains(">agent@shop.example<")
    );

    // Another agent may not release it or assign anyone else; nothing changes.
    let other_id = user_id(&admin, "other@shop.example").await.to_string();
    let r = other
        .submit(&page, &format!("{page}/assign"), &[("to", "")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("ask an admin"));
    let b_page = format!("/conversations/{b}");
    let r = other
        .submit(
            &b_page,
            &format!("{b_page}/assign"),
            &[("to", &agent_id.to_string())],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::FORBIDDEN,
        "agents assign only themselves"
    );
    assert_eq!(
        admin
            .count("SELECT COUNT(*) FROM conversations WHERE assignee_id IS NOT NULL")
            .await,
        1
    );

    // Another agent may take it over (audited); then the first agent must take it back.
    let r = other
        .submit(&page, &format!("{page}/assign"), &[("to", &other_id)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.audit_count("conversation.take_over").await, 1);
    let r = agent
        .submit(&page, &format!("{page}/status"), &[("status", "resolved")])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("take it over first"), "{}", r.body);
    let r = agent
        .submit(
            &page,
            &format!("{page}/assign"),
            &[("to", &agent_id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(admin.audit_count("conversation.take_over").await, 2);

    // The owner releases their own; admins assign anyone.
    let r = agent
        .submit(&page, &format!("{page}/assign"), &[("to", "")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = admin
        .submit(&page, &format!("{page}/assign"), &[("to", &other_id)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(ids(&other.get("/inbox?view=mine").await.body), [a]);
    assert_eq!(admin.audit_count("conversation.assign").await, 3);
}

#[tokio::test]
async fn the_list_filters_by_status_tag_and_window_and_pages_by_cursor() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let old = writes(&mut app, "5511911110001", "w.1", "first").await;
    app.clock.advance(time::Duration::hours(23));
    let closing = writes(&mut app, "5511911110002", "w.2", "second").await;
    app.clock.advance(time::Duration::hours(2));
    let fresh = writes(&mut app, "5511911110003", "w.3", "third").await;
    // Sessions expire when idle for hours: sign in again after moving the clock.
    app.login("owner@shop.example", crate::helpers::PASSWORD)
        .await;
    // Now `old` wrote 25 h ago (closed) and `closing` 2 h ago (22 h left: still open).
    let closed = app.get("/inbox?view=all&window=closed").await;
    assert_eq!(ids(&closed.body), [old], "{}", closed.body);
    assert_eq!(
        ids(&app.get("/inbox?view=all&window=open").await.body),
        [fresh, closing]
    );
    app.clock.advance(time::Duration::hours(21));
    app.login("owner@shop.example", crate::helpers::PASSWORD)
        .await;
    assert_eq!(
        ids(&app.get("/inbox?view=all&window=closing").await.body),
        [closing]
    );

    let page = format!("/conversations/{fresh}");
    let r = app
        .submit(&page, &format!("{page}/status"), &[("status", "resolved")])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let bad = app
        .submit(&page, &format!("{page}/status"), &[("status", "archived")])
        .await;
    assert_eq!(bad.status, StatusCode::SEE_OTHER);
    assert!(
        app.get(bad.location())
            .await
            .body
            .contains("Use open, pending or resolved.")
    );
    assert_eq!(
        ids(&app.get("/inbox?view=all&status=resolved").await.body),
        [fresh]
    );
    assert_eq!(
        ids(&app.get("/inbox?view=all&status=open").await.body),
        [closing, old]
    );

    app.submit("/tags", "/tags", &[("name", "Urgente"), ("color", "red")])
        .await;
    let tag = app.count("SELECT id FROM tags").await.to_string();
    app.submit(
        &format!("/conversations/{old}"),
        &format!("/conversations/{old}/tags"),
        &[("tag", &tag), ("action", "add")],
    )
    .await;
    assert_eq!(
        ids(&app.get(&format!("/inbox?view=all&tag={tag}")).await.body),
        [old]
    );
    assert_eq!(
        app.get("/inbox?view=all&window=soon").await.status,
        StatusCode::BAD_REQUEST
    );

    // 120 more conversations: pages of 50, no gaps or repeats, even when one arrives meanwhile.
    for i in 0..120 {
        app.clock.advance(time::Duration::seconds(1));
        writes(
            &mut app,
            &format!("55119222{i:05}"),
            &format!("w.p{i}"),
            "hi",
        )
        .await;
    }
    let mut seen = Vec::new();
    let mut url = "/inbox?view=all".to_string();
    loop {
        let body = app.get(&url).await.body;
        seen.extend(ids(&body));
        app.clock.advance(time::Duration::seconds(1));
        writes(
            &mut app,
            &format!("55119333{:05}", seen.len()),
            &format!("w.n{}", seen.len()),
            "new",
        )
        .await;
        let Some(next) = body
            .split("&amp;before=")
            .nth(1)
            .and_then(|s| s.split('"').next())
        else {
            break;
        };
        url = format!("/inbox?view=all&before={next}");
    }
    assert_eq!(seen.len(), 123);
    let mut unique = seen.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), 123);
}

#[tokio::test]
async fn notes_show_in_the_timeline_and_never_reach_whatsapp() {
    let (mut app, fake) = setup().await;
    let conv = customer_writes(&mut app, "wamid.IN.1").await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let page = format!("/conversations/{conv}");
    let r = app
        .submit(
            &page,
            &format!("{page}/notes"),
            &[("body", "Cliente pediu <b>desconto</b>")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let shown = app.get(&page).await;
    assert!(shown.body.contains("class=\"bubble note\""));
    assert!(
        shown
            .body
            .contains("Cliente pediu &#60;b&#62;desconto&#60;/b&#62;")
            || shown
                .body
                .contains("Cliente pediu &lt;b&gt;desconto&lt;/b&gt;")
    );
    assert!(shown.body.contains("Internal note by agent@shop.example"));
    run_sender(&app).await;
    let sent = fake.sent.lock().expect("lock").clone();
    assert!(
        sent.iter().all(|b| !b.to_string().contains("desconto")),
        "{sent:?}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox").await, 0);
    let empty = app
        .submit(&page, &format!("{page}/notes"), &[("body", "  ")])
        .await;
    assert!(
        app.get(empty.location())
            .await
            .body
            .contains("Write a note of 1 to 4000 characters.")
    );
}

#[tokio::test]
async fn search_finds_messages_and_contacts_and_forgets_erased_ones() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let conv = writes(
        &mut app,
        "5511911110001",
        "w.1",
        "Quando chega a entrega do pedido?",
    )
    .await;
    writes(&mut app, "5511911110002", "w.2", "Obrigado!").await;
    let r = app.get("/search?q=entrega").await;
    assert!(r.body.contains("<mark>entrega</mark>"), "{}", r.body);
    let mid = app
        .count("SELECT id FROM messages WHERE wamid = 'w.1'")
        .await;
    assert!(
        r.body
            .contains(&format!("/conversations/{conv}?at={mid}#m{mid}"))
    );
    assert!(!r.body.contains("Obrigado"));
    // Prefix of the last word, accents folded, several words.
    assert!(
        app.get("/search?q=pedi")
            .await
            .body
            .contains("<mark>pedido</mark>")
    );
    assert!(
        app.get("/search?q=quando%20entrega")
            .await
            .body
            .contains("<mark>Quando</mark>")
    );
    assert!(
        app.get("/search?q=nada%20disso")
            .await
            .body
            .contains("No message contains")
    );
    // Operators are literal.
    assert_eq!(
        app.get("/search?q=%22%20OR%20*").await.status,
        StatusCode::OK
    );
    // Contacts by name and phone.
    assert!(
        app.get("/search?q=911110002")
            .await
            .body
            .contains("Cliente 5511911110002")
    );
    // The hit opens the conversation with that message on the page.
    let opened = app.get(&format!("/conversations/{conv}?at={mid}")).await;
    assert!(opened.body.contains(&format!("id=\"m{mid}\"")));

    // Erase the contact: the message is gone from the index too.
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<_> {
            c.execute("DELETE FROM contacts WHERE phone = '+5511911110001'", [])?;
            Ok(())
        })
        .await
        .expect("erase");
    let hits: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH 'entrega'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(hits, 0);
    assert!(
        app.get("/search?q=entrega")
            .await
            .body
            .contains("No message contains")
    );
}

/// Reads the next frame of a streaming body into `text` (waits at most 5 s).
async fn read(body: &mut Body, text: &mut String) {
    let frame = tokio::time::timeout(std::time::Duration::from_secs(5), body.frame())
        .await
        .expect("an event within 5 s")
        .expect("frame")
        .expect("ok");
    if let Ok(data) = frame.into_data() {
        text.push_str(&String::from_utf8_lossy(&data));
    }
}

#[tokio::test]
async fn the_event_stream_tells_open_pages_about_a_new_message() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    let anonymous = app.other_browser().get("/events").await;
    assert_ne!(anonymous.status, StatusCode::OK, "signed-in users only");
    let req = Request::get("/events").body(Body::empty()).expect("req");
    let resp = app.send_streaming(req).await;
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    let mut text = String::new();
    read(&mut body, &mut text).await;
    assert!(text.contains("event: ready"), "{text}");
    let conv = writes(&mut app, "5511911110001", "w.1", "Oi").await;
    while !text.contains("event: conversation") {
        read(&mut body, &mut text).await;
    }
    assert!(text.contains(&format!("data: {conv}")), "{text}");
}

#[tokio::test]
async fn message_search_pages_newest_first() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@shop.example", Role::Admin).await;
    for i in 0..35 {
        writes(
            &mut app,
            &format!("55119444{i:05}"),
            &format!("w.s{i}"),
            &format!("pedido número {i}"),
        )
        .await;
    }
    let first = app.get("/search?q=pedido").await.body;
    assert_eq!(first.matches("<li><a href=\"/conversations/").count(), 30);
    assert!(first.contains("número 34"), "newest first");
    let next = first
        .split("&amp;before=")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("older results link");
    let second = app
        .get(&format!("/search?q=pedido&before={next}"))
        .await
        .body;
    assert_eq!(
        second.matches("<li><a href=\"/conversations/").count(),
        5,
        "next={next}"
    );
    assert!(second.contains("número 0") && !second.contains("número 34"));
}
