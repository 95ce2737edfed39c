//! Browser end-to-end test in real headless Chromium (Debian's `chromium` and
//! `chromium-driver`), driven over the `WebDriver` protocol. Run with `cargo test --features e2e --test e2e`.
//!
//! The real binary runs against an in-process fake of the Graph API. Scenario: sign in; a signed
//! webhook brings a customer message, which appears in the open inbox without a reload; reply;
//! the reply reaches the fake Graph API; a `delivered` status turns the tick without a reload;
//! tag the contact; search finds the message. Then the owner's self-service: a long conversation
//! opens at its newest message, a hand-made contact is messaged with a template from the contact
//! page, a broadcast is built from a segment, previewed, sent and its funnel moves with status
//! webhooks, and the WhatsApp connection, team, account-link and merge pages are drawn. Screenshots
//! on a desktop and a phone viewport are saved under `target/e2e/`.
#![cfg(feature = "e2e")]

#[path = "e2e/ai.rs"]
mod ai;
#[path = "e2e/campaigns.rs"]
mod campaigns;
#[path = "common/fake_ai.rs"]
mod fake_ai;
#[path = "common/wait.rs"]
mod wait;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::routing::post;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_flowcrm");
const SECRET: &str = "e2e-app-secret";
const PASSWORD: &str = "correct horse battery";

struct Killer(Vec<Child>);
impl Drop for Killer {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port()
}

/// Records a message POST and answers like Meta.
async fn messages(
    State(sent): State<Arc<Mutex<Vec<Value>>>>,
    Json(body): Json<Value>,
) -> Json<Value> {
    let mut s = sent.lock().expect("lock");
    let id = format!("wamid.E2E.OUT.{}", s.len() + 1);
    let mut recorded = body.clone();
    recorded["__answered_id"] = json!(id);
    s.push(recorded);
    if body["status"] == "read" {
        return Json(json!({"success": true}));
    }
    Json(json!({"messaging_product": "whatsapp",
        "contacts": [{"input": body["to"], "wa_id": body["to"]}],
        "messages": [{"id": id}]}))
}

/// `GET /{phone-number-id}` as Meta answers it.
async fn phone_number() -> Json<Value> {
    Json(
        json!({"id": "200", "display_phone_number": "+55 11 3456-7890", "verified_name": "Loja da Ana",
                "quality_rating": "GREEN", "throughput": {"level": "STANDARD"}}),
    )
}

/// The fake Graph API: records every message POST and answers like Meta.
async fn fake_graph() -> (String, Arc<Mutex<Vec<Value>>>) {
    let sent: Arc<Mutex<Vec<Value>>> = Arc::default();
    let app = Router::new()
        .route("/{version}/{id}/messages", post(messages))
        .route("/{version}/{id}", axum::routing::get(phone_number))
        .route(
            "/{version}/{id}/subscribed_apps",
            axum::routing::get(|| async { Json(json!({"data": []})) }),
        )
        .with_state(Arc::clone(&sent));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await.expect("fake") });
    (base, sent)
}

async fn wait_until<F, Fut>(what: &str, check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    wait::wait_until(what, Duration::from_secs(15), check).await;
}

async fn post_webhook(base: &str, body: &Value) {
    let bytes = body.to_string();
    let sig = format!(
        "sha256={}",
        hex::encode(flowcrm::crypto::hmac_sha256(
            SECRET.as_bytes(),
            bytes.as_bytes()
        ))
    );
    let r = reqwest::Client::new()
        .post(format!("{base}/webhooks/whatsapp"))
        .header("content-type", "application/json")
        .header("x-hub-signature-256", sig)
        .body(bytes)
        .send()
        .await
        .expect("webhook");
    assert_eq!(r.status(), 200);
}

