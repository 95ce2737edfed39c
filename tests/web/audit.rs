//! The audit log admins read (ASVS 16.2.1, 16.3.1–16.3.3, 16.4.1; checklist row 33): sign-ins
//! and their failures with the address, team changes, exports — filtered, paged, exported as CSV
//! with formulas defused and a forged newline kept inside its cell, refused to agents, and removed
//! after `retention.audit_days`.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn record(app: &TestApp, action: &'static str, target: &'static str) {
    let now = time::OffsetDateTime::now_utc();
    app.state
        .db
        .write(move |c| {
            flowcrm::db::audit::record(
                c,
                &flowcrm::db::audit::Entry {
                    at: now,
                    actor: None,
                    action: action.into(),
                    target: target.into(),
                    ip: "192.0.2.1".into(),
                    detail: String::new(),
                },
            )
        })
        .await
        .expect("audit row");
}

#[tokio::test]
async fn the_audit_log_is_read_filtered_and_exported_by_admins_only() {
    let mut app = TestApp::spawn().await;
    app.create_user("owner@loja.example", Role::Admin).await;
    let wrong = app.login("owner@loja.example", "not-the-password").await;
    assert_ne!(wrong.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.login("owner@loja.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    app.submit(
        "/settings/team",
        "/settings/team",
        &[
            ("name", "Bia"),
            ("email", "bia@loja.example"),
            ("role", "agent"),
        ],
    )
    .await;
    record(
        &app,
        "contact.updated",
        "=HYPERLINK(\"http://evil.example\",\"x\")",
    )
    .await;
    record(
        &app,
        "contact.updated",
        "Bob\n2026-01-01 login.success owner@loja.example",
    )
    .await;

    let page = app.get("/settings/audit").await;
    assert_eq!(page.status, StatusCode::OK);
    for seen in [
        "login.failure",
        "login.success",
        "user.invite",
        "bia@loja.example",
        "192.0.2.1",
    ] {
        assert!(page.body.contains(seen), "{seen}");
    }
    let logins = app.get("/settings/audit?action=login").await;
    assert!(
        logins.body.contains("<code>login.failure</code>")
            && !logins.body.contains("<code>user.invite</code>")
    );
    let bia = app.get("/settings/audit?target=bia%40loja").await;
    assert!(
        bia.body.contains("<code>user.invite</code>")
            && !bia.body.contains("<code>login.failure</code>")
    );

    let csv = app.get("/settings/audit.csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.header("content-type")
            .is_some_and(|c| c.starts_with("text/csv"))
    );
    let mut reader = csv::Reader::from_reader(csv.body.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("a CSV record")).collect();
    let targets: Vec<&str> = rows.iter().map(|r| &r[3]).collect();
    assert!(
        targets.iter().any(|t| t.starts_with("'=HYPERLINK")),
        "formula defused: {targets:?}"
    );
    assert!(
        targets.iter().any(|t| t.starts_with("Bob\n2026")),
        "the newline stays inside its cell"
    );
    assert!(rows.iter().all(|r| r.len() == 6), "no forged row");
    assert!(
        !rows
            .iter()
            .any(|r| &r[2] == "login.success" && r[3].starts_with("owner") && r[4].is_empty()),
        "no forged entry"
    );
    assert_eq!(
        app.audit_count("audit.exported").await,
        1,
        "reading the log out is recorded"
    );

    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    assert_eq!(
        agent.get("/settings/audit").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        agent.get("/settings/audit.csv").await.status,
        StatusCode::FORBIDDEN
    );

    // Kept retention.audit_days (365 by default), then removed.
    assert_eq!(app.state.crm.purge_audit(365).await.expect("purge"), 0);
    app.clock.advance(time::Duration::days(366));
    assert!(app.state.crm.purge_audit(365).await.expect("purge") >= 6);
    assert_eq!(app.count("SELECT COUNT(*) FROM audit_log").await, 0);
}
