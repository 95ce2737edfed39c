//! Application state and wiring: open the store and vault, build the router, serve until a
//! shutdown signal, then drain requests and flush the writer.

use crate::auth::{Auth, SessionPolicy, Throttle};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::config::Secret;
use crate::crm::Crm;
use crate::db::{self, Db, MigrationReport};
use crate::jobs::media::MediaJob;
use crate::jobs::outbox::Sender;
use crate::vault::Vault;
use crate::web::cookies::CookieConfig;
use crate::whatsapp::client::GraphClient;
use crate::whatsapp::limiter::Limiter;
use anyhow::Context;
use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;
use tokio::net::TcpListener;
use tokio::sync::RwLock;

/// Everything a handler may need; cheap to clone.
#[derive(Clone, Debug)]
pub struct AppState {
    /// Configuration in force.
    pub config: Arc<Config>,
    /// The store.
    pub db: Db,
    /// Accounts and sessions.
    pub auth: Auth,
    /// Encrypted secrets.
    pub vault: Vault,
    /// Time source.
    pub clock: SharedClock,
    /// Cookie names and attributes.
    pub cookies: CookieConfig,
    /// Inbound media downloader.
    pub media_job: MediaJob,
    /// Outbound sender.
    pub sender: Sender,
    /// Per-key API request budgets.
    pub api_limits: Arc<crate::api::extract::ApiLimits>,
    /// The use cases every door calls (and their live events and sender wake-up).
    pub crm: Crm,
    /// The Graph API client (WhatsApp Cloud API adapter).
    pub graph: GraphClient,
    /// The business's time zone (`app.timezone`, else this machine's, else UTC).
    pub zone: crate::model::Zone,
    secrets: Arc<SecretCache>,
}

pub use crate::crm::events::{Event, Events};

mod jobs_config;
pub use jobs_config::{ai_runtime, backup_settings, sheets_account, sheets_runtime};

/// Secrets resolved from config or the vault, re-read at most once a minute so the webhook hot
/// path does not decrypt on every request and `flowcrm secret set` takes effect without restart.
#[derive(Debug, Default)]
struct SecretCache {
    entries: RwLock<HashMap<String, (Instant, Option<Secret>)>>,
}

const SECRET_TTL: Duration = Duration::from_mins(1);

/// Opens the store (migrating it) for `config`; blocking work runs off the async threads.
pub async fn open_db(config: &Config) -> anyhow::Result<(Db, MigrationReport)> {
    let opts = db::Options {
        path: config.db_path(),
        readers: config.database.readers,
        busy_timeout: Duration::from_millis(config.database.busy_timeout_ms.into()),
    };
    if let Some(dir) = opts.path.parent().filter(|d| !d.as_os_str().is_empty()) {
        create_private_dir(dir)?;
    }
    let path = opts.path.clone();
    let (db, report) = tokio::task::spawn_blocking(move || Db::open(&opts))
        .await?
        .with_context(|| format!("cannot open database {}", path.display()))?;
    crate::crm::reports::record::set_default_zone(&business_zone(config));
    let now = time::OffsetDateTime::now_utc();
    let filled = crate::crm::reports::backfill::run_once(&db, now)
        .await
        .context("cannot back-fill the reports")?;
    if let Some(b) = filled {
        tracing::info!(
            conversations = b.conversations,
            events = b.events,
            millis = b.millis,
            "back-filled report events"
        );
    }
    Ok((db, report))
}

/// The business's time zone: `app.timezone`, else this machine's, else UTC.
#[must_use]
pub fn business_zone(config: &Config) -> crate::model::Zone {
    config
        .app
        .timezone
        .as_deref()
        .and_then(|name| crate::model::Zone::named(name).ok())
        .unwrap_or_else(crate::model::Zone::system)
}