fn customer_message(text: &str) -> Value {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550009999","phone_number_id":"200"},
        "contacts":[{"profile":{"name":"Ana Lima"},"wa_id":"5511988887777"}],
        "messages":[{"from":"5511988887777","id":"wamid.E2E.IN.1","timestamp":ts.to_string(),"type":"text","text":{"body":text}}]}}]}]})
}

/// The owner answers from the WhatsApp Business app on the phone (coexistence).
fn business_app_echo(text: &str) -> Value {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"smb_message_echoes","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550009999","phone_number_id":"200"},
        "contacts":[{"profile":{"name":"Ana Lima"},"wa_id":"5511988887777"}],
        "message_echoes":[{"from":"15550009999","to":"5511988887777","id":"wamid.E2E.ECHO.1","timestamp":ts.to_string(),"type":"text","text":{"body":text}}]}}]}]})
}

fn delivered(wamid: &str) -> Value {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550009999","phone_number_id":"200"},
        "statuses":[{"id":wamid,"status":"delivered","timestamp":ts.to_string(),"recipient_id":"5511988887777"}]}}]}]})
}

fn add_user(dir: &std::path::Path, email: &str, role: &str, name: &str) {
    let migrate = Command::new(BIN)
        .current_dir(dir)
        .arg("migrate")
        .stdout(Stdio::null())
        .status()
        .expect("migrate");
    assert!(migrate.success());
    let mut add = Command::new(BIN)
        .current_dir(dir)
        .args([
            "user", "add", "--email", email, "--role", role, "--name", name,
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("user add");
    std::io::Write::write_all(&mut add.stdin.take().expect("stdin"), PASSWORD.as_bytes())
        .expect("pw");
    assert!(add.wait().expect("wait").success());
}

async fn sign_in(c: &Client, base: &str, email: &str) {
    c.goto(&format!("{base}/login")).await.expect("login page");
    c.find(Locator::Css("#email"))
        .await
        .expect("email")
        .send_keys(email)
        .await
        .expect("type");
    c.find(Locator::Css("#password"))
        .await
        .expect("pw")
        .send_keys(PASSWORD)
        .await
        .expect("type");
    c.find(Locator::Css("button[type=submit]"))
        .await
        .expect("submit")
        .click()
        .await
        .expect("click");
    wait_until("the inbox after sign-in", || async {
        c.current_url().await.is_ok_and(|u| u.path() == "/inbox")
    })
    .await;
}

async fn screenshot(c: &Client, name: &str) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/e2e");
    std::fs::create_dir_all(&dir).expect("dir");
    let png = c.screenshot().await.expect("screenshot");
    assert!(png.starts_with(b"\x89PNG"), "a PNG");
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write");
}

/// Opens the link the first element matching `css` points at. The link is read, not clicked:
/// a live refresh may swap the element between finding and clicking it.
async fn follow(c: &Client, base: &str, css: &str) {
    let href = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .attr("href")
        .await
        .expect("href")
        .unwrap_or_else(|| panic!("{css} has no link"));
    c.goto(&format!("{base}{href}"))
        .await
        .expect("follow the link");
}

async fn text_of(c: &Client, css: &str) -> String {
    match c.find(Locator::Css(css)).await {
        Ok(e) => e.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[allow(clippy::too_many_lines)]
async fn a_customer_message_arrives_live_is_answered_delivered_tagged_and_found() {
    let started = std::time::Instant::now();
    let dir = tempfile::tempdir().expect("tmp");
    let (graph, sent) = fake_graph().await;
    let fake_ai = fake_ai::FakeAi::start(Some("e2e-ai-key")).await;
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("FLOWCRM_WHATSAPP__APP_SECRET", SECRET.to_string()),
        ("FLOWCRM_WHATSAPP__ACCESS_TOKEN", "e2e-token".to_string()),
        ("FLOWCRM_WHATSAPP__PHONE_NUMBER_ID", "200".to_string()),
        ("FLOWCRM_WHATSAPP__GRAPH_BASE_URL", graph.clone()),
        ("FLOWCRM_LOG__LEVEL", "warn".to_string()),
        ("FLOWCRM_AI__ENABLED", "true".to_string()),
        ("FLOWCRM_AI__BASE_URL", fake_ai.base.clone()),
        ("FLOWCRM_AI__MODEL", "e2e-model".to_string()),
        ("FLOWCRM_AI__API_KEY", "e2e-ai-key".to_string()),
    ];
    add_user(dir.path(), "owner@e2e.example", "admin", "Owner");
    add_user(dir.path(), "agent@e2e.example", "agent", "Agent");
    let server = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--listen", &format!("127.0.0.1:{port}"), "serve"])
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("serve");
    let driver_port = free_port();
    let driver = Command::new("chromedriver")
        .arg(format!("--port={driver_port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver (apt-get install chromium-driver)");
    let _guard = Killer(vec![server, driver]);
    let http = reqwest::Client::new();
    wait_until("the server", || {
        let (http, base) = (http.clone(), base.clone());
        async move {
            http.get(format!("{base}/healthz"))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200)
        }
    })
    .await;
    wait_until("chromedriver", || async move {
        std::net::TcpStream::connect(("127.0.0.1", driver_port)).is_ok()
    })
    .await;

    let profile = tempfile::tempdir().expect("profile");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({"binary": "/usr/bin/chromium", "args": [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.path().display()), "--window-size=1280,900"]}),
    );
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{driver_port}"))
        .await
        .expect("webdriver session");

    // Sign in.
    sign_in(&c, &base, "owner@e2e.example").await;

    // A customer writes while the inbox is open: it appears without a reload.
    c.execute("window.__sameDocument = 42;", vec![])
        .await
        .expect("marker");
    wait_until("the live connection", || async {
        c.execute("return document.body.dataset.live", vec![])
            .await
            .ok()
            == Some(json!("ready"))
    })
    .await;
    post_webhook(
        &base,
        &customer_message("Oi! Quero comprar a camiseta azul"),
    )
    .await;
    wait_until("the message in the open inbox", || async {
        text_of(&c, "#convlist")
            .await
            .contains("Quero comprar a camiseta azul")
    })
    .await;
    assert_eq!(
        c.execute("return window.__sameDocument", vec![])
            .await
            .expect("js"),
        json!(42),
        "no reload"
    );
    screenshot(&c, "inbox-desktop").await;

    // Open it and reply.
    follow(&c, &base, "#convlist a.conv").await;
    let body = c
        .wait()
        .for_element(Locator::Css("#body"))
        .await
        .expect("composer");
    body.send_keys("Temos sim! Posso separar para você?")
        .await
        .expect("type");
    c.find(Locator::Css("form.compose button[type=submit]"))
        .await
        .expect("send")
        .click()
        .await
        .expect("send");
    wait_until("the reply at the fake Graph API", || async {
        sent.lock()
            .expect("lock")
            .iter()
            .any(|b| b["type"] == "text")
    })
    .await;
    let reply = sent
        .lock()
        .expect("lock")
        .iter()
        .find(|b| b["type"] == "text")
        .cloned()
        .expect("reply");
    assert_eq!(reply["text"]["body"], "Temos sim! Posso separar para você?");
    assert_eq!(reply["to"], "+5511988887777");

    // Meta says delivered: the tick turns without a reload. (First let the page the reply
    // redirected to finish loading.)
    wait_until("the reply on the page", || async {
        text_of(&c, "#timeline").await.contains("Posso separar")
            && c.execute("return document.readyState", vec![]).await.ok() == Some(json!("complete"))
    })
    .await;
    c.execute("window.__sameDocument = 43;", vec![])
        .await
        .expect("marker");
    wait_until("the live connection", || async {
        c.execute("return document.body.dataset.live", vec![])
            .await
            .ok()
            == Some(json!("ready"))
    })
    .await;
    // The sender stores Meta's id a moment after the send; wait for it before the status. (Its
    // live event may have gone out before this page connected, so there is nothing on the page
    // to wait for.)
    tokio::time::sleep(Duration::from_millis(500)).await;
    let wamid = reply["__answered_id"].as_str().expect("id").to_string();
    post_webhook(&base, &delivered(&wamid)).await;
    wait_until("the delivered tick", || async {
        !text_of(&c, ".tick-delivered").await.is_empty()
    })
    .await;
    assert_eq!(
        c.execute("return window.__sameDocument", vec![])
            .await
            .expect("js"),
        json!(43),
        "no reload"
    );
    // The owner answers on the phone: the echo appears live as the business's message.
    post_webhook(&base, &business_app_echo("Chega amanhã de manhã, Ana!")).await;
    wait_until("the Business-app echo", || async {
        text_of(&c, "#timeline .bubble.out:last-of-type")
            .await
            .contains("Chega amanhã de manhã")
    })
    .await;
    assert!(
        text_of(&c, "#timeline .bubble.out:last-of-type")
            .await
            .contains("Sent from the WhatsApp Business app"),
        "marked as sent from the phone"
    );
    assert_eq!(
        c.execute("return window.__sameDocument", vec![])
            .await
            .expect("js"),
        json!(43),
        "live, no reload"
    );
    screenshot(&c, "conversation-desktop").await;
    let conversation_url = c.current_url().await.expect("url").to_string();
    // The open conversation was marked read by the page's script (a POST), so the inbox shows
    // no unread count.
    c.goto(&format!("{base}/inbox")).await.expect("inbox");
    assert!(
        !c.source().await.expect("html").contains(" unread\""),
        "opened conversation still unread"
    );

    // Tag the contact.
    c.goto(&format!("{base}/tags")).await.expect("tags");
    c.find(Locator::Css("#tname"))
        .await
        .expect("name")
        .send_keys("Interessada")
        .await
        .expect("type");
    c.find(Locator::Css("form[action='/tags'] button[type=submit]"))
        .await
        .expect("create")
        .click()
        .await
        .expect("click");
    wait_until("the new tag in the list", || async {
        text_of(&c, ".taglist").await.contains("Interessada")
    })
    .await;
    c.goto(&conversation_url).await.expect("back");
    follow(&c, &base, ".conv-side h2 a").await;
    c.wait()
        .for_element(Locator::Css(".tags-row select[name=tag]"))
        .await
        .expect("tag select");
    c.find(Locator::Css(".tags-row button[value=add]"))
        .await
        .expect("add tag")
        .click()
        .await
        .expect("click");
    wait_until("the tag on the contact", || async {
        text_of(&c, ".tags-row").await.contains("Interessada")
    })
    .await;

    // Search finds the message and leads to it.
    c.goto(&format!("{base}/search?q=camiseta"))
        .await
        .expect("search");
    let hits = text_of(&c, ".hits").await;
    assert!(hits.contains("Quero comprar a camiseta azul"), "{hits}");
    assert!(
        text_of(&c, ".hits mark")
            .await
            .eq_ignore_ascii_case("camiseta")
    );
    c.find(Locator::Css(".hits a"))
        .await
        .expect("hit")
        .click()
        .await
        .expect("open");
    wait_until("the conversation", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.path().starts_with("/conversations/"))
    })
    .await;

    // Phone viewport screenshots.
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&format!("{base}/inbox")).await.expect("inbox");
    screenshot(&c, "inbox-phone").await;
    c.goto(&conversation_url).await.expect("conversation");
    screenshot(&c, "conversation-phone").await;

    // The owner takes the conversation; another team member may read it but must take it over
    // before answering.
    c.set_window_size(1280, 900).await.expect("resize");
    c.goto(&conversation_url).await.expect("conversation");
    c.find(Locator::Css("#assignee option[value='1']"))
        .await
        .expect("owner in the team list")
        .click()
        .await
        .expect("choose");
    c.find(Locator::Css("#assign-form button"))
        .await
        .expect("assign")
        .click()
        .await
        .expect("click");
    wait_until("the assignment", || async {
        c.source()
            .await
            .is_ok_and(|h| h.contains("Conversation assigned."))
    })
    .await;
    c.delete_all_cookies().await.expect("sign out");
    sign_in(&c, &base, "agent@e2e.example").await;
    c.goto(&conversation_url).await.expect("conversation");
    let composer = text_of(&c, "#composer").await;
    assert!(composer.contains("Take over"), "{composer}");
    assert!(
        c.find(Locator::Css("#body")).await.is_err(),
        "no reply box before taking over"
    );
    screenshot(&c, "takeover-desktop").await;
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&conversation_url).await.expect("conversation");
    screenshot(&c, "takeover-phone").await;
    // Admin-only controls are not offered to the agent.
    c.goto(&format!("{base}/contacts")).await.expect("contacts");
    let html = c.source().await.expect("html");
    assert!(!html.contains("export.csv") && !html.contains("/contacts/import"));
    screenshot(&c, "contacts-agent-phone").await;
    c.set_window_size(1280, 900).await.expect("resize");
    c.goto(&format!("{base}/products")).await.expect("products");
    assert!(!c.source().await.expect("html").contains("Save product"));
    screenshot(&c, "products-agent-desktop").await;
    eprintln!("e2e: first part done after {:?}", started.elapsed());
    damaged_segment_is_shown(&c, &base, dir.path()).await;
    c.delete_all_cookies().await.expect("sign out");
    c.set_window_size(1280, 900).await.expect("resize");
    sign_in(&c, &base, "owner@e2e.example").await;
    eprintln!("e2e: signed in again after {:?}", started.elapsed());
    ai::draft_edit_send(&c, &base, &conversation_url, &fake_ai, &sent).await;
    eprintln!("e2e: AI draft sent after {:?}", started.elapsed());
    long_conversation_opens_at_the_newest_message(&c, &base, &conversation_url).await;
    eprintln!("e2e: long conversation after {:?}", started.elapsed());
    start_a_conversation_with_a_template(&c, &base, dir.path(), &sent).await;
    eprintln!("e2e: template sent after {:?}", started.elapsed());
    campaigns::build_send_and_watch(&c, &base, dir.path(), &sent).await;
    eprintln!(
        "e2e: campaign sent and its funnel moved after {:?}",
        started.elapsed()
    );
    self_service_pages(&c, &base).await;
    eprintln!("e2e: self-service pages after {:?}", started.elapsed());
    two_factor_in_the_browser(&c, &base).await;
    eprintln!("e2e: two-factor after {:?}", started.elapsed());
    c.close().await.expect("close");
}

