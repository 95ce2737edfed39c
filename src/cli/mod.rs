//! Command line: clap definitions and dispatch to the subcommands. Wiring only.

mod ai;
mod api_key;
mod audit;
mod backup;
mod campaign;
mod contact_data;
mod contacts;
mod demo;
mod demo_agents;
mod demo_coexistence;
mod demo_data;
mod demo_png;
mod demo_showcase;
mod healthcheck;
mod init;
mod privacy;
mod reports;
mod restore;
mod retention;
mod secret;
mod sheets;
mod smtp;
mod templates;
mod user;
mod webhook;

pub use healthcheck::http_get;

use crate::app::{self, AppState};
use crate::config::{Loaded, Overrides};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// FlowCRM: a self-hosted WhatsApp CRM in one binary.
#[derive(Debug, Parser)]
#[command(name = "flowcrm", version, about, long_about = None)]
pub struct Cli {
    /// Config file (default: ./flowcrm.toml when it exists; settings also come from
    /// FLOWCRM_<SECTION>__<KEY> env vars).
    #[arg(long, global = true, env = "FLOWCRM_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on, e.g. 127.0.0.1:8080 (overrides server.listen).
    #[arg(long, global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Directory for the database, media and master key (overrides `server.data_dir`).
    #[arg(long, global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Show informational log lines (migrations applied ...) for commands other than `serve`
    /// and `migrate`, which always show them.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (migrates the database first).
    Serve,
    /// Write a commented flowcrm.toml with a fresh verify token and create the data dir and key.
    Init {
        /// Overwrite an existing config file.
        #[arg(long)]
        force: bool,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Check the configuration and list every problem; exits 1 if there is any.
    CheckConfig,
    /// Manage team members.
    #[command(subcommand)]
    User(user::UserCommand),
    /// Store secrets (access tokens, app secret) encrypted in the database.
    #[command(subcommand)]
    Secret(secret::SecretCommand),
    /// Import contacts from CSV; export or erase one contact's data (`contact` works too).
    #[command(subcommand, visible_alias = "contact")]
    Contacts(contacts::ContactsCommand),
    /// Demo data for trying FlowCRM out.
    #[command(subcommand)]
    Demo(demo::DemoCommand),
    /// Keys for the JSON API (/api/v1).
    #[command(subcommand, name = "api-key")]
    ApiKey(api_key::ApiKeyCommand),
    /// Sync and list WhatsApp message templates.
    #[command(subcommand)]
    Templates(templates::TemplatesCommand),
    /// Work with WhatsApp webhook payloads.
    #[command(subcommand)]
    Webhook(webhook::WebhookCommand),
    /// Check outgoing email.
    #[command(subcommand)]
    Smtp(smtp::SmtpCommand),
    /// Apply the retention limits now (`run --dry-run` only counts).
    #[command(subcommand)]
    Retention(retention::RetentionCommand),
    /// Reports: `backfill` rebuilds the reporting events from the stored history.
    #[command(subcommand)]
    Reports(reports::ReportsCommand),
    /// The privacy notice (`notice`: Markdown for the business's website).
    #[command(subcommand)]
    Privacy(privacy::PrivacyCommand),
    /// Read the audit log.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// Take an encrypted backup now (`list`: the archives; `key show`: the backup key).
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        /// Directory for the archive (default: `backup.dir`, else `<data_dir>/backups`).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Subcommand.
        #[command(subcommand)]
        cmd: Option<backup::BackupCommand>,
    },
    /// Google Sheets sync: `sync [--dry-run]`, `status`, `check`.
    #[command(subcommand)]
    Sheets(sheets::SheetsCommand),
    /// AI assist: `status` (settings, this month's use, the AI log), `test` (the connection).
    #[command(subcommand)]
    Ai(ai::AiCommand),
    /// Broadcast campaigns: list them, show one's funnel and cost.
    #[command(subcommand)]
    Campaign(campaign::CampaignCommand),
    /// Rebuild the database from its live rows (VACUUM) with the server stopped: afterwards no
    /// stale copy of an erased or deleted row is left anywhere in the file.
    Compact,
    /// Restore a backup archive into the data directory (the server must be stopped).
    Restore {
        /// The archive (`flowcrm-….fcb`).
        #[arg(value_name = "ARCHIVE")]
        archive: PathBuf,
        /// Check that the archive restores (decrypt, hashes, integrity, migrations, erasure
        /// journal) without changing anything.
        #[arg(long)]
        verify_only: bool,
        /// The backup key file (default: `backup.key_file`, the systemd credential, or
        /// `<data_dir>/backup.key`).
        #[arg(long, value_name = "FILE")]
        key_file: Option<PathBuf>,
        /// Another copy of the database to read the erasure journal from (default: the
        /// database being replaced), e.g. a Litestream replica.
        #[arg(long, value_name = "DB")]
        erasures_from: Option<PathBuf>,
    },
    /// Exit 0 when the running server answers /healthz with 200 (for systemd and containers).
    Healthcheck {
        /// Base URL to check instead of the configured listen address.
        #[arg(long, value_name = "URL")]
        url: Option<String>,
    },
    /// Print the version and database schema version.
    Version,
}

