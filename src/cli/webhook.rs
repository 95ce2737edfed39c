//! `flowcrm webhook replay`: ingest a saved webhook body through the same code path as Meta's
//! POSTs, without HTTP or a signature (for support and demos).

use crate::app;
use crate::config::Loaded;
use crate::crm;
use crate::whatsapp::webhook;
use anyhow::Context;
use clap::Subcommand;
use std::io::Read;
use std::path::PathBuf;

/// Webhook subcommands.
#[derive(Debug, Subcommand)]
pub enum WebhookCommand {
    /// Store the events of a saved webhook body (a file, or stdin when no --file).
    Replay {
        /// JSON file with a webhook body as Meta POSTs it; `-` or nothing reads stdin.
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

pub(super) async fn run(loaded: &Loaded, cmd: WebhookCommand) -> anyhow::Result<()> {
    let WebhookCommand::Replay { file } = cmd;
    let mut body = Vec::new();
    if let Some(path) = file.as_deref().filter(|p| p.as_os_str() != "-") {
        body = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    } else {
        std::io::stdin()
            .read_to_end(&mut body)
            .context("cannot read stdin")?;
    }
    let events = webhook::parse(&body)
        .map_err(|e| anyhow::anyhow!("not a webhook body: {e}; nothing stored"))?;
    let (db, _) = app::open_db(&loaded.config).await?;
    let now = time::OffsetDateTime::now_utc();
    let count = events.len();
    let c = &loaded.config.crm;
    let keywords = crm::consent::Keywords::new(&c.opt_out_keywords, &c.opt_in_keywords);
    let result = db
        .write(move |c| crm::inbound::record(c, &events, None, now, &keywords))
        .await;
    db.close().await;
    let o = result?;
    println!(
        "{count} event(s): {} new message(s), {} duplicate(s), {} status(es), {} template update(s), {} other, {} attachment(s) to download",
        o.messages, o.duplicates, o.statuses, o.templates, o.other, o.media
    );
    if o.media > 0 {
        println!("attachments are downloaded by the running server (flowcrm serve)");
    }
    Ok(())
}