/// Screenshots of the page now open at desktop and phone width (reloading at each).
async fn both_sizes(c: &Client, url: &str, name: &str) {
    c.set_window_size(1280, 900).await.expect("resize");
    c.goto(url).await.expect("page");
    screenshot(c, &format!("{name}-desktop")).await;
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(url).await.expect("page");
    screenshot(c, &format!("{name}-phone")).await;
    c.set_window_size(1280, 900).await.expect("resize");
}

/// Sixty more customer messages: the page opens scrolled to the newest, not the oldest.
async fn long_conversation_opens_at_the_newest_message(c: &Client, base: &str, url: &str) {
    for i in 0..60 {
        let mut body = customer_message(&format!("Mensagem número {i} sobre o pedido"));
        body["entry"][0]["changes"][0]["value"]["messages"][0]["id"] =
            json!(format!("wamid.E2E.LONG.{i}"));
        post_webhook(base, &body).await;
    }
    c.goto(url).await.expect("conversation");
    let at = c
        .execute(
            "return [window.scrollY, window.innerHeight, document.documentElement.scrollHeight]",
            vec![],
        )
        .await
        .expect("scroll");
    let n = |i: usize| at[i].as_f64().unwrap_or(0.0);
    assert!(n(2) > 2.0 * n(1), "a long page: {at}");
    assert!(n(0) + n(1) >= n(2) - 2.0, "scrolled to the bottom: {at}");
    let newest_visible = c
        .execute(
            "const b = [...document.querySelectorAll('#timeline .bubble.in')].pop().getBoundingClientRect(); \
             return b.top >= 0 && b.top < window.innerHeight;",
            vec![],
        )
        .await
        .expect("visible");
    assert_eq!(
        newest_visible,
        json!(true),
        "the newest message is on screen"
    );
    screenshot(c, "conversation-long-desktop").await;
}