impl Cli {
    fn overrides(&self) -> Overrides {
        Overrides {
            config_path: self.config.clone(),
            listen: self.listen.clone(),
            data_dir: self.data_dir.clone(),
        }
    }
}

/// Loads the configuration, printing every problem to stderr on failure.
fn load_config(cli: &Cli) -> Result<Loaded, ExitCode> {
    crate::config::load(&cli.overrides(), std::env::vars()).map_err(|problems| {
        eprintln!(
            "flowcrm: the configuration has {} problem(s):",
            problems.len()
        );
        for p in &problems {
            eprintln!("  - {p}");
        }
        ExitCode::from(2)
    })
}

/// Runs the parsed command line.
pub async fn run(cli: Cli) -> ExitCode {
    let loaded = match &cli.command {
        Command::Version => {
            println!(
                "flowcrm {} (database schema v{})",
                env!("CARGO_PKG_VERSION"),
                crate::db::binary_schema_version()
            );
            return ExitCode::SUCCESS;
        }
        Command::CheckConfig => return check_config(&cli),
        Command::Init { force } => {
            crate::logging::init("warn");
            return finish(init::run(&cli.overrides(), *force).await);
        }
        _ => match load_config(&cli) {
            Ok(l) => l,
            Err(code) => return code,
        },
    };
    let chatty = cli.verbose || matches!(cli.command, Command::Serve | Command::Migrate);
    crate::logging::init(if chatty {
        &loaded.config.log.level
    } else {
        "warn"
    });
    for w in &loaded.warnings {
        tracing::warn!("{w}");
    }
    if let Err(e) = existing_install(&cli.command, &loaded) {
        return finish(Err(e));
    }
    let result = match cli.command {
        Command::Serve => serve(loaded).await,
        Command::Migrate => migrate(&loaded).await,
        Command::User(cmd) => user::run(&loaded, cmd).await,
        Command::Secret(cmd) => secret::run(&loaded, cmd).await,
        Command::Webhook(cmd) => webhook::run(&loaded, cmd).await,
        Command::Smtp(cmd) => smtp::run(&loaded, cmd).await,
        Command::Audit(cmd) => audit::run(&loaded, cmd).await,
        Command::Backup { out, cmd } => backup::run(&loaded, out, cmd).await,
        Command::Sheets(cmd) => sheets::run(&loaded, cmd).await,
        Command::Ai(cmd) => ai::run(&loaded, cmd).await,
        Command::Campaign(cmd) => campaign::run(&loaded, cmd).await,
        Command::Compact => restore::compact(&loaded).await,
        Command::Restore {
            archive,
            verify_only,
            key_file,
            erasures_from,
        } => {
            let r = restore::Restore {
                archive,
                verify_only,
                key_file,
                erasures_from,
            };
            restore::run(&loaded, r).await
        }
        Command::Retention(cmd) => retention::run(&loaded, cmd).await,
        Command::Reports(cmd) => reports::run(&loaded, cmd).await,
        Command::Privacy(cmd) => privacy::run(&loaded, &cmd).await,
        Command::Templates(cmd) => templates::run(&loaded, cmd).await,
        Command::Contacts(cmd) => contacts::run(&loaded, cmd).await,
        Command::ApiKey(cmd) => api_key::run(&loaded, cmd).await,
        Command::Demo(cmd) => demo::run(&loaded, cmd).await,
        Command::Healthcheck { url } => healthcheck::run(&loaded, url.as_deref()).await,
        Command::Version | Command::CheckConfig | Command::Init { .. } => Ok(()),
    };
    finish(result)
}

