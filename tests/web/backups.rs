//! Backups from the browser and the server's own schedule rules: who may see and start them,
//! what Settings and `/healthz?detail` show, the failure alert (banner and email), and pruning
//! to N daily and M weekly archives as the clock moves.

use crate::helpers::TestApp;
use flowcrm::crm::access::Who;
use flowcrm::crm::backup::Trigger;
use flowcrm::model::Role;
use std::time::Duration;

fn archives(app: &TestApp) -> Vec<String> {
    let dir = app.state.config.backup_dir();
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[tokio::test]
async fn only_admins_see_and_start_backups_and_the_button_writes_an_archive() {
    let mut admin = TestApp::spawn().await;
    let mut anonymous = admin.other_browser();
    admin.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut agent = admin.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let mut viewer = admin.other_browser();
    viewer
        .logged_in_as("viewer@loja.example", Role::Viewer)
        .await;
    assert_eq!(
        anonymous.get("/settings/backups").await.status.as_u16(),
        303
    );
    assert_eq!(agent.get("/settings/backups").await.status.as_u16(), 403);
    assert_eq!(viewer.get("/settings/backups").await.status.as_u16(), 403);
    let page = admin.get("/settings/backups").await;
    assert_eq!(page.status.as_u16(), 200);
    assert!(page.body.contains("No backup yet"), "{}", page.body);
    assert!(
        page.body.contains("0 3 * * *"),
        "the default schedule is shown"
    );

    let refused = agent.submit("/settings", "/settings/backups", &[]).await;
    assert_eq!(refused.status.as_u16(), 403);
    let anon = anonymous.post_form("/settings/backups", &[]).await;
    assert!(anon.status.is_redirection() || anon.status.as_u16() == 403);
    assert!(archives(&admin).is_empty(), "nothing was started");

    let started = admin
        .submit("/settings/backups", "/settings/backups", &[])
        .await;
    assert_eq!(started.status.as_u16(), 303);
    let mut waited = 0;
    while archives(&admin).is_empty() || admin.state.crm.backup_lock.try_lock().is_err() {
        assert!(waited < 200, "the backup did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
        waited += 1;
    }
    let names = archives(&admin);
    assert_eq!(names.len(), 1, "{names:?}");
    assert!(
        names[0].starts_with("flowcrm-")
            && std::path::Path::new(&names[0])
                .extension()
                .is_some_and(|e| e == "fcb")
    );
    let page = admin.get("/settings/backups").await;
    assert!(page.body.contains("just now"), "{}", page.body);
    assert!(page.body.contains(&names[0]));
    assert!(page.body.contains("button"), "the run names its trigger");
    let settings = admin.get("/settings").await;
    assert!(settings.body.contains("Last good backup: <strong>just now"));
}

#[tokio::test]
async fn healthz_detail_gives_the_last_good_backup_age_and_failures_raise_the_alert() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let plain = app.get("/healthz").await;
    assert!(!plain.body.contains("backup"), "only with ?detail");
    let never = app.get("/healthz?detail").await;
    let v: serde_json::Value = serde_json::from_str(&never.body).expect("json");
    assert_eq!(v["backup"]["last_ok_at"], serde_json::Value::Null);

    app.state
        .crm
        .backup_now(Who::system(), Trigger::Cli)
        .await
        .expect("backup");
    app.clock.advance(time::Duration::hours(5));
    let v: serde_json::Value =
        serde_json::from_str(&app.get("/healthz?detail").await.body).expect("json");
    assert_eq!(v["backup"]["last_ok_age_seconds"], 5 * 3600);
    assert_eq!(v["backup"]["last_attempt_failed"], false);

    // The backup folder cannot be created (a file is in the way): the run fails, Settings and
    // the health check say so, and the admins' alert banner shows it.
    let blocked = app.state.config.server.data_dir.join("in-the-way");
    std::fs::write(&blocked, b"x").expect("file");
    let mut s = (**app.state.crm.backup.as_ref().expect("settings")).clone();
    s.dir = blocked.join("backups");
    let mut crm = app.state.crm.clone();
    crm.backup = Some(std::sync::Arc::new(s));
    let err = crm
        .backup_now(Who::system(), Trigger::Schedule)
        .await
        .expect_err("fails");
    assert!(err.to_string().contains("The backup failed"), "{err}");
    let v: serde_json::Value =
        serde_json::from_str(&app.get("/healthz?detail").await.body).expect("json");
    assert_eq!(v["backup"]["last_attempt_failed"], true);
    assert_eq!(
        v["backup"]["last_ok_age_seconds"],
        5 * 3600,
        "the good one still counts"
    );
    let inbox = app.get("/inbox").await;
    assert!(inbox.body.contains("The backup failed"), "admin banner");
    let page = app.get("/settings/backups").await;
    assert!(
        page.body.contains("failed") && page.body.contains("in-the-way"),
        "{}",
        page.body
    );

    // The next good backup clears the banner.
    app.state
        .crm
        .backup_now(Who::system(), Trigger::Schedule)
        .await
        .expect("backup");
    assert!(!app.get("/inbox").await.body.contains("The backup failed"));
}

#[tokio::test]
async fn a_failed_backup_is_emailed_to_the_admins_when_email_is_set_up() {
    let mut app = TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@loja.example".into());
        // Under a file (the master key), so the backup key cannot be created.
        c.backup.key_file = Some(c.server.data_dir.join("master.key").join("backup.key"));
    })
    .await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let err = app
        .state
        .crm
        .backup_now(Who::system(), Trigger::Schedule)
        .await
        .expect_err("no key can be created there");
    assert!(err.to_string().contains("backup key"), "{err}");
    app.state.crm.notify_due().await.expect("notify");
    let mails = app
        .query(|c| {
            let mut s = c.prepare("SELECT to_address, subject, text_body FROM mail_outbox")?;
            let rows = s
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                })?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "owner@loja.example");
    assert!(
        mails[0].1.contains("FlowCRM alert for") && mails[0].1.contains("The backup failed"),
        "{}",
        mails[0].1
    );
    assert!(mails[0].2.contains("backup key"), "{}", mails[0].2);
}