/// A contact typed by hand is messaged with an approved template from their page.
async fn start_a_conversation_with_a_template(
    c: &Client,
    base: &str,
    dir: &std::path::Path,
    sent: &Arc<Mutex<Vec<Value>>>,
) {
    let db = rusqlite::Connection::open(dir.join("data/flowcrm.db")).expect("db");
    db.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    db.execute(
        "INSERT INTO templates (meta_id, name, language, category, status, components, updated_at)
         VALUES ('9', 'order_update', 'pt_BR', 'UTILITY', 'APPROVED',
                 '[{\"type\":\"BODY\",\"text\":\"Olá {{1}}, seu pedido {{2}} saiu para entrega.\"}]', 0)",
        [],
    )
    .expect("a template");
    drop(db);
    c.goto(&format!("{base}/contacts/new"))
        .await
        .expect("new contact");
    for (css, text) in [("#name", "Beatriz Nunes"), ("#phone", "+55 11 97777-1234")] {
        c.find(Locator::Css(css))
            .await
            .expect(css)
            .send_keys(text)
            .await
            .expect("type");
    }
    c.find(Locator::Css("form.stack button[type=submit]"))
        .await
        .expect("save")
        .click()
        .await
        .expect("click");
    wait_until("the contact page", || async {
        c.source()
            .await
            .is_ok_and(|h| h.contains("Send a WhatsApp message"))
    })
    .await;
    follow(c, base, "a[href$='/message']").await;
    let page = c.current_url().await.expect("url").to_string();
    screenshot(c, "contact-message-desktop").await;
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&page).await.expect("page");
    screenshot(c, "contact-message-phone").await;
    c.set_window_size(1280, 900).await.expect("resize");
    c.goto(&page).await.expect("page");
    let var2 = c
        .find(Locator::Css("input[name=v2]"))
        .await
        .expect("variable 2");
    var2.send_keys("A-77").await.expect("type");
    let preview = text_of(c, ".preview-body").await;
    assert_eq!(
        preview, "Olá Beatriz Nunes, seu pedido A-77 saiu para entrega.",
        "live preview"
    );
    c.find(Locator::Css("input[name=confirm_consent]"))
        .await
        .expect("confirm")
        .click()
        .await
        .expect("tick");
    c.find(Locator::Css("form.start-template button[type=submit]"))
        .await
        .expect("send")
        .click()
        .await
        .expect("click");
    wait_until("the new conversation", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.path().starts_with("/conversations/"))
    })
    .await;
    wait_until("the template at the fake Graph API", || async {
        sent.lock()
            .expect("lock")
            .iter()
            .any(|b| b["type"] == "template")
    })
    .await;
    let body = sent
        .lock()
        .expect("lock")
        .iter()
        .find(|b| b["type"] == "template")
        .cloned()
        .expect("sent");
    assert_eq!(body["to"], "+5511977771234");
    assert_eq!(
        body["template"]["components"][0]["parameters"][0]["text"],
        "Beatriz Nunes"
    );
    assert_eq!(
        body["template"]["components"][0]["parameters"][1]["text"],
        "A-77"
    );
}

