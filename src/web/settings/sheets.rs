//! `/settings/sheets` (admins): Google Sheets sync — the status panel (last success, next run,
//! backoff, the last runs with their counts, errors in plain words and logs), "Sync now", the
//! setup checklist, the service-account key upload (stored by the vault, never shown again) and
//! the spreadsheet and columns form. Every rule lives in `crm::sheets`.

use crate::app::AppState;
use crate::config::Secret;
use crate::crm::access::{self, AdminAction};
use crate::crm::sheets::{Checklist, SetupInput, Trigger, names};
use crate::db::sheets::Run;
use crate::model::sheets::{CONTACT_FIELDS, ORDER_FIELDS};
use crate::web::cookies::FlashKind;
use crate::web::error::{AppError, Result};
use crate::web::extract::CurrentUser;
use crate::web::forms::{FormErrors, redirect_with_flash};
use crate::web::layout::{Layout, Nav};
use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

/// One run as the page shows it.
pub struct RunLine {
    when: String,
    trigger: String,
    outcome: &'static str,
    counts: String,
    error: Option<String>,
    log: Vec<String>,
}

/// The page.
#[derive(Template, WebTemplate)]
#[template(path = "settings/sheets.html")]
pub struct SheetsPage {
    layout: Layout,
    last_ok: Option<String>,
    next: Option<String>,
    backoff: Option<String>,
    schedule: Option<String>,
    running: bool,
    setup_error: Option<String>,
    key_email: Option<String>,
    key_problem: Option<String>,
    key_in_file: bool,
    form: SetupForm,
    locked: Vec<&'static str>,
    errors: FormErrors,
    runs: Vec<RunLine>,
    checklist: Option<Checklist>,
    contact_sources: String,
    order_sources: String,
    field_keys: String,
}

/// The setup form's fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SetupForm {
    #[serde(default)]
    spreadsheet: String,
    #[serde(default)]
    contacts_tab: String,
    #[serde(default)]
    contacts_columns: String,
    #[serde(default)]
    orders_tab: String,
    #[serde(default)]
    orders_columns: String,
    #[serde(default)]
    order_lines: Option<String>,
    #[serde(default)]
    only_opted_in: Option<String>,
}

impl SheetsPage {
    fn locked(&self, name: &str) -> bool {
        self.locked.contains(&name)
    }
}

fn run_line(r: &Run, zone: &crate::model::Zone) -> RunLine {
    RunLine {
        when: r
            .started_at
            .map(|t| crate::web::when::stamp(zone, t))
            .unwrap_or_default(),
        trigger: if r.dry_run {
            format!("{} (dry run)", r.trigger)
        } else {
            r.trigger.clone()
        },
        outcome: match r.ok {
            Some(true) => "ok",
            Some(false) => "failed",
            None => "running",
        },
        counts: format!(
            "{} added, {} updated, {} deleted, {} read back, {} skipped · {} requests",
            r.added, r.updated, r.deleted, r.read_back, r.skipped, r.requests
        ),
        error: r.error.clone(),
        log: r.log.lines().map(String::from).collect(),
    }
}

async fn page(
    state: &AppState,
    user: &CurrentUser,
    form: Option<SetupForm>,
    errors: FormErrors,
    checklist: Option<Checklist>,
) -> Result<SheetsPage> {
    let s = state.crm.sheets_status(user.who()).await?;
    let zone = &user.ctx.zone;
    let now = state.clock.now();
    let (key_email, key_problem) =
        match crate::app::sheets_account(&state.config, &state.vault).await {
            Ok(a) => (a.map(|a| a.email().to_string()), None),
            Err(e) => (None, Some(e.to_string())),
        };
    let defs = state.db.read(crate::db::custom_fields::list).await?;
    let (stored, locked, setup_error) = match &s.setup {
        Ok(setup) => (
            SetupForm {
                spreadsheet: setup
                    .spreadsheet
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                contacts_tab: setup.contacts.title.clone(),
                contacts_columns: setup.contacts.columns.to_string().replace("; ", "\n"),
                orders_tab: setup.orders.title.clone(),
                orders_columns: setup.orders.columns.to_string().replace("; ", "\n"),
                order_lines: setup.order_lines.then(|| "1".into()),
                only_opted_in: setup.only_opted_in.then(|| "1".into()),
            },
            setup.from_file.clone(),
            None,
        ),
        Err(why) => (SetupForm::default(), Vec::new(), Some(why.clone())),
    };
    let sources =
        |list: &[(&str, &str)]| list.iter().map(|(s, _)| *s).collect::<Vec<_>>().join(", ");
    Ok(SheetsPage {
        layout: Layout::new(&user.ctx, "Google Sheets", Nav::Settings),
        last_ok: s.last_ok.as_ref().and_then(|r| r.finished_at).map(|t| {
            format!(
                "{} ({})",
                super::backups::age(now, t),
                crate::web::when::stamp(zone, t)
            )
        }),
        next: s.next.map(|t| crate::web::when::stamp(zone, t)),
        backoff: s.backoff_until.map(|t| crate::web::when::stamp(zone, t)),
        schedule: s.schedule.clone(),
        running: s.running,
        setup_error,
        key_email,
        key_problem,
        key_in_file: state.config.sheets.service_account_file.is_some(),
        form: form.unwrap_or(stored),
        locked,
        errors,
        runs: s.recent.iter().map(|r| run_line(r, zone)).collect(),
        checklist,
        contact_sources: sources(CONTACT_FIELDS),
        order_sources: sources(ORDER_FIELDS),
        field_keys: defs
            .iter()
            .map(|f| format!("field:{}", f.key))
            .collect::<Vec<_>>()
            .join(", "),
    })
}

