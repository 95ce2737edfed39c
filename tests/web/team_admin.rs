//! The team in the browser: adding a person hands over a one-time link that works once, role
//! changes, delete with reassignment, and the last admin cannot be removed or demoted.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::StatusCode;
use flowcrm::model::Role;

fn link_in(body: &str) -> String {
    let start = body.find("/account/").expect("a link is shown");
    body[start..]
        .split(['<', '"', ' '])
        .next()
        .expect("link")
        .to_string()
}

async fn id_of(app: &TestApp, email: &'static str) -> i64 {
    app.query(move |c| {
        c.query_row("SELECT id FROM users WHERE email = ?1", [email], |r| {
            r.get(0)
        })
    })
    .await
}

#[tokio::test]
async fn an_added_person_sets_their_password_once_with_the_link_and_signs_in() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let r = owner.invite("Bia Souza", "Bia@Shop.example", "agent").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("Invitation for Bia Souza"));
    let link = link_in(&r.body);
    assert_eq!(owner.audit_count("user.invite").await, 1);
    assert!(
        r.body.contains(r#"<span class="badge">invited</span>"#),
        "shown as invited"
    );

    let mut bia = owner.other_browser();
    let wrong = bia.login("bia@shop.example", PASSWORD).await;
    assert_ne!(
        wrong.location(),
        "/inbox",
        "no password works before the link is used"
    );
    let form = bia.get(&link).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("bia@shop.example"));
    let short = bia
        .submit(&link, &link, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(
        short.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a weak password is refused, the link stays good"
    );
    let set = bia
        .submit(
            &link,
            &link,
            &[
                ("password", "bia's long passphrase"),
                ("confirm", "bia's long passphrase"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER);
    assert_eq!(set.location(), "/login");
    let team = owner.get("/settings/team").await;
    assert!(
        !team.body.contains(r#"<span class="badge">invited</span>"#),
        "no longer invited"
    );
    let ok = bia.login("bia@shop.example", "bia's long passphrase").await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert_eq!(ok.location(), "/inbox");

    let mut eve = owner.other_browser();
    let again = eve.get(&link).await;
    assert_eq!(again.status, StatusCode::GONE, "single use");
    assert!(again.body.contains("already used"));
    assert!(
        again.body.contains("owner@shop.example"),
        "names the admin to ask: {}",
        again.body
    );
    let reuse = eve
        .submit(
            "/login",
            &link,
            &[
                ("password", "eve takes over now"),
                ("confirm", "eve takes over now"),
            ],
        )
        .await;
    assert_eq!(reuse.status, StatusCode::GONE);
    let still = owner
        .other_browser()
        .login("bia@shop.example", "bia's long passphrase")
        .await;
    assert_eq!(still.location(), "/inbox", "the password stayed Bia's");
}

#[tokio::test]
async fn a_reset_link_replaces_the_password_and_ends_sessions_and_expires() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut bob = owner.other_browser();
    bob.logged_in_as("bob@shop.example", Role::Agent).await;
    let bob_id = id_of(&owner, "bob@shop.example").await;
    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{bob_id}/reset-link"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let first = link_in(&r.body);
    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{bob_id}/reset-link"),
            &[],
        )
        .await;
    let second = link_in(&r.body);
    assert_eq!(
        owner.other_browser().get(&first).await.status,
        StatusCode::GONE,
        "a new link retires the old one"
    );
    let mut anon = owner.other_browser();
    let set = anon
        .submit(
            &second,
            &second,
            &[
                ("password", "bob's new passphrase"),
                ("confirm", "bob's new passphrase"),
            ],
        )
        .await;
    assert_eq!(set.location(), "/login");
    assert_eq!(
        bob.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "bob's old session ended"
    );

    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{bob_id}/reset-link"),
            &[],
        )
        .await;
    let late = link_in(&r.body);
    owner.clock.advance(time::Duration::hours(25));
    let expired = anon.get(&late).await;
    assert_eq!(expired.status, StatusCode::GONE);
    assert!(expired.body.contains("expired"));
}

