//! Two-factor sign-in (ASVS 6.5.x, 6.6.x; checklist row 23): set up with a valid code and the
//! password, the secret sealed at rest, a code accepted once, recovery codes single use, code
//! entry throttled, the team's rule with a grace period, an admin's reset, and a password reset
//! that still asks for the code.

use crate::helpers::{PASSWORD, TestApp};
use axum::http::StatusCode;
use flowcrm::crypto::totp;
use flowcrm::model::Role;

/// The key shown while setting up, decoded.
fn secret_on(page: &str) -> Vec<u8> {
    let start = page.find(r#"id="totp-secret">"#).expect("the key is shown") + 17;
    let text = &page[start..start + page[start..].find('<').expect("end")];
    totp::secret_from_text(text).expect("base32")
}

/// The recovery codes on a page that shows them.
fn codes_on(page: &str) -> Vec<String> {
    page.split("<li><code>")
        .skip(1)
        .map(|s| s.split('<').next().expect("code").to_string())
        .collect()
}

fn code_now(app: &TestApp, secret: &[u8]) -> String {
    let now =
        u64::try_from(app.clock.now_plus(time::Duration::ZERO).unix_timestamp()).expect("time");
    totp::code_at(secret, now)
}

/// Sets up two-factor for the signed-in browser; returns the secret and the recovery codes.
async fn enrol(app: &mut TestApp) -> (Vec<u8>, Vec<String>) {
    let csrf = app.get("/settings/two-factor").await.csrf();
    let r = app
        .post_form("/settings/two-factor/start", &[("csrf_token", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = app.get("/settings/two-factor").await;
    let secret = secret_on(&page.body);
    let code = code_now(app, &secret);
    let r = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/confirm",
            &[("code", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let codes = codes_on(&r.body);
    // The next code: the one just used is spent.
    app.clock.advance(time::Duration::seconds(30));
    (secret, codes)
}

async fn sign_out(app: &mut TestApp) {
    let csrf = app.get("/settings").await.csrf();
    app.post_form("/logout", &[("csrf_token", &csrf)]).await;
}

#[tokio::test]
async fn setting_up_needs_a_valid_code_and_the_password_and_shows_ten_recovery_codes_once() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@loja.example", Role::Agent).await;
    let page = app.get("/settings/two-factor").await;
    assert!(page.body.contains("Set up two-factor"), "{}", page.body);
    app.submit("/settings/two-factor", "/settings/two-factor/start", &[])
        .await;
    let page = app.get("/settings/two-factor").await;
    assert!(page.body.contains("<svg"), "a QR code drawn as SVG");
    assert!(
        !page.body.contains("<script>"),
        "no inline script on the page"
    );
    let secret = secret_on(&page.body);
    assert_eq!(secret.len(), 20, "160-bit secret");

    let wrong = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/confirm",
            &[("code", "000000"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.body.contains("That code is not right"));
    let code = code_now(&app, &secret);
    let no_password = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/confirm",
            &[("code", &code), ("password", "not my password")],
        )
        .await;
    assert_eq!(no_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_password.body.contains("not your current password"));
    assert_eq!(
        app.count("SELECT COUNT(*) FROM two_factor WHERE enabled_at IS NOT NULL")
            .await,
        0,
        "still off"
    );

    let ok = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/confirm",
            &[("code", &code), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let codes = codes_on(&ok.body);
    assert_eq!(codes.len(), 10);
    assert!(
        codes
            .iter()
            .all(|c| totp::normalize_recovery_code(c).is_some())
    );
    assert_eq!(app.audit_count("two_factor.enabled").await, 1);
    let again = app.get("/settings/two-factor").await;
    assert!(again.body.contains("On since"));
    assert!(!again.body.contains(&codes[0]), "codes are shown once");
    assert!(
        again
            .body
            .contains("Recovery codes left: <strong>10</strong>")
    );

    // At rest: the secret is sealed, the codes hashed.
    let stored: Vec<u8> = app
        .query(|c| c.query_row("SELECT secret FROM two_factor", [], |r| r.get(0)))
        .await;
    assert!(
        !stored.windows(20).any(|w| w == secret.as_slice()),
        "secret sealed"
    );
    let hashes: Vec<Vec<u8>> = app
        .query(|c| {
            let mut s = c.prepare("SELECT code_hash FROM recovery_codes")?;
            s.query_map([], |r| r.get(0))?.collect()
        })
        .await;
    assert_eq!(hashes.len(), 10);
    assert!(
        hashes
            .iter()
            .all(|h| h.len() == 32 && !h.starts_with(codes[0].as_bytes()))
    );
}

#[tokio::test]
async fn signing_in_asks_for_the_code_and_a_code_replayed_in_its_step_is_refused() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@loja.example", Role::Agent).await;
    let (secret, _) = enrol(&mut app).await;
    sign_out(&mut app).await;

    let r = app.login("ana@loja.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(
        r.location().starts_with("/login/two-factor"),
        "{}",
        r.location()
    );
    let waiting = app.cookie("flowcrm_session").cloned();
    let blocked = app.get("/inbox").await;
    assert_eq!(blocked.status, StatusCode::SEE_OTHER);
    assert!(
        blocked.location().starts_with("/login"),
        "the password alone opens nothing"
    );
    let page = app.get("/login/two-factor").await;
    assert!(page.body.contains("Two-factor code"));

    let code = code_now(&app, &secret);
    let ok = app
        .submit("/login/two-factor", "/login/two-factor", &[("code", &code)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(ok.location(), "/inbox");
    let signed_in = app.cookie("flowcrm_session").cloned();
    assert_ne!(waiting, signed_in, "a new session id after the code");
    assert_eq!(app.get("/inbox").await.status, StatusCode::OK);

    // The same code again, in the same 30 seconds, from another browser with the password.
    let mut thief = app.other_browser();
    thief.login("ana@loja.example", PASSWORD).await;
    let replay = thief
        .submit("/login/two-factor", "/login/two-factor", &[("code", &code)])
        .await;
    assert_eq!(replay.status, StatusCode::UNAUTHORIZED);
    assert!(replay.body.contains("used already"));
    assert_eq!(thief.get("/inbox").await.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("login.code_failure").await, 1);

    // The next step's code works.
    app.clock.advance(time::Duration::seconds(30));
    let next = code_now(&thief, &secret);
    let r = thief
        .submit("/login/two-factor", "/login/two-factor", &[("code", &next)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn a_recovery_code_signs_in_once() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@loja.example", Role::Agent).await;
    let (_, codes) = enrol(&mut app).await;
    sign_out(&mut app).await;

    app.login("ana@loja.example", PASSWORD).await;
    let typed = codes[3].to_uppercase().replace('-', " ");
    let ok = app
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &typed)],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    assert_eq!(app.audit_count("login.success_recovery_code").await, 1);
    sign_out(&mut app).await;

    app.login("ana@loja.example", PASSWORD).await;
    let again = app
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &codes[3])],
        )
        .await;
    assert_eq!(again.status, StatusCode::UNAUTHORIZED, "single use");
    let page = {
        let other = app
            .submit(
                "/login/two-factor",
                "/login/two-factor",
                &[("code", &codes[4])],
            )
            .await;
        assert_eq!(other.status, StatusCode::SEE_OTHER);
        app.get("/settings/two-factor").await
    };
    assert!(
        page.body
            .contains("Recovery codes left: <strong>8</strong>")
    );
}

#[tokio::test]
async fn code_entry_is_throttled_like_passwords() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@loja.example", Role::Agent).await;
    let (secret, _) = enrol(&mut app).await;
    sign_out(&mut app).await;
    app.login("ana@loja.example", PASSWORD).await;
    let mut last = StatusCode::OK;
    for _ in 0..12 {
        last = app
            .submit(
                "/login/two-factor",
                "/login/two-factor",
                &[("code", "123456")],
            )
            .await
            .status;
        if last == StatusCode::TOO_MANY_REQUESTS {
            break;
        }
    }
    assert_eq!(
        last,
        StatusCode::TOO_MANY_REQUESTS,
        "wrong codes are throttled"
    );
    let right = code_now(&app, &secret);
    let r = app
        .submit(
            "/login/two-factor",
            "/login/two-factor",
            &[("code", &right)],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right code waits"
    );
    assert!(r.header("retry-after").is_some());
}

#[tokio::test]
async fn the_teams_rule_gives_a_grace_period_then_sends_members_to_set_up_and_blocks_other_pages() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let (_, _) = enrol(&mut owner).await;
    let r = owner
        .submit(
            "/settings/team",
            "/settings/team/two-factor",
            &[("required", "on"), ("grace_days", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(owner.audit_count("two_factor.rule").await, 1);

    let mut bia = owner.other_browser();
    bia.logged_in_as("bia@loja.example", Role::Agent).await;
    assert_eq!(
        bia.get("/inbox").await.status,
        StatusCode::OK,
        "within the grace period"
    );
    assert!(
        bia.get("/settings/two-factor")
            .await
            .body
            .contains("Set it up by")
    );

    // Four days on, Bia signs in again (her session idled out meanwhile).
    owner.clock.advance(time::Duration::days(4));
    let r = bia.login("bia@loja.example", PASSWORD).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    for path in ["/inbox", "/contacts", "/settings", "/settings/sessions"] {
        let r = bia.get(path).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{path}");
        assert_eq!(r.location(), "/settings/two-factor", "{path}");
    }
    let csrf = bia.get("/settings/two-factor").await.csrf();
    let post = bia
        .post_form(
            "/contacts/new",
            &[
                ("csrf_token", &csrf),
                ("name", "X"),
                ("phone", "+5511999990000"),
            ],
        )
        .await;
    assert_eq!(
        post.location(),
        "/settings/two-factor",
        "forms are blocked too"
    );
    assert_eq!(bia.count("SELECT COUNT(*) FROM contacts").await, 0);
    let page = bia.get("/settings/two-factor").await;
    assert_eq!(page.status, StatusCode::OK, "never locked out");
    assert!(page.body.contains("Set it up now to continue"));

    enrol(&mut bia).await;
    assert_eq!(bia.get("/inbox").await.status, StatusCode::OK);
}

#[tokio::test]
async fn an_admins_reset_signs_them_out_and_they_set_it_up_again_at_next_sign_in() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut bia = owner.other_browser();
    bia.logged_in_as("bia@loja.example", Role::Agent).await;
    enrol(&mut bia).await;
    let id: i64 = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'bia@loja.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let team = owner.get("/settings/team").await;
    assert!(team.body.contains("Reset two-factor"));

    let path = format!("/settings/team/{id}/reset-two-factor");
    let r = owner.submit("/settings/team", &path, &[]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(owner.audit_count("two_factor.reset").await, 1);
    assert!(
        bia.get("/inbox").await.location().starts_with("/login"),
        "signed out"
    );

    let r = bia.login("bia@loja.example", PASSWORD).await;
    assert!(
        !r.location().starts_with("/login/two-factor"),
        "the old secret is gone"
    );
    assert_eq!(bia.get("/inbox").await.location(), "/settings/two-factor");
    enrol(&mut bia).await;
    assert_eq!(bia.get("/inbox").await.status, StatusCode::OK);
}

#[tokio::test]
async fn a_password_reset_signs_out_everywhere_and_still_asks_for_the_code() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut bia = owner.other_browser();
    bia.logged_in_as("bia@loja.example", Role::Agent).await;
    let (secret, _) = enrol(&mut bia).await;
    let id: i64 = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'bia@loja.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    let r = owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{id}/reset-link"),
            &[],
        )
        .await;
    let start = r.body.find("/account/").expect("the link is shown");
    let link: String = r.body[start..]
        .split(['<', '"', ' '])
        .next()
        .expect("link")
        .into();

    let mut stranger = owner.other_browser();
    let new = "a brand new passphrase";
    let set = stranger
        .submit(&link, &link, &[("password", new), ("confirm", new)])
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.body);
    assert!(set.location().starts_with("/login"), "no automatic sign-in");
    assert!(
        bia.get("/inbox").await.location().starts_with("/login"),
        "every session ended"
    );

    let r = stranger.login("bia@loja.example", new).await;
    assert!(
        r.location().starts_with("/login/two-factor"),
        "two-factor still asked"
    );
    let code = code_now(&stranger, &secret);
    let ok = stranger
        .submit("/login/two-factor", "/login/two-factor", &[("code", &code)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn new_recovery_codes_and_turning_off_need_the_password_and_a_code() {
    let mut app = TestApp::spawn().await;
    app.logged_in_as("ana@loja.example", Role::Agent).await;
    let (secret, old) = enrol(&mut app).await;
    let no_code = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/recovery-codes",
            &[("password", PASSWORD), ("code", "")],
        )
        .await;
    assert_eq!(no_code.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = code_now(&app, &secret);
    let fresh = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/recovery-codes",
            &[("password", PASSWORD), ("code", &code)],
        )
        .await;
    assert_eq!(fresh.status, StatusCode::OK, "{}", fresh.body);
    let new = codes_on(&fresh.body);
    assert_eq!(new.len(), 10);
    assert!(new.iter().all(|c| !old.contains(c)));
    assert_eq!(app.audit_count("two_factor.recovery_codes").await, 1);

    let wrong_password = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/off",
            &[("password", "nope nope nope"), ("code", &new[0])],
        )
        .await;
    assert_eq!(wrong_password.status, StatusCode::UNPROCESSABLE_ENTITY);
    let off = app
        .submit(
            "/settings/two-factor",
            "/settings/two-factor/off",
            &[("password", PASSWORD), ("code", &new[0])],
        )
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("two_factor.disabled").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM two_factor").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM recovery_codes").await, 0);
    sign_out(&mut app).await;
    let r = app.login("ana@loja.example", PASSWORD).await;
    assert_eq!(r.location(), "/inbox", "no code asked any more");
}

#[tokio::test]
async fn agents_cannot_set_the_teams_rule_or_reset_someone() {
    let mut owner = TestApp::spawn().await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    enrol(&mut owner).await;
    let mut bia = owner.other_browser();
    bia.logged_in_as("bia@loja.example", Role::Agent).await;
    let rule = bia
        .submit(
            "/settings",
            "/settings/team/two-factor",
            &[("required", "on")],
        )
        .await;
    assert_eq!(rule.status, StatusCode::FORBIDDEN);
    let reset = bia
        .submit("/settings", "/settings/team/1/reset-two-factor", &[])
        .await;
    assert_eq!(reset.status, StatusCode::FORBIDDEN);
    assert_eq!(
        bia.count("SELECT COUNT(*) FROM two_factor WHERE enabled_at IS NOT NULL")
            .await,
        1
    );
    assert_eq!(
        bia.count("SELECT COUNT(*) FROM settings WHERE name LIKE 'two_factor.%'")
            .await,
        0
    );
}

#[tokio::test]
async fn every_two_factor_change_is_emailed_to_the_person() {
    let mut owner = TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@loja.example".into());
        c.server.public_url = Some("https://crm.loja.example".into());
    })
    .await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut bia = owner.other_browser();
    bia.logged_in_as("bia@loja.example", Role::Agent).await;
    let (secret, codes) = enrol(&mut bia).await;
    let code = code_now(&bia, &secret);
    bia.submit(
        "/settings/two-factor",
        "/settings/two-factor/recovery-codes",
        &[("password", PASSWORD), ("code", &code)],
    )
    .await;
    let id: i64 = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'bia@loja.example'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    owner
        .submit(
            "/settings/team",
            &format!("/settings/team/{id}/reset-two-factor"),
            &[],
        )
        .await;
    let mail: Vec<(String, String, String)> = owner
        .query(|c| {
            let mut s = c.prepare(
                "SELECT kind, to_address, text_body FROM mail_outbox WHERE kind = 'two_factor' ORDER BY id",
            )?;
            s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect()
        })
        .await;
    let texts: Vec<&str> = mail.iter().map(|m| m.2.as_str()).collect();
    assert_eq!(mail.len(), 3, "{texts:?}");
    assert!(mail.iter().all(|m| m.1 == "bia@loja.example"));
    assert!(texts[0].contains("turned on"));
    assert!(texts[1].contains("New recovery codes"));
    assert!(texts[2].contains("An admin reset your two-factor"));
    assert!(texts[0].contains("https://crm.loja.example/settings/two-factor"));
    assert!(
        texts.iter().all(|t| !t.contains(&codes[0])),
        "never a code in an email"
    );
}
