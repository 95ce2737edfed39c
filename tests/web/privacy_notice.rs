//! `/privacy` and `flowcrm privacy notice` (privacy promise "transparency"): generated from the
//! live configuration, it lists exactly the processors switched on (Meta always; the SMTP
//! relay only when configured; Google Sheets only when the sync is set up (a spreadsheet and columns), the AI endpoint is not built yet, so never),
//! the retention periods in force, the cookies by their real names, the controller, and Meta's
//! data deletion instructions. Closed data requests age out by `retention.requests_days`.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::crm::retention::Policy;
use flowcrm::model::Role;

fn row(what: &str, period: &str) -> String {
    format!("<tr><td>{what}</td><td>{period}</td></tr>")
}

#[tokio::test]
async fn the_notice_lists_exactly_the_processors_switched_on_for_each_combination() {
    for smtp in [false, true] {
        let mut app = TestApp::spawn_with(|c| {
            if smtp {
                c.smtp.host = Some("mail.loja.example".into());
                c.smtp.from_address = Some("crm@loja.example".into());
            }
        })
        .await;
        let page = app.get("/privacy").await;
        assert_eq!(page.status, StatusCode::OK, "public, no sign-in");
        let b = &page.body;
        assert!(
            b.contains("Meta Platforms (WhatsApp Business Cloud API)"),
            "Meta always"
        );
        assert_eq!(
            b.contains("Email relay (mail.loja.example)"),
            smtp,
            "smtp {smtp}"
        );
        assert_eq!(
            b.contains("Email relay"),
            smtp,
            "smtp {smtp}: nothing that is off"
        );
        for off in ["OpenAI", "Google", "Sheets", "AI endpoint"] {
            assert!(!b.contains(off), "{off} is not switched on (smtp {smtp})");
        }
        let listed = b
            .split("<h2>Who else receives it</h2>")
            .nth(1)
            .and_then(|rest| rest.split("</ul>").next())
            .expect("the processors list");
        let processors = listed.matches("<li>").count();
        assert_eq!(processors, 1 + usize::from(smtp));
    }
}

#[tokio::test]
async fn the_notice_shows_the_configured_retention_controller_and_cookies() {
    let mut app = TestApp::spawn_with(|c| {
        c.retention.messages_days = Some(730);
        c.retention.media_days = Some(180);
        c.retention.audit_days = 400;
        c.retention.requests_days = Some(1095);
        c.whatsapp.raw_payload_days = 3;
        c.privacy.controller_name = Some("Loja Exemplo Lda".into());
        c.privacy.controller_contact = Some("privacidade@loja.example".into());
        c.server.public_url = Some("https://crm.loja.example".into());
    })
    .await;
    let b = app.get("/privacy").await.body;
    for (what, period) in [
        (
            "Messages, with their delivery statuses and edits",
            "730 days",
        ),
        ("Photos, voice notes, videos and documents", "180 days"),
        (
            "WhatsApp notifications as received (for troubleshooting)",
            "3 days",
        ),
        ("Audit log of actions by the team", "400 days"),
        ("Closed data protection requests", "1095 days"),
    ] {
        assert!(b.contains(&row(what, period)), "{what}: {period}");
    }
    assert!(b.contains("<strong>Loja Exemplo Lda</strong> is the data controller"));
    assert!(b.contains("privacidade@loja.example"));
    assert!(b.contains("https://crm.loja.example/meta/data-deletion/"));
    for cookie in [
        "__Host-flowcrm_session",
        "__Host-flowcrm_csrf",
        "flowcrm_flash",
    ] {
        assert!(b.contains(&format!("<code>{cookie}</code>")), "{cookie}");
    }
    assert!(
        b.contains("STOP") && b.contains("START"),
        "the opt-out words in force"
    );

    // Unset limits say "kept"; the defaults name the app.
    let mut plain = TestApp::spawn().await;
    let b = plain.get("/privacy").await.body;
    assert!(b.contains(&row(
        "Messages, with their delivery statuses and edits",
        "kept until deleted or erased"
    )));
    assert!(b.contains(&row("Closed data protection requests", "kept")));
    assert!(
        b.contains("<code>flowcrm_session</code>"),
        "plain HTTP cookie names"
    );
}

#[tokio::test]
async fn closed_data_requests_age_out_and_open_ones_stay() {
    let mut app = TestApp::spawn_with(|c| c.retention.requests_days = Some(30)).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    for subject in ["Old closed", "Still open"] {
        let r = app
            .submit(
                "/settings/requests",
                "/settings/requests",
                &[
                    ("kind", "access"),
                    ("subject", subject),
                    ("channel", "email"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
    }
    let id: i64 = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM data_requests WHERE subject = 'Old closed'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let r = app
        .submit(
            "/settings/requests",
            &format!("/settings/requests/{id}/close"),
            &[("action", "Sent the export"), ("outcome", "done")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    app.clock.advance(time::Duration::days(31));
    let policy = Policy::of(&app.state.config);
    let dry = app
        .state
        .crm
        .run_retention(policy, true)
        .await
        .expect("dry run");
    assert_eq!(dry.requests, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM data_requests").await,
        2,
        "a dry run changes nothing"
    );
    let done = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("run");
    assert_eq!(done.requests, 1);
    let left: String = app
        .query(|c| c.query_row("SELECT subject FROM data_requests", [], |r| r.get(0)))
        .await;
    assert_eq!(left, "Still open");
}
