//! The demo's coexistence scenes, fed through the same webhook parser and inbound use case as
//! Meta's real deliveries: the owner answering from the WhatsApp Business app, a customer's
//! edited and deleted messages, and a call.

use crate::crm::inbound;
use crate::db::{self, Result};
use crate::whatsapp::webhook;
use rusqlite::Connection;
use serde_json::{Value, json};
use time::OffsetDateTime;

fn envelope(field: &str, pnid: &str, value: Value) -> Vec<u8> {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({"display_phone_number": "15550009999", "phone_number_id": pnid});
    json!({"object": "whatsapp_business_account",
           "entry": [{"id": "demo", "changes": [{"field": field, "value": value}]}]})
    .to_string()
    .into_bytes()
}

fn feed(conn: &Connection, body: &[u8], now: OffsetDateTime) -> Result<()> {
    let events = webhook::parse(body).map_err(|e| db::Error::Task(e.to_string()))?;
    inbound::record(
        conn,
        &events,
        None,
        now,
        &crate::crm::consent::Keywords::default(),
    )
    .map(|_| ())
}

/// Plays the scenes in the two most recent conversations that have a phone number.
pub fn scenes(db_conn: &Connection, now: OffsetDateTime) -> Result<()> {
    let all = db::inbox::InboxFilter {
        view: db::inbox::View::All,
        status: None,
        contact: None,
        tag: None,
        window: None,
        now,
    };
    let rows = db::inbox::conversations(db_conn, &all, None, 10)?;
    let mut played = 0;
    for r in rows {
        let (Some(phone), Some(conversation)) =
            (r.phone.clone(), db::conversations::get(db_conn, r.id)?)
        else {
            continue;
        };
        let digits = phone.trim_start_matches('+').to_string();
        let pnid = conversation.phone_number_id.clone();
        let t = |minutes: i64| {
            (now - time::Duration::minutes(minutes))
                .unix_timestamp()
                .to_string()
        };
        let id = |what: &str| format!("wamid.demo.{what}.{}", r.id);
        let customer = |wamid: &str, ts: String, kind: &str, part: Value| {
            let mut m = json!({"from": digits, "id": wamid, "timestamp": ts, "type": kind});
            m[kind] = part;
            json!({"contacts": [{"profile": {"name": r.contact_name}, "wa_id": digits}], "messages": [m]})
        };
        if played == 0 {
            let written = customer(
                &id("sizes"),
                t(40),
                "text",
                json!({"body": "Vocês têm o tênis azul no 38?"}),
            );
            feed(db_conn, &envelope("messages", &pnid, written), now)?;
            let edit = customer(
                &id("sizes.edit"),
                t(39),
                "edit",
                json!({"original_message_id": id("sizes"),
                "message": {"type": "text", "text": {"body": "Vocês têm o tênis azul no 37?"}}}),
            );
            feed(db_conn, &envelope("messages", &pnid, edit), now)?;
            let echo = json!({"contacts": [{"profile": {"name": r.contact_name}, "wa_id": digits}],
                "message_echoes": [{"from": "15550009999", "to": digits, "id": id("echo"), "timestamp": t(35),
                                    "type": "text", "text": {"body": "Temos sim! Separo um para você? (respondido pelo celular)"}}]});
            feed(db_conn, &envelope("smb_message_echoes", &pnid, echo), now)?;
            let call = json!({"contacts": [{"profile": {"name": r.contact_name}, "wa_id": digits}],
                "calls": [{"id": id("call"), "from": digits, "to": "15550009999", "event": "terminate",
                           "direction": "USER_INITIATED", "timestamp": t(30), "status": "COMPLETED",
                           "start_time": t(32), "end_time": t(30), "duration": 95}]});
            feed(db_conn, &envelope("calls", &pnid, call), now)?;
        } else {
            let oops = customer(
                &id("oops"),
                t(20),
                "text",
                json!({"body": "Meu cartão é 5555 4444 3333 2222"}),
            );
            feed(db_conn, &envelope("messages", &pnid, oops), now)?;
            let revoke = customer(
                &id("oops.del"),
                t(19),
                "revoke",
                json!({"original_message_id": id("oops")}),
            );
            feed(db_conn, &envelope("messages", &pnid, revoke), now)?;
            let missed = json!({"calls": [{"id": id("missed"), "from": digits, "to": "15550009999", "event": "terminate",
                                           "direction": "USER_INITIATED", "timestamp": t(15), "status": "FAILED"}]});
            feed(db_conn, &envelope("calls", &pnid, missed), now)?;
            return Ok(());
        }
        played += 1;
    }
    Ok(())
}
