//! Sign-in, sessions, CSRF, throttling, password rules.

use crate::helpers::{PASSWORD, TestApp};
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use flowcrm::auth::{ClientInfo, Error as AuthError, NewUserInput};
use flowcrm::model::Role;
use time::Duration;

const SESSION: &str = "flowcrm_session";

#[tokio::test]
async fn login_sets_a_fresh_http_only_session_cookie_and_logout_kills_it_on_the_server() {
    let mut app = TestApp::spawn().await;
    app.create_user("ana@shop.example", Role::Admin).await;

    let r = app.login("Ana@Shop.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(r.location(), "/inbox");
    let cookie = r
        .set_cookies()
        .into_iter()
        .find(|c| c.starts_with(SESSION))
        .expect("session cookie");
    for attr in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain http install");
    let token = app.cookie(SESSION).expect("jar").clone();
    assert!(token.len() >= 32, "at least 128 bits");
    assert_eq!(app.audit_count("login.success").await, 1);

    assert_eq!(app.get("/inbox").await.status, StatusCode::OK);
    let settings = app.get("/settings").await;
    let out = app.submit("/settings", "/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER, "{}", settings.status);
    assert_eq!(out.location(), "/login");
    assert!(app.cookie(SESSION).is_none(), "cookie cleared");

    // Replaying the old cookie does not work: the session is gone on the server.
    app.set_cookie(SESSION, &token);
    let replay = app.get("/inbox").await;
    assert_eq!(replay.status, StatusCode::SEE_OTHER);
    assert!(replay.location().starts_with("/login?next=%2Finbox"));
}

#[tokio::test]
async fn a_new_login_replaces_the_previous_session_id() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@shop.example", Role::Agent).await;
    let first = app.cookie(SESSION).expect("session").clone();
    // Signing in again while signed in (the login form posted from an open tab).
    let r = app
        .submit(
            "/settings",
            "/login",
            &[("email", "ana@shop.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let second = app.cookie(SESSION).expect("session").clone();
    assert_ne!(first, second);
    let mut other = app.other_browser();
    other.set_cookie(SESSION, &first);
    assert_eq!(
        other.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "old id is dead"
    );
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_answer() {
    let mut app = TestApp::spawn().await;
    app.create_user("ana@shop.example", Role::Admin).await;
    let wrong = app.login("ana@shop.example", "wrong password").await;
    let unknown = app.login("nobody@shop.example", "wrong password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.body.contains("Wrong email or password."));
    assert!(unknown.body.contains("Wrong email or password."));
    assert!(
        wrong.body.contains("value=\"ana@shop.example\""),
        "email kept in the form"
    );
    assert!(app.cookie(SESSION).is_none());
    assert_eq!(app.audit_count("login.failure").await, 2);
}

#[tokio::test]
async fn post_without_csrf_token_is_403_and_changes_nothing() {
    let mut app = TestApp::spawn().await;
    app.create_user("ana@shop.example", Role::Admin).await;
    let r = app
        .post_form(
            "/login",
            &[("email", "ana@shop.example"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("Form expired"));
    assert!(app.cookie(SESSION).is_none());

    app.login("ana@shop.example", PASSWORD).await;
    let wrong = app
        .post_form("/logout", &[("csrf_token", &"0".repeat(64))])
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let none = app
        .post_form("/settings/password", &[("current", PASSWORD)])
        .await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/inbox").await.status,
        StatusCode::OK,
        "still signed in"
    );

    // A valid token from another site is refused too.
    let csrf = app.get("/settings").await.csrf();
    let body = serde_urlencoded::to_string([("csrf_token", csrf.as_str())]).expect("form");
    let req = Request::post("/logout")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "https://evil.example")
        .body(Body::from(body))
        .expect("req");
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.get("/inbox").await.status,
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn throttling_kicks_in_after_repeated_failures_and_the_right_password_works_after_the_wait() {
    let mut app = TestApp::spawn_with(|c| c.security.login_free_attempts = 3).await;
    app.create_user("ana@shop.example", Role::Admin).await;
    for _ in 0..4 {
        let r = app.login("ana@shop.example", "guess guess").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Now even the right password is refused until the wait is over.
    let blocked = app.login("ana@shop.example", PASSWORD).await;
    assert_eq!(blocked.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(blocked.body.contains("Too many failed sign-ins"));
    assert!(blocked.header("retry-after").is_some());
    // From another IP the account is still throttled.
    let mut other = app.other_browser();
    assert_eq!(
        other.login("ana@shop.example", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );

    app.clock.advance(Duration::seconds(5));
    let ok = app.login("ana@shop.example", PASSWORD).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
}

#[tokio::test]
async fn passwords_over_72_bytes_are_refused_never_truncated() {
    let app = TestApp::spawn().await;
    let input = |password: String| NewUserInput {
        email: "ana@shop.example".into(),
        name: String::new(),
        role: Role::Agent,
        password,
        confirm: None,
    };
    let err = app
        .state
        .auth
        .create_user(&input("a".repeat(73)), None, &ClientInfo::default())
        .await
        .expect_err("73 bytes");
    assert!(
        matches!(err, AuthError::Invalid(ref f) if f[0].field == "password"),
        "{err:?}"
    );
    // 72 bytes is fine, and the same 72 plus more does not sign in.
    let p72 = "é".repeat(36);
    app.state
        .auth
        .create_user(&input(p72.clone()), None, &ClientInfo::default())
        .await
        .expect("72 bytes");
    let mut browser = app.other_browser();
    let longer = browser.login("ana@shop.example", &format!("{p72}x")).await;
    assert_eq!(longer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        browser.login("ana@shop.example", &p72).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn idle_sessions_expire() {
    let mut app = TestApp::spawn_with(|c| c.security.session_idle_minutes = 30).await;
    app.logged_in_as("ana@shop.example", Role::Agent).await;
    app.clock.advance(Duration::minutes(20));
    assert_eq!(
        app.get("/inbox").await.status,
        StatusCode::OK,
        "use refreshes the idle timer"
    );
    app.clock.advance(Duration::minutes(20));
    assert_eq!(app.get("/inbox").await.status, StatusCode::OK);
    app.clock.advance(Duration::minutes(31));
    assert_eq!(app.get("/inbox").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn disabling_a_user_ends_their_sessions() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("agent@shop.example", Role::Agent).await;
    let id = app
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'agent@shop.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let cli = flowcrm::crm::access::Who::key(Role::Admin);
    app.state
        .crm
        .set_member_disabled(
            flowcrm::model::UserId(id),
            true,
            cli,
            flowcrm::crm::contacts::Actor::default(),
        )
        .await
        .expect("disable");
    assert_eq!(app.get("/inbox").await.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.login("agent@shop.example", PASSWORD).await.status,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_signs_out_other_sessions() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@shop.example", Role::Agent).await;
    let mut phone = app.other_browser();
    phone.login("ana@shop.example", PASSWORD).await;

    let new = "a brand new passphrase";
    let bad = app
        .submit(
            "/settings",
            "/settings/password",
            &[
                ("current", "nope nope"),
                ("password", new),
                ("confirm", new),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("That is not your current password."));

    let ok = app
        .submit(
            "/settings",
            "/settings/password",
            &[("current", PASSWORD), ("password", new), ("confirm", new)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    assert!(app.get("/settings").await.body.contains("Password changed"));
    assert_eq!(
        phone.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "other session ended"
    );
    assert_eq!(
        phone.login("ana@shop.example", new).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn forty_concurrent_wrong_passwords_are_not_all_evaluated() {
    let app = TestApp::spawn_with(|c| c.security.login_free_attempts = 5).await;
    app.create_user("ana@shop.example", Role::Admin).await;
    let client = ClientInfo {
        ip: "203.0.113.50".into(),
        user_agent: "test".into(),
    };
    let tries: Vec<_> = (0..40)
        .map(|i| {
            let (auth, client) = (app.state.auth.clone(), client.clone());
            tokio::spawn(async move {
                auth.login("ana@shop.example", &format!("wrong {i}"), &client, None)
                    .await
            })
        })
        .collect();
    let mut throttled = 0;
    for t in tries {
        match t.await.expect("join") {
            Err(AuthError::Throttled(_)) => throttled += 1,
            Err(AuthError::InvalidCredentials) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    let evaluated = app.audit_count("login.failure").await;
    assert!(evaluated <= 6, "{evaluated} passwords were checked");
    assert_eq!(evaluated + throttled, 40);
}

#[tokio::test]
async fn signing_in_to_ones_own_account_does_not_reset_the_ip_count() {
    let mut app = TestApp::spawn_with(|c| c.security.login_free_attempts = 3).await;
    app.create_user("attacker@shop.example", Role::Agent).await;
    for victim in ["a@shop.example", "b@shop.example", "c@shop.example"] {
        assert_eq!(
            app.login(victim, "guess").await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    let own = app.login("attacker@shop.example", PASSWORD).await;
    assert_eq!(own.status, StatusCode::SEE_OTHER);
    // A fresh browser (no session) from the same address.
    let mut app = app.other_browser();
    app.ip = "203.0.113.7".into();
    assert_eq!(
        app.login("d@shop.example", "guess").await.status,
        StatusCode::UNAUTHORIZED,
        "the fourth failure is evaluated and starts the wait"
    );
    assert_eq!(
        app.login("e@shop.example", "guess").await.status,
        StatusCode::TOO_MANY_REQUESTS,
        "the address is still counted after its own account signed in"
    );
}

#[tokio::test]
async fn login_never_redirects_to_another_site() {
    let app = TestApp::spawn().await;
    app.create_user("ana@shop.example", Role::Admin).await;
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
        "https%3A%2F%2Fevil.example",
    ] {
        let mut app = app.other_browser();
        let form = app.get(&format!("/login?next={next}")).await;
        assert!(!form.body.contains("evil.example"), "{next}: {}", form.body);
        let csrf = form.csrf();
        let decoded: String =
            serde_urlencoded::from_str::<Vec<(String, String)>>(&format!("n={next}"))
                .expect("decode")[0]
                .1
                .clone();
        let r = app
            .post_form(
                "/login",
                &[
                    ("email", "ana@shop.example"),
                    ("password", PASSWORD),
                    ("next", &decoded),
                    ("csrf_token", &csrf),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(r.location(), "/inbox", "{next}");
    }
}

/// Checklist row 18 (ASVS 11.4.2): bcrypt at cost 12; a hash from a lower cost is replaced at
/// the next successful sign-in, and the password keeps working.
#[tokio::test]
async fn a_password_hashed_at_a_lower_cost_is_rehashed_at_cost_12_on_sign_in() {
    let mut app = TestApp::spawn().await;
    app.create_user("ana@shop.example", Role::Agent).await;
    let stored = "SELECT password_hash FROM users";
    let fresh: String = app
        .query(move |c| c.query_row(stored, [], |r| r.get(0)))
        .await;
    assert!(fresh.starts_with("$2b$12$"), "{fresh}");
    let old = bcrypt::hash(PASSWORD, 10).expect("hash");
    app.state
        .db
        .write(move |c| -> flowcrm::db::Result<()> {
            c.execute("UPDATE users SET password_hash = ?1", [&old])?;
            Ok(())
        })
        .await
        .expect("old hash");
    let wrong = app.login("ana@shop.example", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let still: String = app
        .query(move |c| c.query_row(stored, [], |r| r.get(0)))
        .await;
    assert!(
        still.starts_with("$2") && still.contains("$10$"),
        "a wrong password changes nothing"
    );
    assert_eq!(
        app.login("ana@shop.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
    let now: String = app
        .query(move |c| c.query_row(stored, [], |r| r.get(0)))
        .await;
    assert!(now.starts_with("$2b$12$"), "{now}");
    let mut again = app.other_browser();
    assert_eq!(
        again.login("ana@shop.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

/// Checklist row 10 (ASVS 7.5.1): changing one's sign-in email asks for the current password,
/// signs out the other sessions and tells the old address.
#[tokio::test]
async fn changing_the_email_needs_the_current_password_and_tells_the_old_address() {
    let mut app = TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@shop.example".into());
    })
    .await;
    app.logged_in_as("ana@shop.example", Role::Agent).await;
    app.create_user("bia@shop.example", Role::Agent).await;
    let mut phone = app.other_browser();
    phone.login("ana@shop.example", PASSWORD).await;

    let change = |password: &'static str, email: &'static str| {
        [("email_password", password), ("new_email", email)]
    };
    let r = app
        .submit(
            "/settings",
            "/settings/email-address",
            &change("wrong password!", "ana@new.example"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("That is not your current password."));
    let taken = app
        .submit(
            "/settings",
            "/settings/email-address",
            &change(PASSWORD, "bia@shop.example"),
        )
        .await;
    assert!(taken.body.contains("Another account uses this address."));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'ana@shop.example'")
            .await,
        1,
        "unchanged"
    );
    let ok = app
        .submit(
            "/settings",
            "/settings/email-address",
            &change(PASSWORD, "Ana@New.example"),
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(app.audit_count("user.email_change").await, 1);
    assert_eq!(
        phone.get("/inbox").await.status,
        StatusCode::SEE_OTHER,
        "other session ended"
    );
    assert_eq!(
        app.get("/inbox").await.status,
        StatusCode::OK,
        "this one stays"
    );
    let (to, text): (String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT to_address, text_body FROM mail_outbox WHERE kind = 'email_changed'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(to, "ana@shop.example", "the old address is told");
    assert!(text.contains("ana@new.example"));
    let mut laptop = app.other_browser();
    assert_eq!(
        laptop.login("ana@new.example", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}