/// The owner's pages: WhatsApp connection (tested), team (with a link), account link, merge, preferences.
async fn self_service_pages(c: &Client, base: &str) {
    c.goto(&format!("{base}/settings/whatsapp"))
        .await
        .expect("connection");
    c.find(Locator::Css(
        "form[action='/settings/whatsapp/test'] button",
    ))
    .await
    .expect("test")
    .click()
    .await
    .expect("click");
    wait_until("the test result", || async {
        text_of(c, "#test-result").await.contains("GREEN")
    })
    .await;
    screenshot(c, "whatsapp-connection-desktop").await;
    c.set_window_size(390, 844).await.expect("resize");
    screenshot(c, "whatsapp-connection-phone").await;
    c.set_window_size(1280, 900).await.expect("resize");

    c.goto(&format!("{base}/settings/team"))
        .await
        .expect("team");
    c.find(Locator::Css("#name"))
        .await
        .expect("name")
        .send_keys("Bia Souza")
        .await
        .expect("type");
    c.find(Locator::Css("#email"))
        .await
        .expect("email")
        .send_keys("bia@e2e.example")
        .await
        .expect("type");
    c.find(Locator::Css(
        "form[action='/settings/team'] button[type=submit]",
    ))
    .await
    .expect("add")
    .click()
    .await
    .expect("click");
    wait_until("the invitation link", || async {
        text_of(c, "#issued-link").await.contains("/account/")
    })
    .await;
    let link = text_of(c, "#issued-link code").await;
    screenshot(c, "team-desktop").await;
    c.set_window_size(390, 844).await.expect("resize");
    screenshot(c, "team-phone").await;
    c.set_window_size(1280, 900).await.expect("resize");
    let path = link
        .find("/account/")
        .map(|i| link[i..].to_string())
        .expect("path");
    both_sizes(c, &format!("{base}{path}"), "account-link").await;
    one_time_link_forms(c, base, &path).await;
    both_sizes(
        c,
        &format!("{base}/contacts/2/merge?other=1"),
        "merge-preview",
    )
    .await;
    both_sizes(
        c,
        &format!("{base}/settings#preferences"),
        "settings-preferences",
    )
    .await; // Lists and the order form fit a phone: nothing wider than the screen but scrolling tables.
    for (path, name) in [
        ("/contacts", "contacts"),
        ("/orders", "orders"),
        ("/orders/new", "order-form"),
    ] {
        both_sizes(c, &format!("{base}{path}"), name).await;
        c.set_window_size(390, 844).await.expect("resize");
        c.goto(&format!("{base}{path}")).await.expect("page");
        let overflow = c
            .execute(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth",
                vec![],
            )
            .await
            .expect("width");
        c.set_window_size(1280, 900).await.expect("resize");
        assert_eq!(overflow, json!(0), "{path} fits a 390 px screen");
    }
}

