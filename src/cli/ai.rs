//! `flowcrm ai status` and `flowcrm ai test`: AI assist's settings in force, this month's use
//! and the newest calls, and the connection test (the truncation check) — the same use cases as
//! Settings → AI assist (`crm::ai`). The key is set with `flowcrm secret set ai.api_key`.

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm::access::Who;
use crate::model::ai::Counts;
use clap::Subcommand;

/// AI subcommands.
#[derive(Debug, Subcommand)]
pub enum AiCommand {
    /// The settings in force, this month's use and the newest calls (never any content).
    Status,
    /// Send the long test prompt and say whether the server reads all of it.
    Test,
}

pub(super) async fn run(loaded: &Loaded, cmd: AiCommand) -> anyhow::Result<()> {
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let result = async {
        match cmd {
            AiCommand::Status => status(&state).await,
            AiCommand::Test => test(&state).await,
        }
    }
    .await;
    state.db.close().await;
    result
}

async fn status(state: &AppState) -> anyhow::Result<()> {
    let who = Who::system();
    let s = state.crm.ai_settings(who).await?;
    let key = match state.crm.ai_key_set(who).await {
        Ok(true) => "set".to_string(),
        Ok(false) => "not set".to_string(),
        Err(e) => e.to_string(),
    };
    let u = state.crm.ai_usage(who, 10).await?;
    println!("AI assist: {}", if s.enabled { "on" } else { "off" });
    println!("endpoint:  {} (model {})", s.base_url, s.model);
    println!("API key:   {key}");
    println!(
        "budget:    {} tokens per request, {} s timeout",
        s.context_tokens, s.timeout_secs
    );
    let cap = if s.monthly_token_cap == 0 {
        "no cap".to_string()
    } else {
        format!("cap {}", s.monthly_token_cap)
    };
    println!(
        "this month: {} tokens in {} calls ({cap})",
        u.tokens, u.calls
    );
    if !s.from_file.is_empty() {
        println!("set in flowcrm.toml: {}", s.from_file.join(", "));
    }
    for (c, by) in &u.recent {
        println!(
            "  {}  {:<9} contact {:<6} {} · {}  {} in / {} out  redacted: {}  {}  by {}",
            c.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            c.feature,
            c.contact_id
                .map_or_else(|| "-".to_string(), |id| id.0.to_string()),
            c.host,
            c.model,
            c.tokens_in,
            c.tokens_out,
            Counts::parse(&c.redactions),
            c.outcome,
            by.as_deref().unwrap_or("the CLI"),
        );
    }
    Ok(())
}

async fn test(state: &AppState) -> anyhow::Result<()> {
    eprintln!("sending the test prompt…");
    let r = state.crm.ai_test(Who::system()).await?;
    for l in &r.lines {
        println!("{l}");
    }
    anyhow::ensure!(r.ok, "the AI endpoint is not ready (see above)");
    Ok(())
}
