//! `flowcrm contact export CONTACT [--out FILE]` and `flowcrm contact erase CONTACT --reason …`:
//! the same use cases as the contact page and the API, acting as an admin from the machine.

use super::contacts::ContactsCommand;
use crate::app::{self, AppState};
use crate::config::Loaded;
use crate::crm::access::Who;
use crate::crm::contacts::Actor;
use crate::crm::subject::{ERASE_WORD, Erase};
use crate::model::Role;
use anyhow::{Context, bail};
use std::io::{BufRead, IsTerminal, Write};

fn cli() -> (Who, Actor) {
    (
        Who::key(Role::Admin),
        Actor {
            user: None,
            ip: "cli".into(),
        },
    )
}

pub(super) async fn run(loaded: &Loaded, cmd: ContactsCommand) -> anyhow::Result<()> {
    let state = AppState::open(loaded.config.clone(), app::system_clock()).await?;
    let result = match cmd {
        ContactsCommand::Export { contact, out } => export(&state, &contact, out).await,
        ContactsCommand::Erase {
            contact,
            reason,
            request,
            yes,
        } => erase(&state, &contact, reason, request, yes).await,
        ContactsCommand::Import { .. } => Ok(()),
    };
    state.db.close().await;
    result
}

async fn export(
    state: &AppState,
    contact: &str,
    out: Option<std::path::PathBuf>,
) -> anyhow::Result<()> {
    let id = state.crm.find_contact(contact).await?;
    let (who, actor) = cli();
    let scratch = state.crm.export_scratch()?;
    let (mut file, s) = state.crm.export_contact(id, who, actor, scratch).await?;
    let path = out.unwrap_or_else(|| s.name.clone().into());
    let mut dest = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .with_context(|| {
            format!(
                "cannot create {} (an existing file is not overwritten)",
                path.display()
            )
        })?;
    std::io::copy(&mut file, &mut dest).with_context(|| format!("writing {}", path.display()))?;
    dest.sync_all()?;
    println!(
        "wrote {} ({} bytes): {} messages, {} media files",
        path.display(),
        s.size,
        s.messages,
        s.files
    );
    if s.missing > 0 {
        eprintln!(
            "warning: {} media files were missing on disk (see the log)",
            s.missing
        );
    }
    Ok(())
}

async fn erase(
    state: &AppState,
    contact: &str,
    reason: String,
    request: Option<String>,
    yes: bool,
) -> anyhow::Result<()> {
    let id = state.crm.find_contact(contact).await?;
    let confirm = if yes {
        ERASE_WORD.to_string()
    } else {
        if !std::io::stdin().is_terminal() {
            bail!(
                "erasing cannot be undone: pass --yes, or run it in a terminal to type {ERASE_WORD}"
            );
        }
        eprint!(
            "Erase contact {id} and every copy of their data? This cannot be undone. Type {ERASE_WORD}: "
        );
        std::io::stderr().flush()?;
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        line
    };
    let (who, actor) = cli();
    let started = std::time::Instant::now();
    let input = Erase {
        confirm,
        reason,
        request,
    };
    let r = state.crm.erase_contact(id, input, who, actor).await?;
    println!(
        "erased contact {id} in {:.2} s; receipt {}",
        started.elapsed().as_secs_f64(),
        r.code
    );
    for (what, n) in r.rows() {
        println!("  {n:>7} {}", what.to_lowercase());
    }
    Ok(())
}
