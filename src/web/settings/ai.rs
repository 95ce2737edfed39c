//! `/settings/ai` (admins): AI assist's provider — on/off, endpoint, model, token budget,
//! timeout, monthly cap, the API key (stored by the vault, never shown again), "Test
//! connection" (the truncation check), this month's usage and the AI log (no content). Every
//! rule lives in `crm::ai`.

use crate::app::AppState;
use crate::config::Secret;
use crate::crm::access::{self, AdminAction};
use crate::crm::ai::{SettingsInput, TestResult, names};
use crate::model::ai::Counts;
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// One logged call as the page shows it.
pub struct CallLine {
    when: String,
    by: String,
    feature: String,
    contact: Option<i64>,
    endpoint: String,
    tokens: String,
    redacted: String,
    outcome: String,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/ai.html")]
pub struct AiPage {
    layout: Layout,
    enabled: bool,
    host: String,
    key_set: bool,
    key_problem: Option<String>,
    key_in_file: bool,
    usage: String,
    form: AiForm,
    locked: Vec<&'static str>,
    errors: FormErrors,
    test: Option<TestResult>,
    calls: Vec<CallLine>,
}

impl AiPage {
    fn locked(&self, name: &str) -> bool {
        self.locked.contains(&name)
    }
}

/// The settings form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AiForm {
    #[serde(default)]
    enabled: Option<String>,
    #[serde(default)]
    base_url: String,
    #[serde(default)]
    model: String,
    #[serde(default)]
    context_tokens: String,
    #[serde(default)]
    timeout_secs: String,
    #[serde(default)]
    monthly_token_cap: String,
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: Option<AiForm>,
    errors: FormErrors,
    test: Option<TestResult>,
) -> Result<AiPage> {
    let who = user.who();
    let s = state.crm.ai_settings(who).await?;
    let (key_set, key_problem) = match state.crm.ai_key_set(who).await {
        Ok(set) => (set, None),
        Err(e) => (false, Some(e.to_string())),
    };
    let usage = state.crm.ai_usage(who, 30).await?;
    let zone = &user.ctx.zone;
    let cap = if s.monthly_token_cap == 0 {
        "no cap".to_string()
    } else {
        format!("of {} allowed", grouped(s.monthly_token_cap))
    };
    Ok(AiPage {
        layout: Layout::new(&user.ctx, "AI assist", Nav::Settings),
        enabled: s.enabled,
        host: s.host(),
        key_set,
        key_problem,
        key_in_file: state.config.ai.api_key.is_some(),
        usage: format!(
            "{} tokens {cap} in {} calls this month",
            usage.tokens, usage.calls
        ),
        form: form.unwrap_or_else(|| AiForm {
            enabled: s.enabled.then(|| "1".into()),
            base_url: s.base_url.clone(),
            model: s.model.clone(),
            context_tokens: s.context_tokens.to_string(),
            timeout_secs: s.timeout_secs.to_string(),
            monthly_token_cap: s.monthly_token_cap.to_string(),
        }),
        locked: s.from_file.clone(),
        errors,
        test,
        calls: usage
            .recent
            .iter()
            .map(|(c, by)| CallLine {
                when: crate::web::when::stamp(zone, c.at),
                by: by.clone().unwrap_or_else(|| "—".into()),
                feature: c.feature.clone(),
                contact: c.contact_id.map(|c| c.0),
                endpoint: format!("{} · {}", c.host, c.model),
                tokens: format!(
                    "{} in / {} out{}",
                    c.tokens_in,
                    c.tokens_out,
                    if c.estimated { " (estimated)" } else { "" }
                ),
                redacted: Counts::parse(&c.redactions).to_string(),
                outcome: c.outcome.clone(),
            })
            .collect(),
    })
}

/// `1234567` as `1,234,567`.
fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// `GET /settings/ai`.
pub async fn ai_page(State(state): State<AppState>, user: CurrentUser) -> Result<AiPage> {
    page(&state, &user, None, FormErrors::default(), None).await
}

/// `POST /settings/ai`: saves the settings (every field checked first; nothing kept on error).
pub async fn save_ai(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<AiForm>,
) -> Result<Response> {
    let input = SettingsInput {
        enabled: form.enabled.is_some(),
        base_url: form.base_url.clone(),
        model: form.model.clone(),
        context_tokens: form.context_tokens.clone(),
        timeout_secs: form.timeout_secs.clone(),
        monthly_token_cap: form.monthly_token_cap.clone(),
    };
    match state.crm.save_ai_settings(user.who(), input).await {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/ai",
            FlashKind::Success,
            "Saved. Use “Test connection” to check the endpoint.",
        )),
        Err(crate::crm::Error::Invalid(errors)) => {
            Ok(page(&state, &user, Some(form), FormErrors(errors), None)
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The key form.
#[derive(Debug, Deserialize)]
pub struct KeyForm {
    #[serde(default)]
    api_key: String,
    #[serde(default)]
    remove: Option<String>,
}

/// `POST /settings/ai/key`: stores the API key encrypted (or removes it). Audited.
pub async fn save_ai_key(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<KeyForm>,
) -> Result<Response> {
    let who = user.who();
    access::require(who, AdminAction::AiSettings)?;
    let key = form.api_key.trim();
    let (kind, message) = if form.remove.is_some() {
        state
            .vault
            .delete(names::KEY_SECRET)
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        state.crm.ai_key_changed(who, false).await?;
        (FlashKind::Success, "API key removed.".to_string())
    } else if key.is_empty() || key.len() > 1000 || key.chars().any(char::is_whitespace) {
        (
            FlashKind::Error,
            "Paste the API key: one word without spaces, as the provider shows it.".to_string(),
        )
    } else {
        state
            .vault
            .set(names::KEY_SECRET, &Secret::new(key.to_string()))
            .await
            .map_err(|e| AppError::Internal(e.into()))?;
        state.crm.ai_key_changed(who, true).await?;
        (
            FlashKind::Success,
            "API key stored (encrypted).".to_string(),
        )
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/ai",
        kind,
        &message,
    ))
}

/// `POST /settings/ai/test`: the connection test; shows its result on the page.
pub async fn test_ai(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let result = state.crm.ai_test(user.who()).await?;
    Ok(
        page(&state, &user, None, FormErrors::default(), Some(result))
            .await?
            .into_response(),
    )
}
