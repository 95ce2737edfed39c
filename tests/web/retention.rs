//! Retention that really deletes (privacy promise "message history kept per the configured
//! policy"): each limit removes exactly what is older, with statuses, edits, search-index rows
//! and media files, and nothing newer; a dry run only counts; the policy is shown in Settings
//! and applied by `flowcrm retention run`.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::crm::retention::Policy;
use flowcrm::model::Role;

const DAY: i64 = 86_400;

async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.retention.messages_days = Some(30);
        c.retention.media_days = Some(10);
    })
    .await
}

/// A customer photo `days_ago` old with a unique word in its caption, and its read status.
async fn old_message(app: &mut TestApp, wamid: &str, days_ago: i64, word: &str) {
    let ts = app.clock.now_plus(time::Duration::ZERO).unix_timestamp() - days_ago * DAY;
    let photo = serde_json::json!({"id": wamid, "timestamp": ts.to_string(), "type": "image",
        "image": {"id": format!("media-{wamid}"), "mime_type": "image/jpeg", "sha256": "x", "caption": format!("about {word} please")}});
    let body = crate::payload::message_from("5511988887777", "Ana Lima", &photo);
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    let status = crate::payload::status(wamid, "read", ts + 60, "5511988887777", None);
    app.post_webhook(status.to_string().as_bytes()).await;
}

/// A stored media file on message `wamid`, received `days_ago`.
async fn stored_file(
    app: &TestApp,
    wamid: &'static str,
    days_ago: i64,
    name: &'static str,
) -> std::path::PathBuf {
    let path = app.state.config.media_dir().join(name);
    std::fs::create_dir_all(app.state.config.media_dir()).expect("dir");
    std::fs::write(&path, b"JPEG bytes").expect("file");
    let at = app.clock.now_plus(time::Duration::ZERO).unix_timestamp() - days_ago * DAY;
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<()> {
            // As the media job leaves it once the file is downloaded.
            c.execute(
                "UPDATE media SET state = 'stored', stored_name = ?2, received_at = ?3
                 WHERE message_id = (SELECT id FROM messages WHERE wamid = ?1)",
                rusqlite::params![wamid, name, at],
            )?;
            Ok(())
        })
        .await
        .expect("media row");
    path
}

async fn searchable(app: &mut TestApp, word: &str) -> bool {
    app.get(&format!("/search?q={word}"))
        .await
        .body
        .contains(&format!("<mark>{word}</mark>"))
}

#[tokio::test]
async fn each_limit_removes_exactly_what_is_older_and_a_dry_run_changes_nothing() {
    let mut app = app().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    old_message(&mut app, "wamid.OLD40", 40, "zebrafortyday").await;
    old_message(&mut app, "wamid.MID20", 20, "zebratwentyday").await;
    old_message(&mut app, "wamid.NEW5", 5, "zebrafiveday").await;
    let gone_with_message = stored_file(&app, "wamid.OLD40", 40, "old40.jpg").await;
    let removed_file = stored_file(&app, "wamid.MID20", 20, "mid20.jpg").await;
    let kept_file = stored_file(&app, "wamid.NEW5", 5, "new5.jpg").await;
    assert!(searchable(&mut app, "zebrafortyday").await);
    let policy = Policy::of(&app.state.config);

    let dry = app
        .state
        .crm
        .run_retention(policy, true)
        .await
        .expect("dry run");
    assert_eq!((dry.messages, dry.media_files), (1, 2), "{dry:?}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages").await,
        3,
        "a dry run changes nothing"
    );
    assert!(gone_with_message.exists() && removed_file.exists());

    let r = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("run");
    assert_eq!(r.messages, 1, "{r:?}");
    assert_eq!(
        r.media_files, 2,
        "the 40-day message's file and the 20-day file: {r:?}"
    );
    let left: Vec<String> = app
        .query(|c| {
            let mut s = c.prepare("SELECT wamid FROM messages ORDER BY sent_at")?;
            s.query_map([], |r| r.get(0))?.collect()
        })
        .await;
    assert_eq!(
        left,
        ["wamid.MID20", "wamid.NEW5"],
        "nothing newer than 30 days went"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM message_statuses WHERE wamid = 'wamid.OLD40'")
            .await,
        0,
        "its statuses (with the customer's number) went too"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM message_statuses").await, 2);
    assert!(
        !searchable(&mut app, "zebrafortyday").await,
        "out of the search index"
    );
    assert!(searchable(&mut app, "zebratwentyday").await);
    assert!(!gone_with_message.exists() && !removed_file.exists());
    assert!(kept_file.exists(), "a 5-day file stays");
    assert_eq!(
        app.count(
            "SELECT COUNT(*) FROM media WHERE removed_at IS NOT NULL AND stored_name IS NULL"
        )
        .await,
        1
    );
    let conversation = app.count("SELECT id FROM conversations").await;
    let page = app.get(&format!("/conversations/{conversation}")).await;
    assert!(
        page.body.contains("The file was removed"),
        "the message says what happened"
    );

    let again = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("again");
    assert_eq!((again.messages, again.media_files), (0, 0));
}