/// A saved segment whose stored filter cannot be read shows as damaged; the list still opens.
async fn damaged_segment_is_shown(c: &Client, base: &str, dir: &std::path::Path) {
    let db = rusqlite::Connection::open(dir.join("data/flowcrm.db")).expect("db");
    db.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    db.execute(
        "INSERT INTO segments (name, filter, created_at, updated_at) VALUES ('VIP', '{\"tags_all\": [', 0, 0)",
        [],
    )
    .expect("a damaged segment");
    c.goto(&format!("{base}/segments")).await.expect("segments");
    assert!(text_of(c, "table").await.contains("Damaged"));
    screenshot(c, "segments-damaged-desktop").await;
    c.set_window_size(390, 844).await.expect("resize");
    c.goto(&format!("{base}/segments")).await.expect("segments");
    screenshot(c, "segments-damaged-phone").await;
}

/// The one-time-link pages send `Referrer-Policy: no-referrer`, so the browser posts their forms
/// with `Origin: null`: they must still go through (Fetch Metadata says same-origin).
async fn one_time_link_forms(c: &Client, base: &str, path: &str) {
    c.goto(&format!("{base}{path}"))
        .await
        .expect("account page");
    for field in ["#password", "#confirm"] {
        c.find(Locator::Css(field))
            .await
            .expect("password field")
            .send_keys("bia chooses a long one")
            .await
            .expect("type");
    }
    c.find(Locator::Css("form[action^='/account/'] button"))
        .await
        .expect("set")
        .click()
        .await
        .expect("click");
    // Set (this browser is signed in, so /login passes it on to the inbox): the link is spent.
    wait_until("the password set", || async {
        c.current_url()
            .await
            .is_ok_and(|u| !u.path().starts_with("/account/"))
    })
    .await;
    c.goto(&format!("{base}{path}"))
        .await
        .expect("account page again");
    assert!(
        c.source().await.expect("html").contains("already used"),
        "the form went through (Origin: null accepted) and the link works once"
    );
    c.goto(&format!("{base}/password/forgot"))
        .await
        .expect("forgot");
    c.find(Locator::Css("#email"))
        .await
        .expect("email")
        .send_keys("bia@e2e.example")
        .await
        .expect("type");
    c.find(Locator::Css("form[action='/password/forgot'] button"))
        .await
        .expect("send")
        .click()
        .await
        .expect("click");
    wait_until("the same answer for any address", || async {
        c.source()
            .await
            .is_ok_and(|h| h.contains("If an active account uses that address"))
    })
    .await;
}