#[tokio::test]
async fn roles_change_and_a_deleted_agents_conversations_are_handed_on() {
    let (mut owner, _fake) = crate::fake_graph::setup().await;
    let conv = crate::fake_graph::customer_writes(&mut owner, "wamid.TEAM.1").await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut bob = owner.other_browser();
    bob.logged_in_as("bob@shop.example", Role::Agent).await;
    owner
        .other_browser()
        .logged_in_as("ann@shop.example", Role::Agent)
        .await;
    let (bob_id, ann_id) = (
        id_of(&owner, "bob@shop.example").await,
        id_of(&owner, "ann@shop.example").await,
    );
    owner
        .submit(
            "/inbox",
            &format!("/conversations/{conv}/assign"),
            &[("to", &bob_id.to_string())],
        )
        .await;

    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{ann_id}/role"),
            &[("role", "admin")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let role: String = owner
        .query(move |c| {
            c.query_row("SELECT role FROM users WHERE id = ?1", [ann_id], |r| {
                r.get(0)
            })
        })
        .await;
    assert_eq!(role, "admin");

    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{bob_id}/delete"),
            &[("reassign_to", &ann_id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let assignee: i64 = owner
        .query(move |c| {
            c.query_row(
                "SELECT assignee_id FROM conversations WHERE id = ?1",
                [conv],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(assignee, ann_id, "Bob's conversation went to Ann");
    assert_eq!(
        owner
            .count("SELECT COUNT(*) FROM users WHERE email = 'bob@shop.example'")
            .await,
        0
    );
    assert_eq!(
        bob.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "Bob is signed out"
    );
    assert_eq!(owner.audit_count("user.delete").await, 1);

    owner
        .other_browser()
        .logged_in_as("cy@shop.example", Role::Agent)
        .await;
    let cy_id = id_of(&owner, "cy@shop.example").await;
    owner
        .submit(
            "/inbox",
            &format!("/conversations/{conv}/assign"),
            &[("to", &cy_id.to_string())],
        )
        .await;
    owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{cy_id}/delete"),
            &[("reassign_to", "")],
        )
        .await;
    let unassigned = owner
        .count("SELECT COUNT(*) FROM conversations WHERE assignee_id IS NULL")
        .await;
    assert_eq!(unassigned, 1, "or back to Unassigned");
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted_disabled_or_deleted_and_agents_cannot_manage() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@shop.example", Role::Admin).await;
    let mut agent = owner.other_browser();
    agent.logged_in_as("agent@shop.example", Role::Agent).await;
    let me = id_of(&owner, "owner@shop.example").await;
    let demote = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{me}/role"),
            &[("role", "agent")],
        )
        .await;
    assert_eq!(demote.status, StatusCode::SEE_OTHER);
    assert!(
        owner
            .get("/settings/team")
            .await
            .body
            .contains("last active admin")
    );
    owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{me}/disable"),
            &[],
        )
        .await;
    owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{me}/delete"),
            &[("reassign_to", "")],
        )
        .await;
    assert_eq!(
        owner
            .count("SELECT COUNT(*) FROM users WHERE role = 'admin' AND disabled_at IS NULL")
            .await,
        1
    );

    assert_eq!(
        agent.get("/settings/team").await.status,
        StatusCode::FORBIDDEN
    );
    for (path, fields) in [
        (
            "/settings/team".to_string(),
            vec![("email", "x@shop.example"), ("role", "admin")],
        ),
        (format!("/settings/team/{me}/role"), vec![("role", "agent")]),
        (format!("/settings/team/{me}/disable"), vec![]),
        (
            format!("/settings/team/{me}/delete"),
            vec![("reassign_to", "")],
        ),
        (format!("/settings/team/{me}/reset-link"), vec![]),
    ] {
        let r = agent.submit("/settings", &path, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(owner.count("SELECT COUNT(*) FROM users").await, 2);
    assert_eq!(owner.count("SELECT COUNT(*) FROM user_links").await, 0);
}

/// Without `[smtp]`, nothing is queued and the admin is shown the link.
#[tokio::test]
async fn without_email_the_admin_hands_the_link_over() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = app.invite("Bia", "bia@loja.example", "agent").await;
    assert!(r.body.contains("/account/"), "the link is shown");
    assert_eq!(app.count("SELECT COUNT(*) FROM mail_outbox").await, 0);
}

/// ASVS 6.2.4 (checklist row 15): the most common passwords are refused with a clear message,
/// here when an invited person sets theirs; the 8-byte floor and the 72-byte ceiling stay.
#[tokio::test]
async fn a_common_password_is_refused_with_a_clear_message() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = app.invite("Bia", "bia@loja.example", "agent").await;
    let link = link_in(&r.body);
    let mut bia = app.other_browser();
    for (typed, says) in [
        ("password123", "most common passwords"),
        ("Password123", "most common passwords"),
        ("iloveyou", "most common passwords"),
        ("short", "at least 8"),
        (&"x".repeat(73)[..], "at most 72 bytes"),
    ] {
        let r = bia
            .submit(&link, &link, &[("password", typed), ("confirm", typed)])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(r.body.contains(says), "{typed}: {}", r.body);
    }
    let ok = bia
        .submit(
            &link,
            &link,
            &[
                ("password", "ventania no morro 42"),
                ("confirm", "ventania no morro 42"),
            ],
        )
        .await;
    assert_eq!(
        ok.status,
        StatusCode::SEE_OTHER,
        "an uncommon password is taken"
    );
}

/// ASVS 7.4.5 / 7.5.2 (checklist row 9): people see their sessions and end one or all others;
/// an admin signs a member out everywhere; each is audited.
#[tokio::test]
async fn sessions_are_listed_and_ended_by_their_owner_or_an_admin() {
    let mut phone = TestApp::spawn().await;
    phone.create_user("ana@loja.example", Role::Agent).await;
    assert_eq!(
        phone.login("ana@loja.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let mut laptop = phone.other_browser();
    assert_eq!(
        laptop.login("ana@loja.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let mut tablet = phone.other_browser();
    assert_eq!(
        tablet.login("ana@loja.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );

    let page = laptop.get("/settings/sessions").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.body.matches(" · signed in ").count(),
        3,
        "{}",
        page.body
    );
    assert!(page.body.contains("this browser"));

    // End one other session by its id; someone else's id is not found.
    let tablet_id = phone
        .query(|c| c.query_row("SELECT MAX(id) FROM sessions", [], |r| r.get::<_, i64>(0)))
        .await;
    let r = laptop
        .submit(
            "/settings/sessions",
            &format!("/settings/sessions/{tablet_id}/end"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        tablet.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "the tablet must sign in again"
    );

    let r = laptop
        .submit("/settings/sessions", "/settings/sessions/end-others", &[])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        phone.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "the phone too"
    );
    assert_eq!(
        laptop.get("/inbox").await.status,
        StatusCode::OK,
        "this one stays"
    );

    let mut owner = laptop.other_browser();
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let ana = id_of(&owner, "ana@loja.example").await;
    let mut other = laptop.other_browser();
    other.logged_in_as("bob@loja.example", Role::Agent).await;
    let r = other
        .submit("/inbox", &format!("/settings/team/{ana}/end-sessions"), &[])
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "agents cannot");
    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{ana}/end-sessions"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        laptop.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "signed out everywhere"
    );
    for action in [
        "session.ended",
        "session.ended_others",
        "user.sessions_ended",
    ] {
        assert_eq!(owner.audit_count(action).await, 1, "{action}");
    }
}

/// The rules of this issue's routes for an agent: the test email and the mail log, withdrawing
/// a link, and ending a session that is not theirs are refused and change nothing.
#[tokio::test]
async fn agents_cannot_send_test_email_withdraw_links_or_end_someone_elses_session() {
    let mut owner = TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@loja.example".into());
    })
    .await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = owner.invite("Bia", "bia@loja.example", "agent").await;
    assert_eq!(r.status, StatusCode::OK);
    let bia = id_of(&owner, "bia@loja.example").await;
    let owner_session = owner
        .query(|c| c.query_row("SELECT MAX(id) FROM sessions", [], |r| r.get::<_, i64>(0)))
        .await;
    let mut agent = owner.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;
    let mails = owner.count("SELECT COUNT(*) FROM mail_outbox").await;

    let test = agent
        .submit(
            "/inbox",
            "/settings/email/test",
            &[("to", "agent@loja.example")],
        )
        .await;
    assert_eq!(test.status, StatusCode::FORBIDDEN);
    let revoke = agent
        .submit("/inbox", &format!("/settings/team/{bia}/revoke-links"), &[])
        .await;
    assert_eq!(revoke.status, StatusCode::FORBIDDEN);
    let end = agent
        .submit(
            "/inbox",
            &format!("/settings/sessions/{owner_session}/end"),
            &[],
        )
        .await;
    assert_eq!(
        end.status,
        StatusCode::NOT_FOUND,
        "someone else's session is not found"
    );
    assert_eq!(
        owner.get("/inbox").await.status,
        StatusCode::OK,
        "the owner stays signed in"
    );
    assert_eq!(owner.count("SELECT COUNT(*) FROM mail_outbox").await, mails);
    assert_eq!(
        owner
            .count("SELECT COUNT(*) FROM user_links WHERE used_at IS NULL AND expires_at > strftime('%s','now')")
            .await,
        1,
        "Bia's invitation still works"
    );
}
