//! `flowcrm privacy notice`: the privacy notice of `/privacy` as Markdown, from the same
//! configuration, for the business's own website.

use crate::config::Loaded;
use crate::crm::notice::{Notice, notice};
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

pub(super) fn run(loaded: &Loaded, cmd: &PrivacyCommand) -> anyhow::Result<()> {
    let PrivacyCommand::Notice = cmd;
    let config = &loaded.config;
    let cookies = CookieConfig::new(config.is_https()).uses(config);
    let text = Markdown {
        n: notice(config, cookies),
    }
    .render()?;
    print!("{text}");
    Ok(())
}