/// The file a restore leaves while it swaps the database and media into place; a server does
/// not start while it is there (the swap was interrupted: the data may be half old, half new).
#[must_use]
pub fn restore_marker(config: &Config) -> std::path::PathBuf {
    config.db_path().with_file_name("RESTORE-IN-PROGRESS")
}

/// Refuses to work on a data directory whose restore was interrupted, saying where the
/// previous data is and what to do.
pub fn refuse_interrupted_restore(config: &Config) -> anyhow::Result<()> {
    let marker = restore_marker(config);
    if let Ok(what) = std::fs::read_to_string(&marker) {
        anyhow::bail!(
            "a restore into {} was interrupted ({}); run the same `flowcrm restore` again to finish it, \
             or put the previous data back from the folder named there and delete {}",
            config.db_path().display(),
            what.trim(),
            marker.display()
        );
    }
    Ok(())
}

/// Holds the data directory's lock file (`<database>.lock`) while a server runs, so a restore
/// (or a second server) can tell. Fails with who holds it.
pub fn lock_data_dir(config: &Config) -> anyhow::Result<std::fs::File> {
    use std::io::{Read, Seek, Write};
    let path = config.db_path().with_extension("lock");
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .with_context(|| format!("cannot open {}", path.display()))?;
    if file.try_lock().is_err() {
        let mut pid = String::new();
        let _ = file.read_to_string(&mut pid);
        anyhow::bail!(
            "a FlowCRM server (process {}) is using {}; stop it first (systemctl stop flowcrm)",
            pid.trim(),
            config.db_path().display()
        );
    }
    file.set_len(0)?;
    file.rewind()?;
    write!(file, "{}", std::process::id())?;
    Ok(file)
}

/// Creates a directory (and parents) readable only by this user.
pub fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .with_context(|| format!("cannot create directory {}", dir.display()))
}

impl AppState {
    /// Opens the store and vault and builds the state for `config`.
    pub async fn open(config: Config, clock: SharedClock) -> anyhow::Result<Self> {
        create_private_dir(&config.server.data_dir)?;
        create_private_dir(&config.media_dir())?;
        let (db, report) = open_db(&config).await?;
        for m in &report.applied {
            tracing::info!(migration = %m, "applied migration");
        }
        let creds = std::env::var_os("CREDENTIALS_DIRECTORY").map(std::path::PathBuf::from);
        let key_path = config.master_key_path(creds.as_deref());
        let vault = Vault::open(&db, &key_path, clock.clone()).await?;
        Self::from_parts(config, db, vault, clock)
    }

