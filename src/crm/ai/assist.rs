//! One AI request for a conversation: the checks (on, allowed, "no AI", restriction, the cap),
//! the prompt (redacted, newest messages first within the budget, never notes), the call, the
//! log row, and the answer with its placeholders restored.

use super::settings::{Settings, month_start, settings};
use crate::crm::access::{self, Who};
use crate::crm::subject::restrict::{Purpose, check_processing};
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::ai::{
    self, Counts, PROMPT_VERSION, Redactor, Suggestions, Task, TemplateOption, TemplatePick,
    Transcript, estimate_tokens,
};
use crate::model::{ContactId, TemplateStatus};
use rusqlite::Connection;

/// What the agent asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// Summarise the conversation (stored).
    Summary,
    /// Draft the next reply (or, with the window closed, pick a template).
    Draft,
    /// Rewrite the agent's text in a style (`fix`, `friendly`, `formal`, `shorter`).
    Rewrite {
        /// The style.
        style: String,
        /// The agent's draft.
        text: String,
    },
    /// Translate the agent's text into the customer's language.
    Translate {
        /// The agent's draft.
        text: String,
    },
    /// Intent and tag suggestions.
    Suggest,
}

/// What came back, ready for the agent.
#[derive(Debug, Clone, Default)]
pub struct Assist {
    /// Text for the composer (draft, rewrite, translation) or the summary, placeholders
    /// restored.
    pub text: Option<String>,
    /// The template the model picked (window closed).
    pub template: Option<TemplatePick>,
    /// Intent and tags.
    pub suggestions: Option<Suggestions>,
    /// What was replaced before sending.
    pub redacted: Counts,
    /// Messages sent.
    pub used: usize,
    /// Messages the conversation has.
    pub total: usize,
    /// The server read fewer tokens than were sent (it cut the prompt).
    pub truncated: Option<String>,
}

/// Everything read from the store for one request.
struct Prepared {
    contact: ContactId,
    task: Task,
    system: String,
    user: String,
    redactor: Redactor,
    used: usize,
    total: usize,
    sent_tokens: u32,
}

fn refuse(e: Error) -> Error {
    match e {
        Error::Conflict(why) => Error::Ai(why),
        other => other,
    }
}

/// Checks and builds the prompt inside one read.
fn prepare(
    conn: &Connection,
    who: Who,
    conversation: i64,
    request: &Request,
    s: &Settings,
    now: time::OffsetDateTime,
) -> Result<Prepared> {
    access::check_work(conn, who, conversation)?;
    let thread =
        db::conversations::get(conn, conversation)?.ok_or(Error::NotFound("conversation"))?;
    let contact = db::contacts::get(conn, thread.contact_id)?.ok_or(Error::NotFound("contact"))?;
    if db::ai::objection(conn, contact.id)?.is_some() {
        return Err(Error::Ai(
            "This contact said \"no AI\": nothing of theirs is sent to the AI endpoint.".into(),
        ));
    }
    check_processing(conn, contact.id, Purpose::Ai).map_err(refuse)?;
    let task = task(
        conn,
        request,
        thread.window_closes_at().is_some_and(|t| t > now),
    )?;
    let system = ai::system_prompt(&task);
    let mut redactor = Redactor::new(&[contact.name.as_str(), contact.profile_name.as_str()]);
    let draft = match request {
        Request::Rewrite { text, .. } | Request::Translate { text } => {
            let t = text.trim();
            if t.is_empty() {
                return Err(Error::Ai("Write something in the reply box first.".into()));
            }
            Some(redactor.redact(&ai::clip(t, ai::MAX_REPLY_CHARS)))
        }
        _ => None,
    };
    let budget = s
        .context_tokens
        .saturating_sub(estimate_tokens(&system))
        .saturating_sub(draft.as_deref().map_or(0, estimate_tokens));
    // The customer's own name is a placeholder from the start, so a draft can greet them.
    let customer = match request {
        Request::Rewrite { .. } | Request::Translate { .. } => None,
        _ => [&contact.name, &contact.profile_name]
            .into_iter()
            .find(|n| !n.trim().is_empty())
            .map(|n| redactor.redact(n.trim())),
    };
    let transcript = match request {
        Request::Rewrite { .. } => Transcript::default(),
        Request::Translate { .. } => {
            transcript(conn, conversation, budget.min(1500), true, &mut redactor)?
        }
        _ => transcript(conn, conversation, budget, false, &mut redactor)?,
    };
    let transcript = Transcript {
        customer,
        ..transcript
    };
    if draft.is_none() && transcript.lines.is_empty() {
        return Err(Error::Ai(
            "This conversation has no messages with text yet.".into(),
        ));
    }
    let user = transcript.render(draft.as_deref());
    Ok(Prepared {
        contact: contact.id,
        sent_tokens: estimate_tokens(&system) + estimate_tokens(&user),
        task,
        system,
        user,
        redactor,
        used: transcript.used(),
        total: transcript.total,
    })
}

