//! Meta's webhook over HTTP: handshake, signatures, every stored type, duplicates, statuses,
//! identities, other fields.

use crate::helpers::{TestApp, VERIFY_TOKEN, fixture, sign};
use axum::http::StatusCode;

#[tokio::test]
async fn handshake_echoes_the_challenge_only_for_the_right_token() {
    let mut app = TestApp::spawn().await;
    let ok = app
        .get(&format!("/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={VERIFY_TOKEN}"))
        .await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.body, "1158201444");
    assert!(
        ok.header("content-type")
            .is_some_and(|c| c.starts_with("text/plain"))
    );
    for bad in [
        "/webhooks/whatsapp?hub.mode=subscribe&hub.challenge=1&hub.verify_token=wrong",
        "/webhooks/whatsapp?hub.mode=unsubscribe&hub.challenge=1&hub.verify_token=test-verify-token",
        "/webhooks/whatsapp?hub.challenge=1",
        "/webhooks/whatsapp",
    ] {
        assert_eq!(app.get(bad).await.status, StatusCode::FORBIDDEN, "{bad}");
    }
}

#[tokio::test]
async fn bad_signatures_are_refused_and_nothing_is_stored() {
    let mut app = TestApp::spawn().await;
    let body = fixture("text");
    let good = sign(&body);
    let mut changed = body.clone();
    let last = changed.len() - 3;
    changed[last] = b' ';
    for (what, b, sig) in [
        ("missing header", body.clone(), None),
        ("one byte changed", changed, Some(good.clone())),
        ("non-hex", body.clone(), Some("sha256=nothex".to_string())),
        (
            "wrong secret",
            body.clone(),
            Some(format!(
                "sha256={}",
                hex::encode(flowcrm::crypto::hmac_sha256(b"other", &body))
            )),
        ),
    ] {
        let r = app.post_webhook_signed(&b, sig.as_deref()).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{what}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_payloads").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_dead_letters").await,
        0
    );

    let upper = good.to_uppercase().replace("SHA256=", "sha256=");
    assert_eq!(
        app.post_webhook_signed(&body, Some(&upper)).await.status,
        StatusCode::OK,
        "uppercase hex"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn non_ascii_body_signed_in_escaped_unicode_form_is_accepted() {
    let mut app = TestApp::spawn().await;
    let body = fixture("document"); // "Orçamento São Paulo.pdf"
    assert!(!body.is_ascii());
    let escaped: String = std::str::from_utf8(&body)
        .expect("utf8")
        .chars()
        .map(|c| {
            if c.is_ascii() {
                c.to_string()
            } else {
                format!("\\u{:04x}", c as u32)
            }
        })
        .collect();
    let sig = sign(escaped.as_bytes());
    assert_eq!(
        app.post_webhook_signed(&body, Some(&sig)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn three_megabyte_body_is_accepted_and_larger_is_refused() {
    let mut app = TestApp::spawn().await;
    let pad = |size: usize| {
        let head = br#"{"object":"whatsapp_business_account","entry":[],"pad":""#;
        let mut b = head.to_vec();
        b.resize(size - 2, b'x');
        b.extend_from_slice(b"\"}");
        b
    };
    let three_mb = pad(3 * 1024 * 1024);
    assert_eq!(app.post_webhook(&three_mb).await.status, StatusCode::OK);
    let too_big = pad(4 * 1024 * 1024);
    assert_eq!(
        app.post_webhook(&too_big).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );
}

#[tokio::test]
async fn malformed_json_with_a_valid_signature_is_acknowledged_and_kept_as_a_dead_letter() {
    let mut app = TestApp::spawn().await;
    let r = app
        .post_webhook(b"{\"object\": \"whatsapp_business_account\", \"entry\": [")
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_dead_letters").await,
        1
    );
    let error: String = app
        .query(|c| c.query_row("SELECT error FROM webhook_dead_letters", [], |r| r.get(0)))
        .await;
    assert!(error.contains("invalid JSON"), "{error}");
}

#[tokio::test]
async fn a_text_creates_contact_conversation_and_message_with_the_window_clock() {
    let mut app = TestApp::spawn().await;
    app.deliver("text").await;
    let (phone, bsuid, profile): (String, String, String) = app
        .query(|c| {
            c.query_row("SELECT phone, bsuid, profile_name FROM contacts", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
        .await;
    assert_eq!(
        (phone.as_str(), bsuid.as_str(), profile.as_str()),
        ("+5511988887777", "BR.1234567890123456", "Ana Lima")
    );
    let (last_inbound, unread, pnid): (i64, i64, String) = app
        .query(|c| {
            c.query_row(
                "SELECT last_inbound_at, unread_count, phone_number_id FROM conversations",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!(
        (last_inbound, unread, pnid.as_str()),
        (1_767_225_600, 1, "200000000000002")
    );
    let (kind, body, direction): (String, String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT kind, body, direction FROM messages WHERE wamid = 'wamid.TEXT1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!(
        (kind.as_str(), body.as_str(), direction.as_str()),
        ("text", "Olá! Quero saber do pedido 42", "in")
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM webhook_payloads").await,
        1,
        "raw body kept"
    );
}

#[tokio::test]
async fn every_inbound_type_is_stored_with_its_kind() {
    let mut app = TestApp::spawn().await;
    let cases = [
        ("image", "wamid.IMAGE1", "image", "Foto do produto"),
        ("video", "wamid.VIDEO1", "video", "🎥 Video"),
        ("voice", "wamid.VOICE1", "audio", "🎤 Voice message"),
        ("document", "wamid.DOC1", "document", "Nota fiscal"),
        ("sticker", "wamid.STICKER1", "sticker", "Sticker"),
        (
            "location",
            "wamid.LOC1",
            "location",
            "📍 Location Loja Paulista",
        ),
        ("contacts", "wamid.CONTACTS1", "contacts", "👤 Bruno Costa"),
        ("button_reply", "wamid.BTN1", "button_reply", "Confirmar"),
        ("list_reply", "wamid.LIST1", "list_reply", "Tamanho M"),
        ("nfm_reply", "wamid.FLOW1", "flow_reply", "Sent"),
        ("quick_reply", "wamid.QR1", "quick_reply", "Sim, confirmar"),
        ("reaction", "wamid.REACT1", "reaction", "👍"),
        (
            "reaction_removed",
            "wamid.REACT2",
            "reaction",
            "Reaction removed",
        ),
        (
            "reaction_removed_empty",
            "wamid.REACT3",
            "reaction",
            "Reaction removed",
        ),
        (
            "order",
            "wamid.ORDER1",
            "order",
            "🛒 Order, 3 item(s): Entrega amanhã?",
        ),
        (
            "unsupported",
            "wamid.UNSUP1",
            "unsupported",
            "Unsupported message (poll)",
        ),
        (
            "unknown_type",
            "wamid.NEWTYPE1",
            "unsupported",
            "Unsupported message (hologram)",
        ),
        ("reply", "wamid.REPLY1", "text", "Esse aqui"),
        (
            "reply_forwarded_referral",
            "wamid.CTX1",
            "text",
            "Vi o anúncio",
        ),
    ];
    for (fixture_name, ..) in cases {
        app.deliver(fixture_name).await;
    }
    for (fixture_name, wamid, kind, body) in cases {
        let w = wamid.to_string();
        let got: (String, String) = app
            .query(move |c| {
                c.query_row(
                    "SELECT kind, body FROM messages WHERE wamid = ?1",
                    [w],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
            })
            .await;
        assert_eq!(got, (kind.to_string(), body.to_string()), "{fixture_name}");
    }
    // One contact, one conversation: all from the same customer.
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 1);
    // Media queued for download: image, video, voice, document, sticker.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM media WHERE state = 'pending'")
            .await,
        5
    );
    // Unread counts customer messages; 19 delivered.
    assert_eq!(
        app.count("SELECT unread_count FROM conversations").await,
        19
    );
}

#[tokio::test]
async fn stored_messages_keep_reply_context_errors_raw_json_and_exact_prices() {
    let mut app = TestApp::spawn().await;
    for name in [
        "reply",
        "reply_forwarded_referral",
        "unsupported",
        "unknown_type",
        "order",
    ] {
        app.deliver(name).await;
    }
    let ctx: String = app
        .query(|c| {
            c.query_row(
                "SELECT context_wamid FROM messages WHERE wamid = 'wamid.REPLY1'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert_eq!(ctx, "wamid.OUT1");
    let extras: String = app
        .query(|c| {
            c.query_row(
                "SELECT extras FROM messages WHERE wamid = 'wamid.CTX1'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(
        extras.contains("\"forwarded\":true") && extras.contains("ARAkLkA8rmlFeiCktEJQ"),
        "{extras}"
    );
    let error: (i64, String) = app
        .query(|c| {
            c.query_row(
                "SELECT error_code, error_title FROM messages WHERE wamid = 'wamid.UNSUP1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(error, (131_051, "Message type unknown".to_string()));
    let raw: String = app
        .query(|c| {
            c.query_row(
                "SELECT raw FROM messages WHERE wamid = 'wamid.NEWTYPE1'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(raw.contains("brand_new_field"));
    let content: String = app
        .query(|c| {
            c.query_row(
                "SELECT content FROM messages WHERE wamid = 'wamid.ORDER1'",
                [],
                |r| r.get(0),
            )
        })
        .await;
    assert!(
        content.contains("\"item_price\":\"59.9\"") && content.contains("SKU-BONE"),
        "{content}"
    );
}

#[tokio::test]
async fn duplicate_deliveries_store_each_message_once() {
    let mut app = TestApp::spawn().await;
    for _ in 0..3 {
        app.deliver("text").await;
        app.deliver("batch").await;
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 3);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM contacts").await,
        3,
        "Ana, Bia, Caio"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM message_statuses").await, 1);
    assert_eq!(
        app.count("SELECT SUM(unread_count) FROM conversations")
            .await,
        3,
        "duplicates not counted"
    );
}

#[tokio::test]
async fn concurrent_duplicate_posts_store_once() {
    let app = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let mut browser = app.other_browser();
        tasks.push(tokio::spawn(async move {
            browser.post_webhook(&fixture("text")).await.status
        }));
    }
    for t in tasks {
        assert_eq!(t.await.expect("join"), StatusCode::OK);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
    assert_eq!(app.count("SELECT unread_count FROM conversations").await, 1);
}

#[tokio::test]
async fn statuses_only_move_forward_and_wait_for_their_message() {
    let mut app = TestApp::spawn().await;
    // Statuses for a message we do not know yet are kept.
    app.deliver("status_read").await;
    app.deliver("status_sent").await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM message_statuses WHERE wamid = 'wamid.OUT1'")
            .await,
        2
    );
    // The outbound message appears (the outbound issue will write these rows); apply.
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<_> {
            let conv = insert_outbound_shell(c, "wamid.OUT1")?;
            flowcrm::db::messages::refresh_status(c, "wamid.OUT1")?;
            Ok(conv)
        })
        .await
        .expect("write");
    assert_eq!(out1_status(&app).await, "read");
    // A late `delivered` never overwrites `read`, but its time is kept.
    app.deliver("status_delivered").await;
    assert_eq!(out1_status(&app).await, "read");
    assert_eq!(
        app.count(
            "SELECT at FROM message_statuses WHERE wamid = 'wamid.OUT1' AND status = 'delivered'"
        )
        .await,
        1_767_225_620
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM message_statuses").await, 3);
}

async fn out1_status(app: &TestApp) -> String {
    app.query(|c| {
        c.query_row(
            "SELECT status FROM messages WHERE wamid = 'wamid.OUT1'",
            [],
            |r| r.get(0),
        )
    })
    .await
}

/// A minimal outbound message row, as the outbox will write it.
pub fn insert_outbound_shell(c: &rusqlite::Connection, wamid: &str) -> flowcrm::db::Result<i64> {
    use flowcrm::model::{Content, Direction, MessageExtras, PhoneE164};
    let now = time::OffsetDateTime::now_utc();
    let phone = PhoneE164::from_international("5511988887777").expect("phone");
    let contact = match flowcrm::db::contacts::find_by_phone(c, &phone)? {
        Some(id) => id,
        None => flowcrm::db::contacts::insert(c, Some(&phone), None, "", now)?,
    };
    let conv = flowcrm::db::conversations::find_or_create(c, contact, "200000000000002", now, now)?;
    let content = Content::Text {
        body: "Seu pedido saiu".into(),
    };
    let new = flowcrm::db::messages::NewMessage {
        wamid,
        conversation_id: conv,
        direction: Direction::Out,
        content: &content,
        extras: &MessageExtras::default(),
        raw: None,
        sent_at: now,
        received_at: now,
        error: None,
    };
    flowcrm::db::messages::insert(c, &new)?;
    Ok(conv)
}

#[tokio::test]
async fn failed_status_keeps_metas_error() {
    let mut app = TestApp::spawn().await;
    app.state
        .db
        .write(|c| insert_outbound_shell(c, "wamid.OUT2"))
        .await
        .expect("shell");
    app.deliver("status_failed").await;
    let (status, code, title): (String, i64, String) = app
        .query(|c| {
            c.query_row(
                "SELECT status, error_code, error_title FROM messages WHERE wamid = 'wamid.OUT2'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .await;
    assert_eq!((status.as_str(), code), ("failed", 131_049));
    assert!(title.contains("healthy ecosystem"));
}

#[tokio::test]
async fn a_bsuid_only_user_lands_on_one_contact_that_merges_when_the_phone_appears() {
    let mut app = TestApp::spawn().await;
    app.deliver("bsuid_only").await;
    let (phone, bsuid, username): (Option<String>, String, String) = app
        .query(|c| {
            c.query_row("SELECT phone, bsuid, username FROM contacts", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
        })
        .await;
    assert_eq!(
        (phone, bsuid.as_str(), username.as_str()),
        (None, "US.13491208655302741918", "zed.shop")
    );
    // The same person wrote before from their phone (a separate contact so far).
    app.deliver("phone_only_zed").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 2);
    // Now a message carries both: the two contacts merge, messages and all.
    app.deliver("phone_and_bsuid").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    let (phone, bsuid): (String, String) = app
        .query(|c| {
            c.query_row("SELECT phone, bsuid FROM contacts", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .await;
    assert_eq!(
        (phone.as_str(), bsuid.as_str()),
        ("+15550001234", "US.13491208655302741918")
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM conversations").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 3);
    assert_eq!(app.count("SELECT unread_count FROM conversations").await, 3);
}

#[tokio::test]
async fn a_number_change_moves_the_contact_to_the_new_number() {
    let mut app = TestApp::spawn().await;
    app.deliver("text").await;
    app.deliver("system_number_change").await;
    let phone: String = app
        .query(|c| c.query_row("SELECT phone FROM contacts", [], |r| r.get(0)))
        .await;
    assert_eq!(phone, "+5511977776666");
    assert_eq!(app.count("SELECT COUNT(*) FROM contacts").await, 1);
    assert_eq!(
        app.count("SELECT unread_count FROM conversations").await,
        1,
        "a system notice is not unread"
    );
    app.deliver("system_user_id_change").await;
    let bsuid: String = app
        .query(|c| c.query_row("SELECT bsuid FROM contacts", [], |r| r.get(0)))
        .await;
    assert_eq!(bsuid, "BR.9999999999999999");
}

#[tokio::test]
async fn media_meta_could_not_fetch_is_marked_lost_with_the_reason() {
    let mut app = TestApp::spawn().await;
    app.deliver("media_error_131052").await;
    let (state, error): (String, String) = app
        .query(|c| {
            c.query_row("SELECT state, error FROM media", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .await;
    assert_eq!(state, "lost");
    assert!(
        error.contains("131052") && error.contains("100 MB"),
        "{error}"
    );
}

#[tokio::test]
async fn template_and_account_updates_are_stored() {
    let mut app = TestApp::spawn().await;
    app.deliver("template_status_update").await;
    app.deliver("template_quality_update").await;
    let state = app
        .state
        .db
        .read(|c| flowcrm::db::templates::state(c, "987654321"))
        .await
        .expect("read")
        .expect("template row");
    assert_eq!(state.status, "REJECTED");
    assert_eq!(state.reason.as_deref(), Some("INCORRECT_CATEGORY"));
    assert_eq!(state.category, "UTILITY");
    assert_eq!(state.quality.as_deref(), Some("YELLOW"));
    app.deliver("phone_quality_update").await;
    app.deliver("system_errors").await;
    let fields: Vec<String> = app
        .query(|c| {
            let mut s = c.prepare("SELECT field FROM account_alerts ORDER BY id")?;
            s.query_map([], |r| r.get(0))?.collect()
        })
        .await;
    assert_eq!(
        fields,
        ["phone_number_quality_update", "messages.errors"],
        "account events are alerts for the admins"
    );
}

#[tokio::test]
async fn webhook_needs_no_session_or_csrf_and_sets_no_cookies() {
    let mut app = TestApp::spawn().await;
    let r = app.post_webhook(&fixture("text")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.set_cookies().is_empty());
}

#[tokio::test]
async fn without_an_app_secret_posts_are_refused_for_meta_to_retry() {
    let mut app = TestApp::spawn_with(|c| c.whatsapp.app_secret = None).await;
    let r = app.post_webhook(&fixture("text")).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 0);
}

#[tokio::test]
async fn raw_payloads_are_deleted_after_the_retention_period_and_messages_stay() {
    let mut app = TestApp::spawn().await;
    app.deliver("text").await;
    app.deliver("phone_quality_update").await;
    let days = app.state.config.whatsapp.raw_payload_days;
    assert_eq!(days, 7);
    let policy = flowcrm::crm::retention::Policy::of(&app.state.config);
    app.clock.advance(time::Duration::days(6));
    let r = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("retention");
    assert_eq!(r.raw_payloads, 0, "younger than 7 days: kept");
    app.clock.advance(time::Duration::days(2));
    let r = app
        .state
        .crm
        .run_retention(policy, false)
        .await
        .expect("retention");
    assert_eq!(r.raw_payloads, 2, "two bodies");
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_payloads").await, 0);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM account_alerts").await,
        1,
        "the alert history is not raw data: it stays"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn with_zero_retention_days_raw_bodies_are_not_kept() {
    let mut app = TestApp::spawn_with(|c| c.whatsapp.raw_payload_days = 0).await;
    app.deliver("text").await;
    assert_eq!(app.count("SELECT COUNT(*) FROM webhook_payloads").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM messages").await, 1);
}

#[tokio::test]
async fn admins_see_dead_letters_and_account_events_in_settings() {
    let mut app = TestApp::spawn().await;
    app.post_webhook(b"{broken").await;
    app.deliver("phone_quality_update").await;
    app.logged_in_as("boss@shop.example", flowcrm::model::Role::Admin)
        .await;
    let page = app.get("/settings").await;
    assert!(page.body.contains("invalid JSON"), "dead letter shown");
    assert!(
        page.body
            .contains("Messaging limit of 15550009999 lowered to TIER_1K"),
        "alert shown"
    );
}

/// A signed envelope with these `changes` (each `{"field": .., "value": ..}`).
fn envelope(changes: &[serde_json::Value]) -> Vec<u8> {
    serde_json::json!({
        "object": "whatsapp_business_account",
        "entry": [{"id": "100000000000001", "changes": changes}]
    })
    .to_string()
    .into_bytes()
}

fn template_change(id: u64) -> serde_json::Value {
    serde_json::json!({"field": "message_template_status_update", "value": {
        "event": "APPROVED", "message_template_id": id,
        "message_template_name": "order_update", "message_template_language": "en_US",
        "reason": "NONE"}})
}

fn text_change(wamid: &str, body: &str) -> serde_json::Value {
    serde_json::json!({"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550009999", "phone_number_id": "200000000000002"},
        "contacts": [{"profile": {"name": "Ana Lima"}, "wa_id": "5511988887777"}],
        "messages": [{"from": "5511988887777", "id": wamid, "timestamp": "1767225600",
                      "type": "text", "text": {"body": body}}]}})
}

#[tokio::test]
async fn a_template_recreated_under_the_same_name_is_stored_with_the_messages_beside_it() {
    let mut app = TestApp::spawn().await;
    for id in [9001, 9100] {
        let r = app.post_webhook(&envelope(&[template_change(id)])).await;
        assert_eq!(r.status, StatusCode::OK, "template id {id}");
    }
    let body = envelope(&[
        text_change("wamid.BESIDE", "still here"),
        template_change(9200),
    ]);
    assert_eq!(app.post_webhook(&body).await.status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE wamid = 'wamid.BESIDE'")
            .await,
        1
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM templates WHERE meta_id = '9200'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM templates").await, 1);
}

#[tokio::test]
async fn an_event_that_cannot_be_applied_becomes_a_dead_letter_and_the_rest_of_the_post_is_kept() {
    let mut app = TestApp::spawn().await;
    // Any event can fail for a reason nobody foresaw; simulate one with a trigger.
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<_> {
            c.execute_batch(
                "CREATE TRIGGER refuse_boom BEFORE INSERT ON webhook_events
                 WHEN NEW.field = 'boom' BEGIN SELECT RAISE(ABORT, 'cannot apply'); END;",
            )?;
            Ok(())
        })
        .await
        .expect("trigger");
    let boom = serde_json::json!({"field": "boom", "value": {"x": 1}});
    let body = envelope(&[
        text_change("wamid.FIRST", "one"),
        boom,
        text_change("wamid.SECOND", "two"),
    ]);
    let r = app.post_webhook(&body).await;
    assert_eq!(
        r.status,
        StatusCode::OK,
        "acknowledged once the rest committed"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE wamid IN ('wamid.FIRST', 'wamid.SECOND')")
            .await,
        2
    );
    let (error, body): (String, Vec<u8>) = app
        .query(|c| {
            c.query_row("SELECT error, body FROM webhook_dead_letters", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
        })
        .await;
    assert!(
        error.contains("boom event not applied") && error.contains("cannot apply"),
        "{error}"
    );
    assert_eq!(body, br#"{"x":1}"#);
    // Admins see it on the settings page.
    app.logged_in_as("owner@example.com", flowcrm::model::Role::Admin)
        .await;
    let page = app.get("/settings").await;
    assert!(
        page.body.contains("boom event not applied"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn a_store_that_cannot_commit_answers_500_so_meta_retries() {
    let mut app = TestApp::spawn().await;
    app.state.db.close().await;
    let r = app.post_webhook(&fixture("text")).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn a_huge_webhook_is_stored_cut_to_whatsapps_limit_with_the_raw_body_kept_whole() {
    let mut app = TestApp::spawn().await;
    let long = "palavra ".repeat(125_000); // 1,000,000 characters
    let mut changes: Vec<serde_json::Value> = (0..3)
        .map(|i| text_change(&format!("wamid.HUGE.{i}"), &long))
        .collect();
    // Many small messages too: a large POST is committed in several jobs, all acknowledged.
    changes.extend((0..200).map(|i| text_change(&format!("wamid.MANY.{i}"), "oi")));
    let body = envelope(&changes);
    assert!(body.len() > 3_000_000);
    assert_eq!(app.post_webhook(&body).await.status, StatusCode::OK);
    let texts: Vec<String> = app
        .query(|c| {
            let mut s = c.prepare("SELECT body FROM messages WHERE wamid LIKE 'wamid.HUGE.%'")?;
            let rows = s.query_map([], |r| r.get(0))?;
            rows.collect()
        })
        .await;
    assert_eq!(texts.len(), 3);
    for t in &texts {
        assert!(
            t.chars().count() < 4200,
            "{} characters stored",
            t.chars().count()
        );
        assert!(
            t.ends_with("[cut: 1000000 characters in all]"),
            "{}",
            &t[t.len() - 60..]
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM messages WHERE wamid LIKE 'wamid.MANY.%'")
            .await,
        200
    );
    let raw: i64 = app
        .count("SELECT MAX(LENGTH(body)) FROM webhook_payloads")
        .await;
    assert_eq!(
        usize::try_from(raw).expect("len"),
        body.len(),
        "the raw body is kept whole"
    );
}

/// A status with a `pricing` object, as Meta sends it since July 2025.
fn priced(wamid: &str, status: &str, ts: i64, category: &str, kind: &str) -> serde_json::Value {
    let mut body = crate::payload::status(wamid, status, ts, "5511988887777", None);
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["pricing"] = serde_json::json!(
        {"billable": kind == "regular", "pricing_model": "PMP", "type": kind, "category": category}
    );
    body
}

async fn pricing_of(
    app: &TestApp,
    wamid: &'static str,
) -> (Option<String>, Option<String>, Option<String>, Option<bool>) {
    app.query(move |c| {
        c.query_row(
            "SELECT pricing_category, pricing_type, pricing_model, billable FROM messages WHERE wamid = ?1",
            [wamid],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
    })
    .await
}

#[tokio::test]
async fn each_message_keeps_what_meta_charges_for_it() {
    let mut app = TestApp::spawn().await;
    app.state
        .db
        .write(|c| insert_outbound_shell(c, "wamid.OUT1"))
        .await
        .expect("write");
    // A 1:1 reply inside the window: a free service message.
    app.deliver("status_delivered").await;
    let free = (
        Some("service".to_string()),
        Some("free_customer_service".to_string()),
        Some("PMP".to_string()),
        Some(true),
    );
    assert_eq!(pricing_of(&app, "wamid.OUT1").await, free);
    // A later status without pricing leaves it.
    app.deliver("status_read").await;
    assert_eq!(pricing_of(&app, "wamid.OUT1").await, free);
    // A marketing template whose statuses arrive before its send is settled: applied when Meta's
    // id is set on the message.
    let body = priced(
        "wamid.MKT1",
        "delivered",
        1_767_225_700,
        "marketing",
        "regular",
    );
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    app.state
        .db
        .write(|c| -> flowcrm::db::Result<()> {
            insert_outbound_shell(c, "pending-key-1")?;
            let id: i64 = c.query_row(
                "SELECT id FROM messages WHERE wamid = 'pending-key-1'",
                [],
                |r| r.get(0),
            )?;
            flowcrm::db::messages::set_wamid(c, id, "wamid.MKT1")
        })
        .await
        .expect("write");
    assert_eq!(
        pricing_of(&app, "wamid.MKT1").await,
        (
            Some("marketing".into()),
            Some("regular".into()),
            Some("PMP".into()),
            Some(true)
        )
    );
    let kept: i64 = app.count("SELECT count(*) FROM message_statuses WHERE pricing_model = 'PMP' AND pricing_type IS NOT NULL").await;
    assert_eq!(kept, 2, "every status keeps its pricing too");
}

fn failed_with(wamid: &str, code: i64) -> serde_json::Value {
    let mut body = crate::payload::status(wamid, "failed", 1_767_225_800, "5511988887777", None);
    body["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"] = serde_json::json!([
        {"code": code, "title": "Failed", "message": "Failed", "error_data": {"details": "Meta's details"}}
    ]);
    body
}

#[tokio::test]
async fn error_131050_records_that_the_customer_stopped_marketing_messages() {
    let mut app = TestApp::spawn().await;
    app.state
        .db
        .write(|c| {
            insert_outbound_shell(c, "wamid.EH1")?;
            insert_outbound_shell(c, "wamid.STOP1")
        })
        .await
        .expect("write");
    // 131049 (held back for ecosystem health) says nothing about consent.
    let r = app
        .post_webhook(failed_with("wamid.EH1", 131_049).to_string().as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(app.count("SELECT count(*) FROM consent_events").await, 0);
    let r = app
        .post_webhook(failed_with("wamid.STOP1", 131_050).to_string().as_bytes())
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let (state, source): (String, String) = app
        .query(|c| {
            c.query_row(
                "SELECT c.opt_in, e.source FROM contacts c JOIN consent_events e ON e.contact_id = c.id",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
        .await;
    assert_eq!(state, "out");
    assert!(source.contains("131050"), "{source}");
    // The same status again changes nothing more.
    app.post_webhook(failed_with("wamid.STOP1", 131_050).to_string().as_bytes())
        .await;
    assert_eq!(app.count("SELECT count(*) FROM consent_events").await, 1);
}
