//! `flowcrm audit list`: the audit log in the shell, newest first, one line per event (control
//! characters escaped, so nothing in a name or target can forge a line).

use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::db::audit::AuditFilter;
use clap::Subcommand;

/// Audit subcommands.
#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Print the newest events.
    List {
        /// Only actions starting with this (`login`, `user.invite` ...).
        #[arg(long)]
        action: Option<String>,
        /// Only targets containing this.
        #[arg(long)]
        target: Option<String>,
        /// How many (newest first).
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// One field on one line: control characters (a newline in a name) are shown escaped.
fn one_line(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

pub(super) async fn run(loaded: &Loaded, cmd: AuditCommand) -> anyhow::Result<()> {
    let AuditCommand::List {
        action,
        target,
        limit,
    } = cmd;
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let filter = AuditFilter {
        action,
        target,
        ..AuditFilter::default()
    };
    let rows = state
        .db
        .read(move |c| crate::db::audit::search(c, &filter, None, limit.clamp(1, 100_000)))
        .await;
    state.db.close().await;
    let rows = rows?;
    if rows.is_empty() {
        println!("no audit entries match");
    }
    for r in rows {
        let e = &r.entry;
        let at =
            e.at.format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default();
        let who = r
            .actor_name
            .clone()
            .or(e.actor.map(|a| format!("user {}", a.0)))
            .unwrap_or_else(|| "-".into());
        println!(
            "{at}  {:<28} {:<24} {}  ip={} {}",
            one_line(&e.action),
            one_line(&who),
            one_line(&e.target),
            one_line(&e.ip),
            one_line(&e.detail)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_newline_in_a_field_cannot_start_a_line_of_its_own() {
        let forged = "Bob\n2026-01-01T00:00:00Z  login.success";
        assert_eq!(
            super::one_line(forged),
            "Bob\\n2026-01-01T00:00:00Z  login.success"
        );
        assert_eq!(super::one_line("Ana Lima (vendas)"), "Ana Lima (vendas)");
        assert_eq!(
            super::one_line("José\tSilva"),
            "José\\tSilva",
            "accents stay readable"
        );
    }
}