/// The task for `request`: a draft becomes a template pick when the window is closed.
fn task(conn: &Connection, request: &Request, window_open: bool) -> Result<Task> {
    Ok(match request {
        Request::Summary => Task::Summary,
        Request::Draft if window_open => Task::Draft,
        Request::Draft => {
            let list: Vec<TemplateOption> = db::templates::list(conn)?
                .into_iter()
                .filter(|t| t.status == TemplateStatus::Approved)
                .map(|t| TemplateOption {
                    text: crate::model::TemplateComponents::parse(&t.components)
                        .map(|c| c.body_text().to_string())
                        .unwrap_or_default(),
                    name: t.name,
                    language: t.language,
                })
                .collect();
            if list.is_empty() {
                return Err(Error::Ai(
                    "The 24-hour window is closed and there is no approved template to suggest. \
                     Sync or create templates on the Templates page."
                        .into(),
                ));
            }
            Task::PickTemplate(list)
        }
        Request::Rewrite { style, .. } => {
            if !ai::REWRITE_STYLES.iter().any(|(v, _, _)| v == style) {
                return Err(Error::field(
                    "style",
                    "Choose how to rewrite: fix, friendly, formal or shorter.",
                ));
            }
            Task::Rewrite(style.clone())
        }
        Request::Translate { .. } => Task::Translate,
        Request::Suggest => {
            let tags: Vec<String> = db::tags::list(conn)?
                .into_iter()
                .map(|(t, _)| t.name)
                .collect();
            if tags.is_empty() {
                return Err(Error::Ai(
                    "There are no tags to suggest yet: create some on the Tags page.".into(),
                ));
            }
            Task::Suggest(tags)
        }
    })
}

/// The conversation's newest messages (only the customer's when `customer_only`) that fit in
/// `budget` tokens, redacted, oldest first.
pub(super) fn transcript(
    conn: &Connection,
    conversation: i64,
    budget: u32,
    customer_only: bool,
    redactor: &mut Redactor,
) -> Result<Transcript> {
    let mut lines = Vec::new();
    let mut spent = 0u32;
    let total = db::ai::newest_first(conn, conversation, |from_customer, body| {
        if customer_only && !from_customer {
            return true;
        }
        let who = if from_customer {
            "Customer: "
        } else {
            "Business: "
        };
        let cost = estimate_tokens(body) + 3;
        if spent + cost > budget {
            if lines.is_empty() && budget > 20 {
                // One message longer than the whole budget: its newest part, cut to fit.
                let keep = ((budget - 20) as usize) * 4;
                let start = body.char_indices().rev().nth(keep).map_or(0, |(i, _)| i);
                lines.push(format!("{who}…{}", redactor.redact(&body[start..])));
            }
            return false;
        }
        spent += cost;
        lines.push(format!("{who}{}", redactor.redact(body)));
        true
    })?;
    lines.reverse();
    Ok(Transcript {
        lines,
        total,
        customer: None,
    })
}

