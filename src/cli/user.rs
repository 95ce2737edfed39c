//! `flowcrm user add|list|set-password|disable|enable`.

use super::read_secret;
use crate::app;
use crate::auth::{Auth, ClientInfo, Error as AuthError, NewUserInput, SessionPolicy, Throttle};
use crate::config::Loaded;
use crate::model::Role;
use clap::Subcommand;

/// User subcommands.
#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from stdin (or prompted for on a terminal).
    Add {
        /// Login email.
        #[arg(long)]
        email: String,
        /// admin or agent.
        #[arg(long, default_value = "agent")]
        role: Role,
        /// Display name.
        #[arg(long, default_value = "")]
        name: String,
    },
    /// List users.
    List,
    /// Set a user's password (from stdin or a prompt) and end their sessions.
    SetPassword {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
    /// Disable a user and end their sessions at once.
    Disable {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
    /// Re-enable a disabled user.
    Enable {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
}

fn cli_client() -> ClientInfo {
    ClientInfo {
        ip: "cli".into(),
        user_agent: "flowcrm cli".into(),
    }
}

fn explain(e: AuthError) -> anyhow::Error {
    match e {
        AuthError::Invalid(errors) => {
            let lines: Vec<_> = errors
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect();
            anyhow::anyhow!(lines.join("; "))
        }
        AuthError::NotFound => anyhow::anyhow!("no user with that email"),
        other => other.into(),
    }
}

pub(super) async fn run(loaded: &Loaded, cmd: UserCommand) -> anyhow::Result<()> {
    let config = &loaded.config;
    let (db, _) = app::open_db(config).await?;
    let policy = SessionPolicy {
        idle: time::Duration::minutes(config.security.session_idle_minutes.into()),
        max_age: time::Duration::hours(config.security.session_max_hours.into()),
    };
    let auth = Auth::new(
        db.clone(),
        app::system_clock(),
        policy,
        Throttle::new(0, time::Duration::ZERO),
    );
    let client = cli_client();
    let result = match cmd {
        UserCommand::Add { email, role, name } => {
            let password = read_secret("Password (8-72 bytes): ", true)?;
            let input = NewUserInput {
                email,
                name,
                role,
                password,
                confirm: None,
            };
            auth.create_user(&input, None, &client)
                .await
                .map(|u| println!("created {} user {} (id {})", u.role, u.email, u.id))
        }
        UserCommand::List => auth.list_users().await.map(|users| {
            if users.is_empty() {
                println!("no users yet; create one with `flowcrm user add --email you@example.com --role admin`");
            }
            for u in users {
                let state = if u.disabled_at.is_some() { "disabled" } else { "active" };
                println!("{:>4}  {:<6}  {:<8}  {}  {}", u.id, u.role, state, u.email, u.name);
            }
        }),
        UserCommand::SetPassword { email } => {
            let password = read_secret("New password (8-72 bytes): ", true)?;
            auth.set_password(&email, &password, &client)
                .await
                .map(|u| println!("password changed for {}; their sessions were ended", u.email))
        }
        UserCommand::Disable { email } => auth
            .set_disabled(&email, true, &client)
            .await
            .map(|u| println!("disabled {}; their sessions were ended", u.email)),
        UserCommand::Enable { email } => auth
            .set_disabled(&email, false, &client)
            .await
            .map(|u| println!("enabled {}", u.email)),
    };
    db.close().await;
    result.map_err(explain)
}
