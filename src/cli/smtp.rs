//! `flowcrm smtp test --to ADDRESS`: connects to the configured mail server and sends a test
//! email right away (not through the queue), so a sysadmin sees at once whether email works and,
//! if not, why in plain words.

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::mail::{Mailer, Outgoing};
use clap::Subcommand;

/// SMTP subcommands.
#[derive(Debug, Subcommand)]
pub enum SmtpCommand {
    /// Send a test email now through `[smtp]` and say what the server answered.
    Test {
        /// Where to send it.
        #[arg(long, value_name = "ADDRESS")]
        to: String,
    },
}

pub(super) async fn run(loaded: &Loaded, cmd: SmtpCommand) -> anyhow::Result<()> {
    let SmtpCommand::Test { to } = cmd;
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let result = async {
        let cfg = &loaded.config.smtp;
        let password = state.secret("smtp.password").await;
        let business = loaded.config.business_name();
        let mailer = Mailer::new(cfg, password.as_ref(), &business)?;
        println!("connecting to {} …", mailer.server());
        mailer.check().await?;
        let m = Outgoing {
            to: to.clone(),
            subject: format!("Test email from {business}"),
            text: format!(
                "This is a test email from {business}'s FlowCRM, sent with `flowcrm smtp test`.\n\nIf you can read this, email works.\n"
            ),
            html: format!(
                "<p>This is a test email from {business}'s FlowCRM, sent with <code>flowcrm smtp test</code>.</p><p>If you can read this, email works.</p>"
            ),
        };
        mailer.send(&m).await?;
        println!("sent a test email to {to} through {}", mailer.server());
        anyhow::Ok(())
    }
    .await;
    state.db.close().await;
    result
}
