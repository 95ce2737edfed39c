//! `flowcrm api-key create|list|revoke`: keys for the JSON API.

use crate::app;
use crate::config::Loaded;
use crate::crm::api_keys;
use crate::crm::contacts::Actor;
use crate::model::Role;
use clap::Subcommand;

/// API key subcommands.
#[derive(Debug, Subcommand)]
pub enum ApiKeyCommand {
    /// Create a key and print it once (only its hash is kept).
    Create {
        /// What uses the key (shown in Settings).
        #[arg(long)]
        name: String,
        /// admin, agent or viewer (agents cannot delete contacts or tags, or define custom
        /// fields; viewer keys only read).
        #[arg(long, default_value = "agent")]
        role: Role,
    },
    /// List keys (prefix, role, last use; never the secret).
    List,
    /// Revoke a key by id; requests with it fail from now on.
    Revoke {
        /// The key's id (from `api-key list`).
        id: i64,
    },
}

fn cli_actor() -> Actor {
    Actor {
        user: None,
        ip: "cli".into(),
    }
}

pub(super) async fn run(loaded: &Loaded, cmd: ApiKeyCommand) -> anyhow::Result<()> {
    let (db, _) = app::open_db(&loaded.config).await?;
    let now = time::OffsetDateTime::now_utc();
    let result = match cmd {
        ApiKeyCommand::Create { name, role } => {
            let random = crate::crypto::random_bytes::<20>()?;
            let key = db
                .write(move |c| api_keys::create(c, &name, role, &random, &cli_actor(), now))
                .await?;
            eprintln!(
                "API key {} (id {}, role {role}) created. It is shown only now; store it safely:",
                key.prefix, key.id
            );
            println!("{}", key.token);
            Ok(())
        }
        ApiKeyCommand::List => {
            let keys = db.read(crate::db::api_keys::list).await?;
            if keys.is_empty() {
                println!("no API keys; create one with `flowcrm api-key create --name NAME`");
            }
            let fmt = |t: Option<time::OffsetDateTime>| {
                t.and_then(|t| {
                    t.format(&time::format_description::well_known::Rfc3339)
                        .ok()
                })
                .unwrap_or_else(|| "-".into())
            };
            for k in keys {
                println!(
                    "{}\t{}\t{}\t{}\tlast used {}\t{}",
                    k.id,
                    k.prefix,
                    k.role,
                    k.name,
                    fmt(k.last_used_at),
                    if k.revoked_at.is_some() {
                        "revoked"
                    } else {
                        "active"
                    }
                );
            }
            Ok(())
        }
        ApiKeyCommand::Revoke { id } => {
            if db
                .write(move |c| api_keys::revoke(c, id, &cli_actor(), now))
                .await?
            {
                println!("API key {id} revoked");
                Ok(())
            } else {
                Err(anyhow::anyhow!("no active API key with id {id}"))
            }
        }
    };
    db.close().await;
    result
}
