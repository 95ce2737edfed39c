//! The media job against the fake Graph API, and serving stored media.

use crate::fake_graph::{FakeGraph, TOKEN};
use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::config::Secret;
use flowcrm::model::Role;

async fn app_with_fake() -> (TestApp, FakeGraph) {
    let fake = FakeGraph::default();
    let base = fake.start().await;
    let app = TestApp::spawn_with(move |c| c.whatsapp.graph_base_url = base).await;
    (app, fake)
}

async fn run(app: &TestApp) -> flowcrm::jobs::media::Outcome {
    app.state
        .media_job
        .run_once(Some(&Secret::new(TOKEN)))
        .await
        .expect("media job")
}

#[tokio::test]
async fn media_is_fetched_with_the_token_checked_and_served_to_logged_in_users_only() {
    let (mut app, fake) = app_with_fake().await;
    let jpeg = b"\xff\xd8\xff\xe0 fake jpeg bytes".to_vec();
    fake.add("1003383421387256", &jpeg, "image/jpeg", false);
    fake.add(
        "4003383421387256",
        b"%PDF-1.7 fake",
        "application/pdf",
        false,
    );
    app.deliver("image").await;
    app.deliver("document").await;

    let out = run(&app).await;
    assert_eq!(out.stored, 2, "{out:?}");
    let requests = fake.requests.lock().expect("lock").clone();
    assert!(
        requests.contains(&"GET /v23.0/1003383421387256".to_string()),
        "{requests:?}"
    );
    assert!(requests.contains(&"GET /download/1003383421387256".to_string()));
    let (id, name, size, mime): (i64, String, i64, String) = app
        .query(|c| c.query_row(
            "SELECT media.id, stored_name, size, mime_type FROM media JOIN messages m ON m.id = media.message_id WHERE m.wamid = 'wamid.IMAGE1'",
            [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))))
        .await;
    assert_eq!(
        (size, mime.as_str()),
        (i64::try_from(jpeg.len()).expect("len"), "image/jpeg")
    );
    assert!(
        std::path::Path::new(&name)
            .extension()
            .is_some_and(|e| e == "jpg")
            && !name.contains('/'),
        "generated name: {name}"
    );
    let on_disk = std::fs::read(app.state.config.media_dir().join(&name)).expect("file");
    assert_eq!(on_disk, jpeg);

    let anonymous = app.get(&format!("/media/{id}")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER, "login required");
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let served = app.get(&format!("/media/{id}")).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.header("content-type"), Some("image/jpeg"));
    assert_eq!(served.header("x-content-type-options"), Some("nosniff"));
    assert!(
        served
            .header("content-disposition")
            .is_some_and(|d| d.starts_with("inline"))
    );
    assert!(
        served
            .header("content-security-policy")
            .is_some_and(|c| c.contains("sandbox"))
    );

    let doc_id: i64 = app
        .query(|c| c.query_row("SELECT media.id FROM media JOIN messages m ON m.id = media.message_id WHERE m.wamid = 'wamid.DOC1'", [], |r| r.get(0)))
        .await;
    let doc = app.get(&format!("/media/{doc_id}")).await;
    assert_eq!(doc.header("content-type"), Some("application/pdf"));
    let disposition = doc.header("content-disposition").expect("disposition");
    assert!(disposition.starts_with("attachment"), "{disposition}");
    assert!(
        disposition.contains("Or%C3%A7amento%20S%C3%A3o%20Paulo.pdf"),
        "{disposition}"
    );
    assert_eq!(app.get("/media/999999").await.status, StatusCode::NOT_FOUND);

    // Revalidated on every view, so erased media is never shown from the browser's cache.
    assert_eq!(served.header("cache-control"), Some("private, no-cache"));
    let etag = served.header("etag").expect("etag").to_string();
    let req = axum::http::Request::get(format!("/media/{id}"))
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .expect("request");
    let again = app.send(req).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.header("cache-control"), Some("private, no-cache"));
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<_> {
            c.execute("DELETE FROM media WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
        .expect("erase");
    let req = axum::http::Request::get(format!("/media/{id}"))
        .header("if-none-match", &etag)
        .body(axum::body::Body::empty())
        .expect("request");
    assert_eq!(
        app.send(req).await.status,
        StatusCode::NOT_FOUND,
        "erased: the cached copy is dropped"
    );
}

#[tokio::test]
async fn a_hash_mismatch_or_missing_media_is_retried_then_given_up() {
    let (mut app, fake) = app_with_fake().await;
    fake.add("1003383421387256", b"tampered", "image/jpeg", true);
    app.deliver("image").await;
    app.deliver("video").await; // not on the fake: 404
    let out = run(&app).await;
    assert_eq!((out.stored, out.retried), (0, 2), "{out:?}");
    let errors: Vec<(String, String, i64)> = app
        .query(|c| {
            let mut s = c.prepare("SELECT state, error, attempts FROM media ORDER BY id")?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .await;
    assert_eq!(errors[0].0, "pending");
    assert!(errors[0].1.contains("sha256 mismatch"), "{errors:?}");
    assert!(errors[1].1.contains("404"), "{errors:?}");
    assert!(
        std::fs::read_dir(app.state.config.media_dir())
            .expect("dir")
            .next()
            .is_none(),
        "no partial files left"
    );

    // Not due again until the backoff has passed.
    assert_eq!(run(&app).await, flowcrm::jobs::media::Outcome::default());
    // Keep failing until the attempts run out (backoff is at most an hour).
    for _ in 1..flowcrm::jobs::media::MAX_ATTEMPTS {
        app.clock.advance(time::Duration::minutes(61));
        run(&app).await;
    }
    let lost: Vec<String> = app
        .query(|c| {
            let mut s = c.prepare("SELECT error FROM media WHERE state = 'lost'")?;
            s.query_map([], |r| r.get(0))?.collect()
        })
        .await;
    assert_eq!(lost.len(), 2, "{lost:?}");
    assert!(
        lost.iter()
            .all(|e| e.starts_with("gave up after 10 attempts")),
        "{lost:?}"
    );
}

#[tokio::test]
async fn media_older_than_seven_days_is_marked_lost_without_asking_meta() {
    let (mut app, fake) = app_with_fake().await;
    fake.add("1003383421387256", b"x", "image/jpeg", false);
    app.deliver("image").await;
    app.clock.advance(time::Duration::days(8));
    let out = run(&app).await;
    assert_eq!(out.lost, 1);
    let error: String = app
        .query(|c| c.query_row("SELECT error FROM media", [], |r| r.get(0)))
        .await;
    assert!(error.contains("7 days"), "{error}");
    assert!(fake.requests.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn a_wrong_token_is_retried_not_stored() {
    let (mut app, fake) = app_with_fake().await;
    fake.add("1003383421387256", b"x", "image/jpeg", false);
    app.deliver("image").await;
    let out = app
        .state
        .media_job
        .run_once(Some(&Secret::new("wrong")))
        .await
        .expect("run");
    assert_eq!(out.retried, 1);
    let error: String = app
        .query(|c| c.query_row("SELECT error FROM media", [], |r| r.get(0)))
        .await;
    assert!(error.contains("190"), "{error}");
}

#[tokio::test]
async fn without_a_token_media_waits_without_using_up_attempts() {
    let (mut app, fake) = app_with_fake().await;
    app.deliver("image").await;
    for _ in 0..12 {
        let out = app.state.media_job.run_once(None).await.expect("run");
        assert_eq!(out, flowcrm::jobs::media::Outcome::default());
    }
    let (state, attempts): (String, i64) = app
        .query(|c| {
            c.query_row("SELECT state, attempts FROM media", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .await;
    assert_eq!((state.as_str(), attempts), ("pending", 0));
    assert!(fake.requests.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn deleting_a_contact_removes_its_media_files() {
    let (mut app, fake) = app_with_fake().await;
    fake.add(
        "1003383421387256",
        b"\xff\xd8\xff\xe0 jpeg",
        "image/jpeg",
        false,
    );
    app.deliver("image").await;
    assert_eq!(run(&app).await.stored, 1);
    let name: String = app
        .query(|c| c.query_row("SELECT stored_name FROM media", [], |r| r.get(0)))
        .await;
    let path = app.state.crm.media_dir.join(&name);
    assert!(path.exists());
    let contact = app.count("SELECT id FROM contacts").await;
    let seed = [9u8; 20];
    let now = time::OffsetDateTime::now_utc();
    let key = app
        .state
        .db
        .write(move |c| {
            flowcrm::crm::api_keys::create(
                c,
                "t",
                Role::Admin,
                &seed,
                &flowcrm::crm::contacts::Actor::default(),
                now,
            )
        })
        .await
        .expect("key created");
    let req = axum::http::Request::delete(format!("/api/v1/contacts/{contact}"))
        .header("authorization", format!("Bearer {}", key.token))
        .body(axum::body::Body::empty())
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::NO_CONTENT);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM media").await, 0);
    assert!(!path.exists(), "the file is gone too");
}
