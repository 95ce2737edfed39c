//! `flowcrm secret set|list|delete`: secrets encrypted at rest with the master key.

use super::read_secret;
use crate::app;
use crate::config::{Loaded, SECRET_KEYS, Secret};
use crate::vault::Vault;
use clap::Subcommand;

/// Secret subcommands.
#[derive(Debug, Subcommand)]
pub enum SecretCommand {
    /// Store a secret; the value is read from stdin (or a hidden prompt on a terminal).
    Set {
        /// One of: `whatsapp.app_secret`, `whatsapp.access_token`, `smtp.password`,
        /// `sheets.service_account` (the key's JSON file on stdin: `< key.json`).
        name: String,
    },
    /// List stored secrets (names and dates, never values).
    List,
    /// Delete a stored secret.
    Delete {
        /// The secret's name.
        name: String,
    },
}

pub(super) async fn run(loaded: &Loaded, cmd: SecretCommand) -> anyhow::Result<()> {
    if let SecretCommand::Set { name } | SecretCommand::Delete { name } = &cmd {
        anyhow::ensure!(
            SECRET_KEYS.contains(&name.as_str()),
            "unknown secret `{name}`; known secrets: {}",
            SECRET_KEYS.join(", ")
        );
    }
    let config = &loaded.config;
    app::create_private_dir(&config.server.data_dir)?;
    let (db, _) = app::open_db(config).await?;
    let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(std::path::PathBuf::from);
    let key_path = config.master_key_path(creds.as_deref());
    let result = async {
        let vault = Vault::open(&db, &key_path, app::system_clock()).await?;
        match cmd {
            SecretCommand::Set { name } => {
                let value = if name == crate::crm::sheets::names::KEY_SECRET {
                    read_key_json()?
                } else {
                    read_secret(&format!("Value for {name}: "), false)?
                };
                anyhow::ensure!(!value.trim().is_empty(), "empty value; nothing stored");
                vault.set(&name, &Secret::new(value)).await?;
                println!("stored {name} (encrypted with {})", key_path.display());
                if let Ok(a) = crate::sheets::ServiceAccount::parse(&vault.get(&name).await?.map(|s| s.expose().to_string()).unwrap_or_default()) {
                    println!("share the spreadsheet with {} as Editor", a.email());
                }
                if config.secret_value(&name).is_some() {
                    println!("note: {name} is also set in the config or env, which takes precedence; remove it there");
                }
            }
            SecretCommand::List => {
                let stored = vault.list().await?;
                for name in SECRET_KEYS {
                    let at = stored.iter().find(|(n, _)| n == name).map(|(_, t)| *t);
                    let status = match (config.secret_value(name), at) {
                        (Some(_), _) => "set in config/env (plaintext)".to_string(),
                        (None, Some(t)) => format!("encrypted, updated {t}"),
                        (None, None) => "not set".to_string(),
                    };
                    println!("{name:<24} {status}");
                }
            }
            SecretCommand::Delete { name } => {
                if vault.delete(&name).await? {
                    println!("deleted {name}");
                } else {
                    println!("{name} was not stored");
                }
            }
        }
        Ok(())
    }
    .await;
    db.close().await;
    result
}

/// The service-account key JSON from stdin (a file redirected in), checked before it is stored.
fn read_key_json() -> anyhow::Result<String> {
    use std::io::{IsTerminal, Read};
    anyhow::ensure!(
        !std::io::stdin().is_terminal(),
        "give the key's JSON file on stdin: flowcrm secret set sheets.service_account < key.json"
    );
    let mut json = String::new();
    std::io::stdin().read_to_string(&mut json)?;
    crate::sheets::ServiceAccount::parse(&json)
        .map_err(|e| anyhow::anyhow!("{e}; nothing stored"))?;
    Ok(json)
}