async fn type_into(c: &Client, css: &str, text: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .send_keys(text)
        .await
        .expect("type");
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .expect("click");
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs()
}

/// The owner turns on two-factor reading the key from the page (as someone typing it into an
/// app would), signs out, and signs in again with a fresh code.
async fn two_factor_in_the_browser(c: &Client, base: &str) {
    let url = format!("{base}/settings/two-factor");
    both_sizes(c, &url, "two-factor-off").await;
    click(c, "form[action='/settings/two-factor/start'] button").await;
    wait_until("the key to scan", || async {
        c.find(Locator::Css("#totp-secret")).await.is_ok()
    })
    .await;
    let key = text_of(c, "#totp-secret").await;
    let secret = flowcrm::crypto::totp::secret_from_text(&key).expect("a base32 key");
    both_sizes(c, &url, "two-factor-setup").await;
    let enrolled_at = unix_now();
    type_into(
        c,
        "#code",
        &flowcrm::crypto::totp::code_at(&secret, enrolled_at),
    )
    .await;
    type_into(c, "#password", PASSWORD).await;
    click(c, "form[action='/settings/two-factor/confirm'] button").await;
    wait_until("the recovery codes", || async {
        c.find(Locator::Css("#recovery-codes")).await.is_ok()
    })
    .await;
    assert_eq!(
        c.find_all(Locator::Css("#recovery-codes li"))
            .await
            .expect("codes")
            .len(),
        10
    );
    screenshot(c, "two-factor-codes-desktop").await;
    c.set_window_size(390, 844).await.expect("resize");
    screenshot(c, "two-factor-codes-phone").await;
    c.set_window_size(1280, 900).await.expect("resize");

    c.delete_all_cookies().await.expect("sign out");
    c.goto(&format!("{base}/login")).await.expect("login page");
    type_into(c, "#email", "owner@e2e.example").await;
    type_into(c, "#password", PASSWORD).await;
    click(c, "button[type=submit]").await;
    wait_until("the code page", || async {
        c.current_url()
            .await
            .is_ok_and(|u| u.path() == "/login/two-factor")
    })
    .await;
    screenshot(c, "two-factor-code-desktop").await;
    // The code used to turn it on is spent: wait for the next 30-second step.
    while unix_now() / 30 <= enrolled_at / 30 {
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    type_into(
        c,
        "#code",
        &flowcrm::crypto::totp::code_at(&secret, unix_now()),
    )
    .await;
    click(c, "form[action='/login/two-factor'] button").await;
    wait_until("the inbox after the code", || async {
        c.current_url().await.is_ok_and(|u| u.path() == "/inbox")
    })
    .await;
}
