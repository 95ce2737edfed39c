//! `flowcrm user add|list|set-password|set-role|disable|enable|delete|reset-link`. Role changes,
//! disabling and deleting go through `crm::team` (the last active admin stays).

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
        /// admin, agent or viewer.
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
    /// Change a user's role (the last active admin cannot be demoted).
    SetRole {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// admin, agent or viewer.
        #[arg(long)]
        role: Role,
    },
    /// Delete a user; their conversations go to `--reassign` or back to Unassigned.
    Delete {
        /// The user's email.
        #[arg(long)]
        email: String,
        /// Email of the team member who takes over their conversations.
        #[arg(long)]
        reassign: Option<String>,
    },
    /// Reset a user's two-factor sign-in (a lost phone and lost recovery codes): their
    /// sessions end and they set it up again at their next sign-in.
    ResetTwoFactor {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
    /// Print a one-time link with which the user sets a new password (valid 24 hours).
    ResetLink {
        /// The user's email.
        #[arg(long)]
        email: String,
    },
}

/// The CLI acts as an admin on the machine.
const CLI_ADMIN: crate::crm::access::Who = crate::crm::access::Who {
    user: None,
    role: Role::Admin,
};

async fn id_of(db: &crate::db::Db, email: &str) -> anyhow::Result<crate::model::UserId> {
    let email = crate::model::Email::parse(email).map_err(|e| anyhow::anyhow!("{e}"))?;
    let shown = email.to_string();
    db.read(move |c| crate::db::users::find_by_email(c, &email))
        .await?
        .map(|u| u.id)
        .ok_or_else(|| anyhow::anyhow!("no user with the email {shown}"))
}

/// The commands that are `crm::team` use cases.
async fn team(loaded: &Loaded, db: &crate::db::Db, cmd: UserCommand) -> anyhow::Result<()> {
    let crm = crate::crm::Crm::new(
        db.clone(),
        app::system_clock(),
        loaded.config.media_dir(),
        None,
    );
    let actor = crate::crm::contacts::Actor {
        user: None,
        ip: "cli".into(),
    };
    match cmd {
        UserCommand::SetRole { email, role } => {
            let id = id_of(db, &email).await?;
            crm.set_role(id, role, CLI_ADMIN, actor).await?;
            println!("{email} is now {role}");
        }
        UserCommand::Disable { email } => {
            let id = id_of(db, &email).await?;
            crm.set_member_disabled(id, true, CLI_ADMIN, actor).await?;
            println!("disabled {email}; their sessions were ended");
        }
        UserCommand::Enable { email } => {
            let id = id_of(db, &email).await?;
            crm.set_member_disabled(id, false, CLI_ADMIN, actor).await?;
            println!("enabled {email}");
        }
        UserCommand::Delete { email, reassign } => {
            let id = id_of(db, &email).await?;
            let to = match reassign {
                Some(r) => Some(id_of(db, &r).await?),
                None => None,
            };
            let n = crm.delete_member(id, to, CLI_ADMIN, actor).await?;
            println!("deleted {email}; {n} conversation(s) handed on");
        }
        UserCommand::ResetTwoFactor { email } => {
            let id = id_of(db, &email).await?;
            crm.reset_two_factor(id, CLI_ADMIN, actor).await?;
            println!("reset two-factor for {email}; they set it up again at their next sign-in");
        }
        UserCommand::ResetLink { email } => {
            let id = id_of(db, &email).await?;
            let link = crm.reset_link(id, CLI_ADMIN, actor).await?;
            println!(
                "{}/account/{}  (works once, until {} UTC)",
                loaded.config.public_url(),
                link.token,
                link.expires_at
            );
        }
        _ => {}
    }
    Ok(())
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
        other => {
            let done = team(loaded, &db, other).await;
            db.close().await;
            return done;
        }
    };
    db.close().await;
    result.map_err(explain)
}