    /// Builds the state from an open store and vault.
    pub fn from_parts(
        config: Config,
        db: Db,
        vault: Vault,
        clock: SharedClock,
    ) -> anyhow::Result<Self> {
        let s = &config.security;
        let policy = SessionPolicy {
            idle: time::Duration::minutes(s.session_idle_minutes.into()),
            max_age: time::Duration::hours(s.session_max_hours.into()),
        };
        let throttle = Throttle::new(
            s.login_free_attempts,
            time::Duration::seconds(s.login_max_backoff_secs.into()),
        );
        let auth =
            Auth::new(db.clone(), clock.clone(), policy, throttle).with_key(vault.sealing_key());
        let cookies = CookieConfig::new(config.is_https());
        let mut crm = Crm::new(
            db.clone(),
            clock.clone(),
            config.media_dir(),
            config.crm.default_region.clone(),
        );
        crm.whatsapp = Arc::new(crate::crm::connection::FileValues::of(&config));
        crm.erasure_key = Some(vault.erasure_key());
        crm.erased_orders = config.privacy.erased_orders;
        let zone = business_zone(&config);
        crate::crm::reports::record::set_default_zone(&zone);
        crm.backup = Some(Arc::new(backup_settings(&config, zone.clone())));
        crm.sheets = Some(Arc::new(sheets_runtime(&config, zone.clone())));
        crm.ai = Some(Arc::new(ai_runtime(&config, &vault, zone.clone())));
        crm.keywords = Arc::new(
            crate::crm::consent::Keywords::new(
                &config.crm.opt_out_keywords,
                &config.crm.opt_in_keywords,
            )
            .with_replies(
                config.crm.opt_out_reply.as_deref(),
                config.crm.opt_in_reply.as_deref(),
            ),
        );
        crm.site = Arc::new(crate::crm::mail::Site {
            business: config.business_name(),
            public_url: config.public_url(),
            mail: config.smtp.is_configured(),
            server: format!(
                "{}:{} ({})",
                config.smtp.host.as_deref().unwrap_or_default(),
                config.smtp.port(),
                config.smtp.security.as_str()
            ),
        });
        let graph = GraphClient::new(
            &config.whatsapp.graph_base_url,
            &config.whatsapp.api_version,
        )?;
        let sender = Sender {
            db: db.clone(),
            client: graph.clone(),
            clock: clock.clone(),
            events: crm.events.clone(),
            limiter: Arc::new(std::sync::Mutex::new(Limiter::new(
                config.whatsapp.max_messages_per_second,
            ))),
            whatsapp: crm.whatsapp.clone(),
        };
        let media_job = MediaJob {
            db: db.clone(),
            client: graph.clone(),
            media_dir: config.media_dir(),
            clock: clock.clone(),
        };
        Ok(Self {
            config: Arc::new(config),
            db,
            auth,
            vault,
            clock,
            cookies,
            media_job,
            sender,
            api_limits: Arc::default(),
            crm,
            graph,
            zone,
            secrets: Arc::new(SecretCache::default()),
        })
    }

    /// The value in force for a secret (config/env first, else the encrypted store), cached
    /// for a minute. A store that cannot be read counts as unset (and is logged).
    pub async fn secret(&self, name: &str) -> Option<Secret> {
        if let Some((at, value)) = self.secrets.entries.read().await.get(name)
            && at.elapsed() < SECRET_TTL
        {
            return value.clone();
        }
        let value = match self.vault.resolve(&self.config, name).await {
            Ok(v) => v,
            Err(e) => {
                tracing::error!(secret = name, error = %e, "cannot read secret");
                None
            }
        };
        self.secrets
            .entries
            .write()
            .await
            .insert(name.to_string(), (Instant::now(), value.clone()));
        value
    }

    /// Forgets the cached secrets, so a value just set in the browser applies at once.
    pub async fn forget_secrets(&self) {
        self.secrets.entries.write().await.clear();
    }

    /// Logs a one-time setup link when there is no user yet.
    pub async fn announce_setup_link(&self) -> anyhow::Result<()> {
        let minutes = self.config.security.setup_link_minutes;
        let link = self
            .auth
            .issue_setup_link(time::Duration::minutes(minutes.into()))
            .await?;
        if let Some(link) = link {
            let url = format!("{}/setup/{}", self.config.public_url(), link.token);
            tracing::warn!(
                "no admin yet: open {url} within {minutes} minutes to create the first admin \
                 (or run `flowcrm user add --role admin`); restart for a new link"
            );
        }
        Ok(())
    }
}

/// Serves on `listener` until `shutdown` resolves, then lets in-flight requests finish and
/// flushes the database writer.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let router = crate::web::router(state.clone());
    let jobs = crate::jobs::spawn_all(&state);
    let limits = crate::server::Limits {
        header_read_timeout: std::time::Duration::from_secs(
            state.config.server.header_read_timeout_secs.into(),
        ),
        max_connections: usize::try_from(state.config.server.max_connections).unwrap_or(1024),
    }
    .fitted_to_open_files();
    crate::server::run(listener, router, limits, shutdown).await;
    for job in jobs {
        job.abort();
    }
    state.db.close().await;
    tracing::info!("stopped; database flushed");
    Ok(())
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown requested; finishing in-flight requests");
}

/// Default clock for the binary.
#[must_use]
pub fn system_clock() -> SharedClock {
    Arc::new(SystemClock)
}
