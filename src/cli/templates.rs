//! `flowcrm templates sync|list`.

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm;
use clap::Subcommand;

/// Template subcommands.
#[derive(Debug, Subcommand)]
pub enum TemplatesCommand {
    /// Fetch every message template of the WhatsApp Business Account from Meta.
    Sync,
    /// List the templates FlowCRM knows, with their review status.
    List,
}

pub(super) async fn run(loaded: &Loaded, cmd: TemplatesCommand) -> anyhow::Result<()> {
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let result = async {
        if let TemplatesCommand::Sync = cmd {
            let token = state.secret("whatsapp.access_token").await;
            let waba = state.crm.whatsapp_ids().await?.waba_id;
            let n = crm::templates::sync(
                &state.db,
                &state.graph,
                &state.clock,
                token.as_ref(),
                waba.as_deref(),
            )
            .await?;
            println!("synced {n} template(s)");
        }
        let list = state.db.read(crate::db::templates::list).await?;
        if list.is_empty() {
            println!("no templates yet");
        }
        for t in list {
            let reason = t.reason.map(|r| format!(" ({r})")).unwrap_or_default();
            println!(
                "{:<32} {:<6} {:<14} {}{reason}",
                t.name, t.language, t.category, t.status
            );
        }
        anyhow::Ok(())
    }
    .await;
    state.db.close().await;
    result
}
