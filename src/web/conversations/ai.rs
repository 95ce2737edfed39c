//! AI assist on the conversation page: `POST /conversations/{id}/ai/{summary,draft,rewrite,
//! translate,suggest}`. Each calls `Crm::ai_assist` (every rule is there) and answers with the
//! conversation page itself: the draft, rewrite or translation in the composer for the agent
//! to edit and send (never sent by itself), the summary, template pick or suggestions in the
//! panel, and any refusal or failure in plain words there — the agent's own text is never lost.

use super::page::{ConversationPage, ShowQuery, render};
use crate::app::AppState;
use crate::crm::ai::{Assist, Request};
use crate::db::ai::Summary;
use crate::model::Tag;
use crate::web::error::Result;
use crate::web::extract::CurrentUser;
use axum::Form;
use axum::extract::{Path, State};
use serde::Deserialize;
use std::fmt::Write as _;

/// What the last AI request gave, for the page.
#[derive(Debug, Default)]
pub struct AiView {
    /// Why nothing came back (plain words).
    pub error: Option<String>,
    /// "Drafted from 40 of 40 messages. Replaced before sending: 1 phone number."
    pub note: Option<String>,
    /// The server cut the prompt.
    pub warning: Option<String>,
    /// Text for the composer (the draft, or the agent's own text back after a failure).
    pub compose: String,
    /// The template the model picked: (name, reason).
    pub template: Option<(String, String)>,
    /// The customer's intent.
    pub intent: Option<String>,
    /// Suggested tags not on the conversation yet.
    pub tags: Vec<Tag>,
    /// AI assist is on (the panel and the composer's AI buttons show).
    pub on: bool,
    /// Suggestions came back (even when none fit).
    pub suggested: bool,
    /// The request was the panel's (summary, suggestions): its messages show there, else by
    /// the composer.
    pub in_panel: bool,
}

/// The summary as the panel shows it: (text, "… from N of M messages").
pub(super) fn summary_view(s: &Summary, zone: &crate::model::Zone) -> (String, String) {
    let redacted = crate::model::ai::Counts::parse(&s.redactions);
    let mut about = format!(
        "{} · {} · from the newest {} of {} messages",
        crate::web::when::stamp(zone, s.created_at),
        s.model,
        s.messages_used,
        s.messages_total
    );
    if !redacted.is_empty() {
        let _ = write!(about, " · {redacted} replaced before sending");
    }
    (s.body.clone(), about)
}

/// The AI forms' fields (the composer's, when a button there sent them).
#[derive(Debug, Default, Deserialize)]
pub struct AiForm {
    /// The agent's text in the composer.
    #[serde(default)]
    body: String,
    /// Rewrite style.
    #[serde(default)]
    style: String,
    /// The message being answered, kept for the page.
    #[serde(default)]
    reply_to: Option<String>,
}

fn note(verb: &str, a: &Assist) -> String {
    let mut n = if a.total > 0 {
        format!("{verb} from the newest {} of {} messages.", a.used, a.total)
    } else {
        format!("{verb}.")
    };
    if !a.redacted.is_empty() {
        let _ = write!(n, " Replaced before sending: {}.", a.redacted);
    }
    n
}

async fn answer(
    state: &AppState,
    user: &CurrentUser,
    id: i64,
    form: AiForm,
    request: Request,
) -> Result<ConversationPage> {
    let verb = match &request {
        Request::Summary => "Summarised",
        Request::Draft => "Drafted",
        Request::Rewrite { .. } => "Rewritten",
        Request::Translate { .. } => "Translated",
        Request::Suggest => "Suggested",
    };
    // A draft, rewrite or translation goes into the composer; the rest show in the panel.
    let for_composer = matches!(
        request,
        Request::Draft | Request::Rewrite { .. } | Request::Translate { .. }
    );
    let mut view = AiView {
        in_panel: matches!(request, Request::Summary | Request::Suggest),
        compose: form.body.clone(),
        ..AiView::default()
    };
    match state.crm.ai_assist(user.who(), id, request).await {
        Ok(a) => {
            view.note = Some(note(verb, &a));
            view.warning.clone_from(&a.truncated);
            if let Some(p) = &a.template {
                view.template = Some((p.name.clone(), p.reason.clone()));
                view.note = Some(note("Picked a template", &a));
            }
            if let Some(s) = &a.suggestions {
                view.suggested = true;
                view.intent = Some(s.intent.clone()).filter(|i| !i.is_empty());
                let on = state
                    .db
                    .read(move |c| crate::db::tags::for_conversation(c, id))
                    .await?;
                let all = state.db.read(crate::db::tags::list).await?;
                view.tags = all
                    .into_iter()
                    .map(|(t, _)| t)
                    .filter(|t| s.tags.contains(&t.name) && !on.iter().any(|o| o.id == t.id))
                    .collect();
            }
            if let Some(t) = a.text
                && for_composer
            {
                view.compose = t;
            }
        }
        Err(crate::crm::Error::Ai(why)) => view.error = Some(why),
        Err(e) => return Err(e.into()),
    }
    let q = ShowQuery {
        reply_to: form.reply_to,
        ..ShowQuery::default()
    };
    render(state, user, id, q, view).await
}

/// `POST /conversations/{id}/ai/summary`: summarise (stored; replaces the previous one).
pub async fn ai_summary(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AiForm>,
) -> Result<ConversationPage> {
    answer(&state, &user, id, form, Request::Summary).await
}

/// `POST /conversations/{id}/ai/draft`: a reply draft into the composer (or, with the window
/// closed, the approved template that fits).
pub async fn ai_draft(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AiForm>,
) -> Result<ConversationPage> {
    answer(&state, &user, id, form, Request::Draft).await
}

/// `POST /conversations/{id}/ai/rewrite`: the composer's text rewritten in a style.
pub async fn ai_rewrite(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AiForm>,
) -> Result<ConversationPage> {
    let request = Request::Rewrite {
        style: form.style.clone(),
        text: form.body.clone(),
    };
    answer(&state, &user, id, form, request).await
}

/// `POST /conversations/{id}/ai/translate`: the composer's text in the customer's language.
pub async fn ai_translate(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AiForm>,
) -> Result<ConversationPage> {
    let request = Request::Translate {
        text: form.body.clone(),
    };
    answer(&state, &user, id, form, request).await
}

/// `POST /conversations/{id}/ai/suggest`: the customer's intent and tags that fit.
pub async fn ai_suggest(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<AiForm>,
) -> Result<ConversationPage> {
    answer(&state, &user, id, form, Request::Suggest).await
}
