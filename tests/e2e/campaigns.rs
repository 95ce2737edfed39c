//! Broadcasts in the browser: three opted-in customers are saved as a segment from the contacts
//! filter, a campaign is built from it in the form (the template chosen, its variable bound to
//! the first name), the campaign page shows who it reaches and the estimate at the example rates,
//! it is sent, the fake Graph API receives one template per customer, and the funnel moves as
//! the test posts `delivered` and `read` status webhooks (with Meta's `pricing`).

use super::{both_sizes, click, post_webhook, screenshot, text_of, wait_until};
use fantoccini::{Client, Locator};
use flowcrm::model::{OptIn, PhoneE164};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CUSTOMERS: [(&str, &str); 3] = [
    ("Carla Mendes", "+5511966660001"),
    ("Diego Alves", "+5511966660002"),
    ("Elisa Rocha", "+5511966660003"),
];

/// A status webhook for one sent message, priced as Meta prices a marketing template.
fn status(wamid: &str, to: &str, status: &str) -> Value {
    let ts = time::OffsetDateTime::now_utc().unix_timestamp();
    json!({"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{
        "messaging_product":"whatsapp","metadata":{"display_phone_number":"15550009999","phone_number_id":"200"},
        "statuses":[{"id":wamid,"status":status,"timestamp":ts.to_string(),"recipient_id":to,
                     "pricing":{"billable":true,"pricing_model":"PMP","type":"regular","category":"marketing"}}]}}]}]})
}

/// The customers and an approved marketing template, as a sync and the contacts page leave them.
fn seed(dir: &std::path::Path) {
    let db = rusqlite::Connection::open(dir.join("data/flowcrm.db")).expect("db");
    db.busy_timeout(Duration::from_secs(5))
        .expect("busy timeout");
    db.execute(
        "INSERT INTO templates (meta_id, name, language, category, status, components, updated_at)
         VALUES ('10', 'promo_natal', 'pt_BR', 'MARKETING', 'APPROVED',
                 '[{\"type\":\"BODY\",\"text\":\"Oi {{1}}, 20% off no Natal!\"}]', 0)",
        [],
    )
    .expect("a template");
    let now = time::OffsetDateTime::now_utc();
    for (name, phone) in CUSTOMERS {
        let p = PhoneE164::from_international(phone).expect("phone");
        let id = flowcrm::db::contacts::insert_manual(&db, name, &p, None, now).expect("contact");
        flowcrm::db::consent::set_opt_in(&db, id, OptIn::In, "e2e", None, now).expect("opt in");
    }
}

/// The campaign's funnel count at `stage`, as the page shows it.
async fn stage(c: &Client, name: &str) -> String {
    text_of(c, &format!("td[data-stage='{name}']")).await
}

/// Saves the segment from the contacts filter and builds the campaign in the form; the
/// campaign's page.
async fn build(c: &Client, base: &str) -> String {
    // The segment, saved from the contacts filter.
    c.goto(&format!("{base}/contacts?opt_in=in"))
        .await
        .expect("contacts");
    c.find(Locator::Css("#segname"))
        .await
        .expect("segment name")
        .send_keys("Clientes Natal")
        .await
        .expect("type");
    click(c, "form[action='/segments'] button").await;
    wait_until("the segment", || async {
        c.source()
            .await
            .is_ok_and(|h| h.contains("Segment “Clientes Natal” saved"))
    })
    .await;

    // The form: choosing the template redraws its variable rows.
    c.goto(&format!("{base}/campaigns/new"))
        .await
        .expect("form");
    c.execute(
        "const t = document.getElementById('c-template'); t.value = 'promo_natal|pt_BR'; \
         t.dispatchEvent(new Event('change'));",
        vec![],
    )
    .await
    .expect("choose the template");
    wait_until("the template's variable row", || async {
        c.source()
            .await
            .is_ok_and(|h| h.contains("20% off no Natal"))
    })
    .await;
    c.find(Locator::Css("#c-name"))
        .await
        .expect("name")
        .send_keys("Natal 2026")
        .await
        .expect("type");
    c.execute(
        "document.querySelector('select[name=var_1]').value = 'first_name'; \
         document.querySelector('input[name=val_1]').value = 'cliente'; \
         for (const r of document.querySelectorAll('.seg-table tbody tr')) \
           if (r.cells[0].textContent.trim() === 'Clientes Natal') r.querySelector('input[name=include]').checked = true;",
        vec![],
    )
    .await
    .expect("fill");
    screenshot(c, "campaign-form-desktop").await;
    click(c, "form.campaign-form button.primary").await;
    wait_until("the campaign page", || async {
        c.source()
            .await
            .is_ok_and(|h| h.contains("Who it reaches now"))
    })
    .await;
    c.current_url().await.expect("url").to_string()
}

pub async fn build_send_and_watch(
    c: &Client,
    base: &str,
    dir: &std::path::Path,
    sent: &Arc<Mutex<Vec<Value>>>,
) {
    seed(dir);
    let page = build(c, base).await;
    assert_eq!(text_of(c, "#reach").await, "3", "the preview");
    assert!(
        text_of(c, "#estimate").await.starts_with("0.19 USD"),
        "3 × 0.0625 at the example rates"
    );
    assert!(c.source().await.expect("html").contains("example rates"));
    both_sizes(c, &page, "campaign-preview").await;

    c.goto(&page).await.expect("page");
    click(c, "#send").await;
    wait_until("three templates at the fake Graph API", || async {
        sent.lock()
            .expect("lock")
            .iter()
            .filter(|b| b["template"]["name"] == "promo_natal")
            .count()
            == 3
    })
    .await;
    let sends: Vec<Value> = sent
        .lock()
        .expect("lock")
        .iter()
        .filter(|b| b["template"]["name"] == "promo_natal")
        .cloned()
        .collect();
    let firsts: Vec<&str> = sends
        .iter()
        .filter_map(|b| b["template"]["components"][0]["parameters"][0]["text"].as_str())
        .collect();
    for want in ["Carla", "Diego", "Elisa"] {
        assert!(firsts.contains(&want), "{want} in {firsts:?}");
    }
    c.goto(&page).await.expect("page");
    assert_eq!(stage(c, "queued").await, "3");
    assert_eq!(stage(c, "delivered").await, "0");

    // WhatsApp reports: all delivered, one read. The page shows it on reload.
    for (i, b) in sends.iter().enumerate() {
        let (wamid, to) = (
            b["__answered_id"].as_str().expect("wamid"),
            b["to"].as_str().expect("to").trim_start_matches('+'),
        );
        post_webhook(base, &status(wamid, to, "delivered")).await;
        if i == 0 {
            post_webhook(base, &status(wamid, to, "read")).await;
        }
    }
    wait_until("the funnel moves", || async {
        c.goto(&page).await.is_ok()
            && stage(c, "delivered").await == "3"
            && stage(c, "read").await == "1"
    })
    .await;
    assert!(
        text_of(c, "#actual").await.starts_with("0.19 USD"),
        "what Meta charged"
    );
    both_sizes(c, &page, "campaign-funnel").await;
    c.goto(&format!("{base}/campaigns")).await.expect("list");
    assert!(c.source().await.expect("html").contains("Natal 2026"));
    both_sizes(c, &format!("{base}/campaigns"), "campaigns").await;
}
