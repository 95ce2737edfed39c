//! "Test connection": a long canary prompt of about the token budget. A server that silently
//! cuts long prompts (Ollama's default context) reports fewer `usage.prompt_tokens` than were
//! sent, and the result says so and how to fix it.

use super::settings::settings;
use crate::crm::access::{self, AdminAction, Who};
use crate::crm::{Crm, Error, Result};
use crate::model::ai::{Counts, canary};

/// What the test found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TestResult {
    /// Everything worked and nothing was cut.
    pub ok: bool,
    /// What happened, line by line.
    pub lines: Vec<String>,
    /// The server cut the prompt.
    pub truncated: bool,
}

impl Crm {
    /// Tests the endpoint in force (admins), whether or not AI assist is on. Logged like any
    /// call (feature `test`, no contact).
    pub async fn ai_test(&self, who: Who) -> Result<TestResult> {
        access::require(who, AdminAction::AiSettings)?;
        let rt = self.ai_runtime();
        let file = rt.file.clone();
        let s = self.db.read(move |c| settings(c, &file)).await?;
        let key = (rt.key)().await.map_err(Error::Ai)?;
        let mut out = TestResult::default();
        if key.is_none() && s.needs_key() {
            out.lines
                .push(format!("No API key is set, and {} needs one.", s.host()));
            return Ok(out);
        }
        // About 90 % of the budget in ordinary words (one token each in common tokenizers).
        let words = (s.context_tokens / 10 * 9).max(200);
        let (prompt, code) = canary(words);
        let client = self.ai_client(s.endpoint(key)).await?;
        let system = "You are a connection test.";
        let sent = crate::model::ai::estimate_tokens(&prompt);
        let answer = match self
            .ai_call(
                &client,
                who,
                None,
                ("test", 20),
                system,
                &prompt,
                sent,
                Counts::default(),
            )
            .await
        {
            Ok(a) => a,
            Err(Error::Ai(why)) => {
                out.lines.push(why);
                return Ok(out);
            }
            Err(e) => return Err(e),
        };
        out.lines
            .push(format!("{} answered with model {}.", s.host(), s.model));
        match answer.prompt_tokens {
            None => out.lines.push(
                "The server did not report token usage, so FlowCRM cannot check whether it cuts \
                 long prompts; the monthly cap counts FlowCRM's own estimate."
                    .into(),
            ),
            Some(n) if n < words * 7 / 10 => {
                out.truncated = true;
                out.lines.push(format!(
                    "Truncated: the test sent about {words} tokens but the server read only {n}. \
                     It cuts long prompts without saying so. For Ollama, create a model with a \
                     larger context — a Modelfile with `FROM {}` and `PARAMETER num_ctx {}`, then \
                     `ollama create` — or lower the token budget below {n}.",
                    s.model,
                    (s.context_tokens + 2048).next_power_of_two()
                ));
            }
            Some(n) => out.lines.push(format!(
                "The server read the whole test prompt ({n} tokens for about {words} sent)."
            )),
        }
        if !answer.text.to_uppercase().contains(code) {
            out.lines.push(
                "The model did not repeat the code word from the end of the prompt: it may not \
                 have read all of it, or it does not follow instructions well."
                    .into(),
            );
        }
        out.ok = !out.truncated && answer.prompt_tokens.is_some();
        Ok(out)
    }
}
