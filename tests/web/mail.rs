//! Email against a real SMTP server process (aiosmtpd, `tests/support/smtp_sink.py`), once in
//! plain SMTP and once with STARTTLS and AUTH: what arrives (headers, the business's name, text
//! and HTML), that the link in it works once, and the failures admins see. Run by `.ci/run`
//! with `--features smtp` (the plain `cargo test` does not need Python).

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::config::{Secret, SmtpSecurity};
use flowcrm::model::Role;
use serde_json::Value;
use std::io::BufRead as _;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running aiosmtpd sink writing each message to `dir/msg-N.json`.
struct Sink {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
    /// The private CA that signed the sink's certificate (STARTTLS sinks).
    cert: Option<PathBuf>,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Sink {
    fn start(tls: bool, auth: Option<&str>, reject: Option<u16>) -> Sink {
        let dir = tempfile::tempdir().expect("tmp");
        let mut args = vec![
            format!("{}/tests/support/smtp_sink.py", env!("CARGO_MANIFEST_DIR")),
            "--dir".into(),
            dir.path().join("out").display().to_string(),
        ];
        let mut cert = None;
        if tls {
            let (ca, server_cert, key) = certificates(dir.path());
            args.extend(["--cert".into(), server_cert, "--key".into(), key]);
            let c = ca;
            cert = Some(c);
        }
        if let Some(a) = auth {
            args.extend(["--auth".into(), a.into()]);
        }
        if let Some(code) = reject {
            args.extend(["--reject".into(), code.to_string()]);
        }
        let mut child = Command::new("python3")
            .args(&args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 with aiosmtpd (Debian python3-aiosmtpd or `pip install aiosmtpd`)");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the sink says ready");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("the SMTP sink did not start: {line:?}"));
        Sink {
            child,
            port,
            dir,
            cert,
        }
    }

    /// The messages received so far, oldest first.
    fn messages(&self) -> Vec<Value> {
        let out = self.dir.path().join("out");
        let mut all: Vec<(u32, Value)> = std::fs::read_dir(&out)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter_map(|e| {
                        let name = e.file_name().to_string_lossy().to_string();
                        let n = name
                            .strip_prefix("msg-")?
                            .strip_suffix(".json")?
                            .parse()
                            .ok()?;
                        let v = serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok()?;
                        Some((n, v))
                    })
                    .collect()
            })
            .unwrap_or_default();
        all.sort_by_key(|(n, _)| *n);
        all.into_iter().map(|(_, v)| v).collect()
    }
}

/// A private CA (what `smtp.ca_file` trusts) and the server certificate it signed, for
/// 127.0.0.1: rustls refuses a self-signed CA certificate used as the server's own. Returns
/// (CA path, certificate path, key path).
fn certificates(dir: &std::path::Path) -> (PathBuf, String, String) {
    let p = |n: &str| dir.join(n).display().to_string();
    let openssl = |args: &[&str]| {
        let ok = Command::new("openssl")
            .args(args)
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .status()
            .expect("openssl (install it to run the email tests)");
        assert!(ok.success(), "openssl {args:?}");
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=FlowCRM test CA",
        "-keyout",
        &p("ca.key"),
        "-out",
        &p("ca.pem"),
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=localhost",
        "-keyout",
        &p("key.pem"),
        "-out",
        &p("req.pem"),
    ]);
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        &p("req.pem"),
        "-CA",
        &p("ca.pem"),
        "-CAkey",
        &p("ca.key"),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        &p("ext.cnf"),
        "-out",
        &p("cert.pem"),
    ]);
    (dir.join("ca.pem"), p("cert.pem"), p("key.pem"))
}

/// An app whose `[smtp]` points at `sink`.
async fn app_with(sink: &Sink, auth: Option<(&str, &str)>) -> TestApp {
    let (port, tls, cert) = (sink.port, sink.cert.is_some(), sink.cert.clone());
    let auth = auth.map(|(u, p)| (u.to_string(), p.to_string()));
    TestApp::spawn_with(move |c| {
        c.app.name = Some("Loja da Ana".into());
        c.server.public_url = Some("https://crm.loja.example".into());
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.port = Some(port);
        c.smtp.security = if tls {
            SmtpSecurity::Starttls
        } else {
            SmtpSecurity::None
        };
        c.smtp.ca_file = cert;
        c.smtp.from_address = Some("crm@loja.example".into());
        if let Some((u, p)) = auth {
            c.smtp.username = Some(u);
            c.smtp.password = Some(Secret::new(p));
        }
    })
    .await
}