impl Crm {
    /// One AI request for conversation `conversation` (agents who may work it, admins).
    /// Refusals and failures are `Error::Ai` in plain words; nothing is sent unless every
    /// check passes. A summary is stored; nothing else is.
    pub async fn ai_assist(&self, who: Who, conversation: i64, request: Request) -> Result<Assist> {
        let rt = self.ai_runtime();
        let now = self.clock.now();
        let file = rt.file.clone();
        let since = month_start(&rt.zone, now);
        let req = request.clone();
        let (s, p) = self
            .db
            .read(move |c| {
                let s = settings(c, &file)?;
                if !s.enabled {
                    return Err(Error::Ai(
                        "AI assist is off. An admin can turn it on in Settings → AI assist.".into(),
                    ));
                }
                check_cap(c, &s, since)?;
                let p = prepare(c, who, conversation, &req, &s, now)?;
                Ok((s, p))
            })
            .await?;
        let key = (rt.key)().await.map_err(Error::Ai)?;
        if key.is_none() && s.needs_key() {
            return Err(Error::Ai(format!(
                "No API key is set for {}. An admin can add it in Settings → AI assist or with \
                 `flowcrm secret set ai.api_key`.",
                s.host()
            )));
        }
        let client = self.ai_client(s.endpoint(key)).await?;
        let answer = self
            .ai_call(
                &client,
                who,
                Some(p.contact),
                (p.task.name(), p.task.answer_tokens()),
                &p.system,
                &p.user,
                p.sent_tokens,
                p.redactor.counts(),
            )
            .await?;
        self.finish(who, conversation, &s, p, answer).await
    }

    /// Reads the answer for `request`, stores a summary, warns about a cut prompt.
    async fn finish(
        &self,
        who: Who,
        conversation: i64,
        s: &Settings,
        p: Prepared,
        answer: ai::Answer,
    ) -> Result<Assist> {
        let mut out = Assist {
            redacted: p.redactor.counts(),
            used: p.used,
            total: p.total,
            truncated: truncation(answer.prompt_tokens, p.sent_tokens),
            ..Assist::default()
        };
        let restored = p.redactor.restore(&answer.text);
        match &p.task {
            Task::PickTemplate(list) => {
                out.template =
                    Some(ai::parse_template_pick(&answer.text, list).ok_or_else(unreadable)?);
            }
            Task::Suggest(tags) => {
                let mut sug = ai::parse_suggestions(&answer.text, tags).ok_or_else(unreadable)?;
                sug.intent = p.redactor.restore(&sug.intent);
                out.suggestions = Some(sug);
            }
            Task::Summary => {
                let summary = db::ai::Summary {
                    conversation_id: conversation,
                    contact_id: p.contact,
                    body: ai::clip(&restored, 4000),
                    model: s.model.clone(),
                    prompt_version: PROMPT_VERSION.into(),
                    messages_used: p.used,
                    messages_total: p.total,
                    redactions: out.redacted.code(),
                    created_by: who.user.map(|u| u.0),
                    created_at: self.clock.now(),
                };
                out.text = Some(summary.body.clone());
                self.db
                    .write(move |c| db::ai::put_summary(c, &summary).map_err(Error::from))
                    .await?;
            }
            Task::Draft | Task::Rewrite(_) | Task::Translate => {
                out.text = Some(ai::clip(&restored, ai::MAX_REPLY_CHARS));
            }
        }
        Ok(out)
    }
}

fn unreadable() -> Error {
    Error::Ai("The model's answer could not be read. Try again, or try another model.".into())
}

/// Refuses when this month's tokens reached the cap.
pub(super) fn check_cap(
    conn: &Connection,
    s: &Settings,
    since: time::OffsetDateTime,
) -> Result<()> {
    if s.monthly_token_cap == 0 {
        return Ok(());
    }
    let (used, _) = db::ai::used_since(conn, since)?;
    if used >= s.monthly_token_cap {
        return Err(Error::Ai(format!(
            "This month's AI allowance is used up ({used} of {} tokens). It starts again on the \
             1st; an admin can raise the monthly cap in Settings → AI assist.",
            s.monthly_token_cap
        )));
    }
    Ok(())
}

/// A warning when the server counted clearly fewer prompt tokens than were sent.
pub(super) fn truncation(reported: Option<u32>, sent: u32) -> Option<String> {
    let r = reported?;
    (f64::from(r) < f64::from(sent) * 0.5).then(|| {
        format!(
            "The AI server read only {r} of about {sent} tokens: it cut the conversation short, \
             so the answer may miss things. For Ollama, raise the model's context (a Modelfile \
             with PARAMETER num_ctx 8192), or lower the token budget in Settings → AI assist."
        )
    })
}
