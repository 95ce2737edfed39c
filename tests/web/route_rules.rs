//! The pages this wave added, for each role (ASVS 8.2.1, checklist row 30, for these routes):
//! anonymous people are sent to sign in, agents are refused the admin-only ones and change
//! nothing, admins get them. The rules live in `crm::access` (`AdminAction::AccountAlerts`,
//! `Audit`, `Email`, `Team`); this walks the routes.

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

/// (path, anonymous, agent, admin) for GET.
const PAGES: &[(&str, u16, u16, u16)] = &[
    ("/settings", 303, 200, 200),
    ("/settings/alerts", 303, 403, 200),
    ("/settings/audit", 303, 403, 200),
    ("/settings/audit.csv", 303, 403, 200),
    ("/settings/sessions", 303, 200, 200),
    ("/password/forgot", 200, 200, 200),
];

#[tokio::test]
async fn each_new_page_answers_each_role_by_its_rule() {
    let mut admin = TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@loja.example".into());
    })
    .await;
    let mut anonymous = admin.other_browser();
    admin.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut agent = admin.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    for (path, anon, ag, ad) in PAGES {
        let got = (
            anonymous.get(path).await.status.as_u16(),
            agent.get(path).await.status.as_u16(),
            admin.get(path).await.status.as_u16(),
        );
        assert_eq!(got, (*anon, *ag, *ad), "{path}");
    }
    let r = anonymous.get("/settings/audit").await;
    assert!(
        r.location().starts_with("/login"),
        "anonymous people sign in first"
    );
}

#[tokio::test]
async fn each_new_action_is_refused_to_agents_and_anonymous_people_and_changes_nothing() {
    let mut admin = TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@loja.example".into());
    })
    .await;
    let mut anonymous = admin.other_browser();
    admin.logged_in_as("owner@loja.example", Role::Admin).await;
    admin.deliver("account_restriction").await;
    let mut agent = admin.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let alert = admin.count("SELECT id FROM account_alerts").await;
    let me = admin
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'agent@loja.example'",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .await;
    let snapshot = |app: &TestApp| {
        let app = app.state.clone();
        async move {
            app.db
                .read(|c| {
                    c.query_row(
                        "SELECT (SELECT COUNT(*) FROM mail_outbox), (SELECT COUNT(*) FROM sessions),
                                (SELECT COUNT(*) FROM account_alerts WHERE dismissed_at IS NOT NULL)",
                        [],
                        |r| Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)),
                    )
                    .map_err(flowcrm::db::Error::from)
                })
                .await
                .expect("snapshot")
        }
    };
    let before = snapshot(&admin).await;
    for path in [
        format!("/settings/alerts/{alert}/dismiss"),
        "/settings/email/test".to_string(),
        format!("/settings/team/{me}/revoke-links"),
        format!("/settings/team/{me}/end-sessions"),
    ] {
        let r = agent
            .submit("/inbox", &path, &[("to", "x@loja.example")])
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "agent: {path}");
        let r = anonymous
            .submit("/login", &path, &[("to", "x@loja.example")])
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "anonymous: {path}");
        assert!(r.location().starts_with("/login"), "anonymous: {path}");
    }
    assert_eq!(snapshot(&admin).await, before, "nothing changed");
    let r = admin
        .submit(
            "/settings/alerts",
            &format!("/settings/alerts/{alert}/dismiss"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "the admin may");
}