/// Runs the mail job once, as the server's loop does.
async fn send_mail(app: &TestApp) -> flowcrm::jobs::mail::Outcome {
    let cfg = app.state.config.smtp.clone();
    flowcrm::jobs::mail::run_once(
        &app.state.db,
        &cfg,
        cfg.password.as_ref(),
        &app.state.config.business_name(),
        app.state.clock.now(),
    )
    .await
    .expect("mail job")
}

/// Waits for `n` messages at the sink.
async fn received(sink: &Sink, n: usize) -> Vec<Value> {
    for _ in 0..100 {
        let m = sink.messages();
        if m.len() >= n {
            return m;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{n} message(s) expected, got {:?}", sink.messages());
}

/// The `/account/{token}` path of the link in a message's text.
fn link_path(m: &Value) -> String {
    let text = m["text"].as_str().expect("a text part");
    let start = text
        .find("https://crm.loja.example/account/")
        .expect("the link, built from the public URL");
    let link: String = text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    link.trim_start_matches("https://crm.loja.example")
        .to_string()
}

fn assert_well_formed(m: &Value, to: &str) {
    assert_eq!(
        m["content_type"], "multipart/alternative",
        "text and HTML: {m}"
    );
    assert!(
        m["html"]
            .as_str()
            .is_some_and(|h| h.contains("Loja da Ana")),
        "{m}"
    );
    assert_eq!(m["from"], "Loja da Ana <crm@loja.example>");
    assert_eq!(m["to"], to);
    assert_eq!(m["rcpt_tos"][0], to);
}

#[tokio::test]
async fn an_invitation_arrives_by_plain_smtp_and_its_link_works_once_with_its_role() {
    let sink = Sink::start(false, None, None);
    let mut app = app_with(&sink, None).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = app.invite("Bia", "bia@loja.example", "agent").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body.contains("Emailed to Bia"),
        "the page says it was emailed"
    );
    assert!(!r.body.contains("/account/"), "and does not show the link");
    assert_eq!(send_mail(&app).await.sent, 1);
    let m = &received(&sink, 1).await[0];
    assert_well_formed(m, "bia@loja.example");
    assert!(
        m["subject"]
            .as_str()
            .is_some_and(|s| s.contains("invited you to Loja da Ana")),
        "{m}"
    );
    assert!(
        m["text"].as_str().is_some_and(|t| t.contains("as agent")),
        "{m}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM mail_outbox WHERE state = 'sent' AND text_body = '' AND html_body = ''").await,
        1,
        "the body with the link is erased once sent"
    );

    let path = link_path(m);
    let mut bia = app.other_browser();
    let form = bia.get(&path).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.header("referrer-policy"), Some("no-referrer"));
    let r = bia
        .submit(
            &path,
            &path,
            &[
                ("password", "bia-long-password"),
                ("confirm", "bia-long-password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/login", "no automatic sign-in");
    let login = bia.login("bia@loja.example", "bia-long-password").await;
    assert_eq!(login.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE email = 'bia@loja.example' AND role = 'agent'")
            .await,
        1
    );
    let again = bia.get(&path).await;
    assert_eq!(again.status, StatusCode::GONE);
    assert!(
        again.body.contains("already used") && again.body.contains("Ask"),
        "{}",
        again.body
    );

    // Another invitation, unused for 8 days: expired, and it says whom to ask.
    app.invite("Caio", "caio@loja.example", "admin").await;
    send_mail(&app).await;
    let caio = link_path(&received(&sink, 2).await[1]);
    app.clock.advance(time::Duration::days(8));
    let late = app.other_browser().get(&caio).await;
    assert_eq!(late.status, StatusCode::GONE);
    assert!(late.body.contains("expired"), "{}", late.body);
}

/// "Forgot your password?" for `email`.
async fn forgot(client: &mut TestApp, email: &str) -> crate::helpers::TestResponse {
    client
        .submit("/password/forgot", "/password/forgot", &[("email", email)])
        .await
}

#[tokio::test]
async fn a_password_reset_over_starttls_and_auth_answers_alike_works_once_and_ends_sessions() {
    let sink = Sink::start(true, Some("crm:sink-secret"), None);
    let mut app = app_with(&sink, Some(("crm", "sink-secret"))).await;
    app.logged_in_as("ana@loja.example", Role::Agent).await;
    assert_eq!(
        app.get("/inbox").await.status,
        StatusCode::OK,
        "a live session"
    );

    let mut stranger = app.other_browser();
    let known = forgot(&mut stranger, "ana@loja.example").await;
    let unknown = forgot(&mut stranger, "nobody@loja.example").await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(unknown.status, known.status);
    let strip = |b: &str| b.split("csrf_token").next().unwrap_or_default().to_string();
    assert_eq!(
        strip(&known.body),
        strip(&unknown.body),
        "the same answer either way"
    );
    assert_eq!(known.header("referrer-policy"), Some("no-referrer"));

    let out = send_mail(&app).await;
    let why: Vec<String> = app
        .query(|c| {
            let mut s =
                c.prepare("SELECT kind || ': ' || COALESCE(last_error, state) FROM mail_outbox")?;
            s.query_map([], |r| r.get(0))?.collect()
        })
        .await;
    assert_eq!(
        out.sent, 1,
        "only the real account gets mail: {out:?} {why:?}"
    );
    let m = &received(&sink, 1).await[0];
    assert_eq!(m["tls"], true, "sent after STARTTLS");
    assert_eq!(m["authenticated"], true, "with AUTH");
    assert_well_formed(m, "ana@loja.example");
    assert!(
        m["text"].as_str().is_some_and(|t| t.contains("60 minutes")),
        "{m}"
    );
    let path = link_path(m);

    let r = stranger
        .submit(
            &path,
            &path,
            &[
                ("password", "a-new-long-password"),
                ("confirm", "a-new-long-password"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.location(), "/login", "no automatic sign-in");
    let old = app.get("/inbox").await;
    assert_eq!(
        old.status,
        StatusCode::SEE_OTHER,
        "the earlier session ended"
    );
    assert_eq!(
        stranger.get(&path).await.status,
        StatusCode::GONE,
        "the link works once"
    );
    assert_eq!(
        app.login("ana@loja.example", "a-new-long-password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );

    send_mail(&app).await;
    let changed = &received(&sink, 2).await[1];
    assert!(
        changed["subject"]
            .as_str()
            .is_some_and(|s| s.contains("password was changed")),
        "{changed}"
    );

    // A reset link expires after an hour.
    forgot(&mut stranger, "ana@loja.example").await;
    send_mail(&app).await;
    let late = link_path(&received(&sink, 3).await[2]);
    app.clock.advance(time::Duration::minutes(61));
    assert_eq!(stranger.get(&late).await.status, StatusCode::GONE);
}

#[tokio::test]
async fn the_test_email_arrives_and_failures_are_explained_to_admins() {
    let sink = Sink::start(false, None, None);
    let mut app = app_with(&sink, None).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let r = app
        .submit(
            "/settings",
            "/settings/email/test",
            &[("to", "owner@loja.example")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(send_mail(&app).await.sent, 1);
    let m = &received(&sink, 1).await[0];
    assert!(
        m["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Test email from Loja da Ana"))
    );
    assert_eq!(app.audit_count("email.test").await, 1, "audited");
    let settings = app.get("/settings").await;
    assert!(
        settings.body.contains("test to owner@loja.example"),
        "the log lists it"
    );
    drop(sink);

    // The server goes away: the message waits and is retried, the reason in plain words.
    app.submit(
        "/settings",
        "/settings/email/test",
        &[("to", "owner@loja.example")],
    )
    .await;
    let out = send_mail(&app).await;
    assert_eq!((out.sent, out.retried), (0, 1));
    let settings = app.get("/settings").await;
    assert!(
        settings.body.contains("Could not send through 127.0.0.1"),
        "{}",
        settings.body
    );

    // A server that refuses the recipient for good: given up at once, reason kept.
    let refusing = Sink::start(false, None, Some(550));
    let mut app = app_with(&refusing, None).await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    app.submit(
        "/settings",
        "/settings/email/test",
        &[("to", "gone@loja.example")],
    )
    .await;
    let out = send_mail(&app).await;
    assert_eq!(out.failed, 1);
    let settings = app.get("/settings").await;
    assert!(
        settings.body.contains("refused") && settings.body.contains("550"),
        "{}",
        settings.body
    );
    assert!(refusing.messages().is_empty());
}
