//! AI assist in the browser: on the open conversation the agent asks for a draft, it lands in
//! the composer (nothing is sent), they edit it and send, and the fake Graph API receives the
//! edited text; the fake AI server never saw the customer's number or name. Then the panel's
//! summary and the Settings → AI assist page, drawn at both sizes.

use super::fake_ai::{FakeAi, prompt_text};
use super::{both_sizes, click, screenshot, text_of, wait_until};
use fantoccini::{Client, Locator};
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

pub async fn draft_edit_send(
    c: &Client,
    base: &str,
    url: &str,
    ai: &FakeAi,
    sent: &Arc<Mutex<Vec<Value>>>,
) {
    c.goto(url).await.expect("conversation");
    ai.reply("Olá [NAME_1]! A camiseta azul está separada para você.");
    click(c, "#ai-tools button[formaction$='/ai/draft']").await;
    wait_until("the draft in the composer", || async {
        c.execute(
            "const b = document.getElementById('body'); return b ? b.value : ''",
            vec![],
        )
        .await
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .is_some_and(|v| v.contains("A camiseta azul está separada"))
    })
    .await;
    let draft = c
        .execute("return document.getElementById('body').value", vec![])
        .await
        .expect("value");
    assert_eq!(
        draft,
        json!("Olá Ana Lima! A camiseta azul está separada para você.")
    );
    assert!(
        text_of(c, "#ai-note")
            .await
            .contains("Check it before you send")
    );
    assert_eq!(
        c.current_url().await.expect("url").path(),
        reqwest::Url::parse(url).expect("url").path(),
        "the address is the conversation's again"
    );
    let before = sent.lock().expect("lock").len();
    let prompt = prompt_text(&ai.prompts()[0]);
    assert!(
        !prompt.contains("988887777") && !prompt.contains("Ana") && !prompt.contains("Lima"),
        "{prompt}"
    );
    screenshot(c, "ai-draft-desktop").await;
    // The agent edits it, then sends.
    c.find(Locator::Css("#body"))
        .await
        .expect("composer")
        .send_keys(" Até amanhã!")
        .await
        .expect("type");
    click(c, "form.compose button[type=submit]").await;
    wait_until("the edited draft at the fake Graph API", || async {
        sent.lock().expect("lock").len() > before
    })
    .await;
    let last = sent.lock().expect("lock").last().cloned().expect("sent");
    assert_eq!(
        last["text"]["body"],
        "Olá Ana Lima! A camiseta azul está separada para você. Até amanhã!"
    );
    // A summary in the side panel, then both sizes of the page and of the settings page.
    ai.reply("Intent: buy the blue T-shirt.\nWhat happened: it was reserved.\nOpen actions: none.");
    // What the agent has half typed survives asking the panel for a summary.
    c.find(Locator::Css("#body"))
        .await
        .expect("composer")
        .send_keys("meio escrito")
        .await
        .expect("type");
    click(c, "#ai form[action$='/ai/summary'] button").await;
    wait_until("the summary", || async {
        text_of(c, ".ai-summary").await.contains("it was reserved")
    })
    .await;
    let kept = c
        .execute("return document.getElementById('body').value", vec![])
        .await
        .expect("value");
    assert_eq!(kept, json!("meio escrito"), "the reply box keeps its text");
    both_sizes(c, url, "ai-conversation").await;
    both_sizes(c, &format!("{base}/settings/ai"), "ai-settings").await;
}