/// Commands other than `serve`, `init`, `demo seed` and `migrate` (whose job is to create or
/// upgrade the schema) work on an existing install: they refuse to create a new, empty data
/// directory (a mistyped `--data-dir` would otherwise look like an install with no users and no
/// contacts).
fn existing_install(cmd: &Command, loaded: &Loaded) -> anyhow::Result<()> {
    let creates = matches!(
        cmd,
        Command::Serve
            | Command::Migrate
            | Command::Healthcheck { .. }
            | Command::Restore { .. }
            | Command::Demo(demo::DemoCommand::Seed { .. })
    );
    let db = loaded.config.db_path();
    if creates || db.exists() {
        return Ok(());
    }
    let dir = db
        .parent()
        .map_or_else(|| db.display().to_string(), |d| d.display().to_string());
    anyhow::bail!(
        "no FlowCRM data in {dir}: pass --data-dir or --config (or set one up with `flowcrm init`, \
         or start it with `flowcrm serve`)"
    )
}

fn finish(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("flowcrm: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn check_config(cli: &Cli) -> ExitCode {
    match crate::config::load(&cli.overrides(), std::env::vars()) {
        Ok(loaded) => {
            let from = loaded.path.as_ref().map_or_else(
                || "built-in defaults".to_string(),
                |p| p.display().to_string(),
            );
            for w in &loaded.warnings {
                println!("warning: {w}");
            }
            println!("configuration OK ({from})");
            ExitCode::SUCCESS
        }
        Err(problems) => {
            println!("the configuration has {} problem(s):", problems.len());
            for p in &problems {
                println!("  - {p}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn serve(loaded: Loaded) -> anyhow::Result<()> {
    let config = loaded.config;
    let listen = config.server.listen.clone();
    app::create_private_dir(&config.server.data_dir)?;
    // Held until the server stops: a restore refuses to run meanwhile.
    let _lock = app::lock_data_dir(&config)?;
    app::refuse_interrupted_restore(&config)?;
    let state = AppState::open(config, app::system_clock()).await?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    let addr = listener.local_addr()?;
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        data_dir = %state.config.server.data_dir.display(),
        "listening on http://{addr} (public URL {})",
        state.config.public_url()
    );
    state.announce_setup_link().await?;
    app::serve(listener, state, app::shutdown_signal()).await
}

async fn migrate(loaded: &Loaded) -> anyhow::Result<()> {
    let (db, report) = app::open_db(&loaded.config).await?;
    db.close().await;
    if report.applied.is_empty() {
        println!("database is up to date (schema v{})", report.version);
    } else {
        for m in &report.applied {
            println!("applied {m}");
        }
        println!("database now at schema v{}", report.version);
    }
    Ok(())
}

/// Reads a secret line: hidden prompt on a terminal, else the first line of stdin.
fn read_secret(prompt: &str, confirm: bool) -> anyhow::Result<String> {
    use std::io::{BufRead, IsTerminal};
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password(prompt)?;
        if confirm {
            let again = rpassword::prompt_password("Repeat: ")?;
            anyhow::ensure!(first == again, "the two entries do not match");
        }
        return Ok(first);
    }
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let value = line.strip_suffix('\n').unwrap_or(&line);
    Ok(value.strip_suffix('\r').unwrap_or(value).to_string())
}
