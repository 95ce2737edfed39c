//! Email notifications people opt into: a conversation assigned to them by someone else; a
//! customer writing in their conversation while they are away (once per 15 minutes, never the
//! message text); Meta's account alerts for admins. Checked in the mail queue (the real SMTP
//! delivery is covered by the `smtp` tests).

use crate::helpers::TestApp;
use axum::http::StatusCode;
use flowcrm::model::Role;

async fn app() -> TestApp {
    TestApp::spawn_with(|c| {
        c.smtp.host = Some("127.0.0.1".into());
        c.smtp.from_address = Some("crm@loja.example".into());
        c.server.public_url = Some("https://crm.loja.example".into());
    })
    .await
}

/// The queued mail: (kind, recipient, subject, text).
async fn queued(app: &TestApp) -> Vec<(String, String, String, String)> {
    app.query(|c| {
        let mut s =
            c.prepare("SELECT kind, to_address, subject, text_body FROM mail_outbox ORDER BY id")?;
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect()
    })
    .await
}

async fn customer_writes(app: &mut TestApp, wamid: &str, text: &str) {
    let ts = app.clock.now_plus(time::Duration::ZERO).unix_timestamp();
    let body = crate::payload::text_from("5511988887777", "Ana Lima", wamid, ts, text);
    assert_eq!(
        app.post_webhook(body.to_string().as_bytes()).await.status,
        StatusCode::OK
    );
    notify(app).await;
}

/// What the mail loop does after a webhook pokes it (never on the webhook's request path).
async fn notify(app: &TestApp) {
    app.state.crm.notify_due().await.expect("notifications");
}

async fn opt_in(who: &mut TestApp, fields: &[(&str, &str)]) {
    let r = who
        .submit("/settings", "/settings/preferences", fields)
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
}

#[tokio::test]
async fn assignments_and_customers_writing_while_away_are_emailed_to_those_who_asked() {
    let mut owner = app().await;
    owner.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut bia = owner.other_browser();
    bia.logged_in_as("bia@loja.example", Role::Agent).await;
    opt_in(
        &mut bia,
        &[("email_assigned", "1"), ("email_customer", "1")],
    )
    .await;
    customer_writes(&mut owner, "wamid.N1", "Meu CPF é 123.456.789-00").await;
    let conv = owner.count("SELECT id FROM conversations").await;
    let bia_id = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'bia@loja.example'",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .await;

    let r = owner
        .submit(
            &format!("/conversations/{conv}"),
            &format!("/conversations/{conv}/assign"),
            &[("to", &bia_id.to_string())],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let mail = queued(&owner).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(
        (mail[0].0.as_str(), mail[0].1.as_str()),
        ("assigned", "bia@loja.example")
    );
    assert!(
        mail[0]
            .3
            .contains(&format!("https://crm.loja.example/conversations/{conv}"))
    );

    // Bia is signed in and active: no email about the customer.
    customer_writes(&mut owner, "wamid.N2", "Oi?").await;
    assert_eq!(queued(&owner).await.len(), 1, "not while she is here");

    // Away for 11 minutes: one email, without the message.
    owner.clock.advance(time::Duration::minutes(11));
    customer_writes(&mut owner, "wamid.N3", "Alguém aí?").await;
    customer_writes(&mut owner, "wamid.N4", "Preciso do pedido").await;
    let mail = queued(&owner).await;
    assert_eq!(mail.len(), 2, "one email for two messages: {mail:?}");
    assert_eq!(
        (mail[1].0.as_str(), mail[1].1.as_str()),
        ("customer_wrote", "bia@loja.example")
    );
    assert!(mail[1].3.contains("Ana Lima"));
    assert!(
        !mail[1].3.contains("CPF") && !mail[1].3.contains("pedido"),
        "never the message text"
    );

    // Fifteen minutes later, again.
    owner.clock.advance(time::Duration::minutes(16));
    customer_writes(&mut owner, "wamid.N5", "Ainda esperando").await;
    assert_eq!(queued(&owner).await.len(), 3);

    // Taking a conversation yourself sends nothing.
    let mut carl = owner.other_browser();
    carl.logged_in_as("carl@loja.example", Role::Admin).await;
    opt_in(&mut carl, &[("email_assigned", "1")]).await;
    let me = owner
        .query(|c| {
            c.query_row(
                "SELECT id FROM users WHERE email = 'carl@loja.example'",
                [],
                |r| r.get::<_, i64>(0),
            )
        })
        .await;
    carl.submit(
        &format!("/conversations/{conv}"),
        &format!("/conversations/{conv}/assign"),
        &[("to", &me.to_string())],
    )
    .await;
    assert_eq!(queued(&owner).await.len(), 3, "no email to yourself");
}

#[tokio::test]
async fn alerts_that_matter_are_emailed_to_admins_who_did_not_switch_them_off() {
    let mut app = app().await;
    app.logged_in_as("owner@loja.example", Role::Admin).await;
    let mut quiet = app.other_browser();
    quiet.logged_in_as("quiet@loja.example", Role::Admin).await;
    opt_in(&mut quiet, &[]).await; // every box unticked
    let mut agent = app.other_browser();
    agent.logged_in_as("agent@loja.example", Role::Agent).await;

    app.deliver("account_restriction").await;
    app.deliver("account_reconnected").await; // info: not emailed
    notify(&app).await;
    let mail = queued(&app).await;
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(
        (mail[0].0.as_str(), mail[0].1.as_str()),
        ("alert", "owner@loja.example")
    );
    assert!(mail[0].2.contains("The WhatsApp account is restricted"));
    app.deliver("account_restriction").await; // a retry is the same alert again: a new row
    notify(&app).await;
    assert_eq!(queued(&app).await.len(), 2);
    notify(&app).await;
    assert_eq!(queued(&app).await.len(), 2, "each alert is emailed once");
}