#[tokio::test]
async fn old_archives_are_pruned_to_daily_and_weekly_as_the_clock_moves() {
    let app = TestApp::spawn_with(|c| {
        c.backup.keep_daily = 3;
        c.backup.keep_weekly = 2;
        c.app.timezone = Some("America/Sao_Paulo".into());
    })
    .await;
    // Two backups a day for 15 days.
    let mut pruned = 0;
    for _ in 0..30 {
        let d = app
            .state
            .crm
            .backup_now(Who::system(), Trigger::Schedule)
            .await
            .expect("backup");
        pruned += d.pruned.len();
        app.clock.advance(time::Duration::hours(12));
    }
    let kept = archives(&app);
    // 3 daily (the newest of each of the last 3 local days) plus the newest of the week before
    // the one those fall in, at most: 3 + 1, and never fewer than 3.
    assert!((3..=5).contains(&kept.len()), "{kept:?}");
    assert_eq!(pruned + kept.len(), 30);
    let newest = app.clock.now_plus(time::Duration::hours(-12));
    assert!(
        kept.last().expect("one") == &flowcrm::crm::backup::archive_name(newest),
        "the newest stays: {kept:?}"
    );
    let times: Vec<_> = kept
        .iter()
        .filter_map(|n| flowcrm::crm::backup::archive_time(n))
        .collect();
    let zone = flowcrm::model::Zone::named("America/Sao_Paulo").expect("zone");
    let mut days: Vec<_> = times.iter().map(|t| zone.local(*t).date()).collect();
    days.dedup();
    assert_eq!(days.len(), kept.len(), "one per local day: {kept:?}");
}