#[tokio::test]
async fn without_limits_messages_and_media_are_kept_and_settings_shows_the_policy() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    old_message(&mut app, "wamid.ANCIENT", 900, "zebraancient").await;
    stored_file(&app, "wamid.ANCIENT", 900, "ancient.jpg").await;
    let policy = Policy::of(&app.state.config);
    assert_eq!((policy.messages_days, policy.media_days), (None, None));
    let r = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("run");
    assert_eq!((r.messages, r.media_files), (0, 0));
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
    let settings = app.get("/settings").await;
    assert!(
        settings
            .body
            .contains("<dt>Messages</dt><dd>kept (no limit set)</dd>")
    );
    assert!(
        settings
            .body
            .contains("<dt>Audit log</dt><dd>365 days</dd>")
    );

    let mut limited = self::app().await;
    limited
        .logged_in_as("owner@loja.example", Role::Admin)
        .await;
    let page = limited.get("/settings").await;
    assert!(page.body.contains("<dt>Messages</dt><dd>30 days</dd>"));
    assert!(page.body.contains("<dt>Media files</dt><dd>10 days</dd>"));
}

#[tokio::test]
async fn a_long_backlog_goes_in_batches_and_ingest_keeps_going_meanwhile() {
    let mut app = TestApp::spawn_with(|c| c.retention.messages_days = Some(30)).await;
    let ts = app.clock.now_plus(time::Duration::ZERO).unix_timestamp() - 60 * DAY;
    // 1,200 old messages (more than two batches), in a few webhook posts.
    for chunk in 0..12 {
        let mut messages = Vec::new();
        for i in 0..100 {
            messages.push(serde_json::json!({
                "from": "5511988887777", "id": format!("wamid.B{chunk}-{i}"),
                "timestamp": (ts + i).to_string(), "type": "text", "text": {"body": "old"}
            }));
        }
        let body = serde_json::json!({"object": "whatsapp_business_account", "entry": [{"id": "W", "changes": [{"field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550009999", "phone_number_id": crate::payload::PNID},
            "contacts": [{"profile": {"name": "Ana"}, "wa_id": "5511988887777"}],
            "messages": messages}}]}]});
        assert_eq!(
            app.post_webhook(body.to_string().as_bytes()).await.status,
            StatusCode::OK
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1_200);
    let policy = Policy::of(&app.state.config);
    let crm = app.state.crm.clone();
    let run = tokio::spawn(async move { crm.run_retention(policy, false).await });
    // A new customer message arrives while the backlog is being deleted.
    let now = app.clock.now_plus(time::Duration::ZERO).unix_timestamp();
    let fresh = crate::payload::text_from("5511977776666", "Bia", "wamid.FRESH", now, "hello");
    assert_eq!(
        app.post_webhook(fresh.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    let r = run.await.expect("task").expect("run");
    assert_eq!(r.messages, 1_200);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages").await,
        1,
        "only the new one"
    );
}