/// `GET /settings/sheets`.
pub async fn sheets_page(State(state): State<AppState>, user: CurrentUser) -> Result<SheetsPage> {
    page(&state, &user, None, FormErrors::default(), None).await
}

/// `POST /settings/sheets`: saves the spreadsheet and columns (every field checked first).
pub async fn save_sheets(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SetupForm>,
) -> Result<Response> {
    let input = SetupInput {
        spreadsheet: form.spreadsheet.clone(),
        contacts_tab: form.contacts_tab.clone(),
        contacts_columns: form.contacts_columns.clone(),
        orders_tab: form.orders_tab.clone(),
        orders_columns: form.orders_columns.clone(),
        order_lines: form.order_lines.is_some(),
        only_opted_in: form.only_opted_in.is_some(),
    };
    match state.crm.save_sheets_setup(user.who(), input).await {
        Ok(()) => Ok(redirect_with_flash(
            &state.cookies,
            "/settings/sheets",
            FlashKind::Success,
            "Saved. Use “Check setup” to test it.",
        )),
        Err(crate::crm::Error::Invalid(errors)) => {
            Ok(page(&state, &user, Some(form), FormErrors(errors), None)
                .await?
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// `POST /settings/sheets/key` (multipart: the key's JSON file `key`, or pasted `key_text`).
pub async fn upload_key(
    State(state): State<AppState>,
    user: CurrentUser,
    mut form: Multipart,
) -> Result<Response> {
    let who = user.who();
    access::require(who, AdminAction::SheetsSync)?;
    let mut json = String::new();
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_string();
        let text = field.text().await.unwrap_or_default();
        if (name == "key" || name == "key_text") && !text.trim().is_empty() {
            json = text;
        }
    }
    let (kind, message) = match state.crm.check_sheets_key(who, &json) {
        Ok(email) => {
            state
                .vault
                .set(names::KEY_SECRET, &Secret::new(json))
                .await
                .map_err(|e| AppError::Internal(e.into()))?;
            (
                FlashKind::Success,
                format!("Key stored (encrypted). Share the spreadsheet with {email} as Editor."),
            )
        }
        Err(crate::crm::Error::Invalid(errors)) => (
            FlashKind::Error,
            errors
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Err(e) => return Err(e.into()),
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/sheets",
        kind,
        &message,
    ))
}

/// `POST /settings/sheets/sync`: syncs now, in the background.
pub async fn sync_now(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let who = user.who();
    access::require(who, AdminAction::SheetsSync)?;
    let account = crate::app::sheets_account(&state.config, &state.vault).await;
    let crm = state.crm.clone();
    let (kind, message) = match account {
        Err(e) => (FlashKind::Error, e.to_string()),
        Ok(account) => {
            tokio::spawn(async move {
                if let Err(e) = crm.sheets_sync(who, account, Trigger::Button, false).await {
                    tracing::warn!(error = %e, "google sheets sync from the button failed");
                }
            });
            (
                FlashKind::Success,
                "Sync started. Reload this page to see it finish.".to_string(),
            )
        }
    };
    Ok(redirect_with_flash(
        &state.cookies,
        "/settings/sheets",
        kind,
        &message,
    ))
}

/// `POST /settings/sheets/check`: tests each setup step (and runs the first sync); shows the
/// checklist.
pub async fn check(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let account = match crate::app::sheets_account(&state.config, &state.vault).await {
        Ok(a) => a,
        Err(e) => {
            return Ok(redirect_with_flash(
                &state.cookies,
                "/settings/sheets",
                FlashKind::Error,
                &e.to_string(),
            ));
        }
    };
    let list = state.crm.sheets_check(user.who(), account).await?;
    Ok(page(&state, &user, None, FormErrors::default(), Some(list))
        .await?
        .into_response())
}
