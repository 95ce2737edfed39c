//! `flowcrm privacy notice`: the privacy notice of `/privacy` as Markdown, from the same
//! configuration, for the business's own website.

use crate::config::Loaded;
use crate::crm::notice::Notice;
use crate::web::cookies::CookieConfig;
use askama::Template;
use clap::Subcommand;

/// Privacy subcommands.
#[derive(Debug, Subcommand)]
pub enum PrivacyCommand {
    /// Print the privacy notice (controller, processors switched on, retention, cookies,
    /// rights, Meta's data deletion instructions) as Markdown.
    Notice,
}

#[derive(Template)]
#[template(path = "privacy/notice.md")]
struct Markdown {
    n: Notice,
}

pub(super) async fn run(loaded: &Loaded, cmd: &PrivacyCommand) -> anyhow::Result<()> {
    let PrivacyCommand::Notice = cmd;
    let config = &loaded.config;
    let cookies = CookieConfig::new(config.is_https()).uses(config);
    let state = crate::app::AppState::open(config.clone(), crate::app::system_clock()).await?;
    let n = state.crm.privacy_notice(config, cookies).await;
    state.db.close().await;
    let text = Markdown { n: n? }.render()?;
    print!("{text}");
    Ok(())
}
