//! The call itself and its log row: who, when, which contact, host, model, tokens, what was
//! redacted and the outcome — never any content. Failures become plain words.

use crate::ai::{Client, ErrorKind};
use crate::crm::access::Who;
use crate::crm::{Crm, Error, Result};
use crate::db;
use crate::model::ContactId;
use crate::model::ai::{Answer, Counts};

impl Crm {
    /// Sends one request through `client` and logs it (one row per call, whatever happened);
    /// `task` is the feature's name in the log and the most tokens the answer may take.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn ai_call(
        &self,
        client: &Client,
        who: Who,
        contact: Option<ContactId>,
        task: (&'static str, u32),
        system: &str,
        user: &str,
        sent_tokens: u32,
        redacted: Counts,
    ) -> Result<Answer> {
        let (feature, answer_tokens) = task;
        let result = client.chat(system, user, answer_tokens).await;
        let e = client.endpoint();
        let (tokens_in, tokens_out, estimated, outcome) = match &result {
            Ok(a) => (
                a.prompt_tokens.unwrap_or(sent_tokens),
                a.completion_tokens
                    .unwrap_or_else(|| crate::model::ai::estimate_tokens(&a.text)),
                a.prompt_tokens.is_none() || a.completion_tokens.is_none(),
                "ok".to_string(),
            ),
            Err(err) => (0, 0, false, err.kind.as_str().to_string()),
        };
        let call = db::ai::Call {
            at: self.clock.now(),
            user_id: who.user.map(|u| u.0),
            contact_id: contact,
            feature: feature.into(),
            host: e.host(),
            model: e.model.clone(),
            tokens_in,
            tokens_out,
            estimated,
            redactions: redacted.code(),
            outcome,
        };
        self.db
            .write(move |c| db::ai::log_call(c, &call).map_err(Error::from))
            .await?;
        result.map_err(|err| Error::Ai(plain(&err, &e.host(), &e.model)))
    }
}

/// What the agent reads for a failed call.
fn plain(e: &crate::ai::Error, host: &str, model: &str) -> String {
    let said = if e.message.is_empty() {
        String::new()
    } else {
        format!(" It said: \"{}\"", e.message)
    };
    match e.kind {
        ErrorKind::Auth => format!(
            "{host} refused the API key ({}). An admin can check the key in Settings → AI assist.{said}",
            e.status.unwrap_or(401)
        ),
        ErrorKind::NotFound => format!(
            "{host} does not know the model \"{model}\" (or the address is not an OpenAI-compatible /v1). Check Settings → AI assist.{said}"
        ),
        ErrorKind::RateLimit => format!(
            "{host} is rate-limiting FlowCRM or the account's quota is used up (429). Wait a minute and try again.{said}"
        ),
        ErrorKind::Server => format!(
            "{host} had a problem ({}). Try again in a moment.{said}",
            e.status.unwrap_or(500)
        ),
        ErrorKind::Timeout => format!(
            "{host} did not answer in time. Try again, or an admin can raise the timeout in Settings → AI assist."
        ),
        ErrorKind::Network => format!(
            "FlowCRM could not reach {host}. Is the AI server running and the address right?{said}"
        ),
        ErrorKind::Invalid => format!("{host} did not give a usable answer.{said}"),
    }
}
