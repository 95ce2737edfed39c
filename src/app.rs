//! Application state and wiring: open the store and vault, build the router, serve until a
//! shutdown signal, then drain requests and flush the writer.

use crate::auth::{Auth, SessionPolicy, Throttle};
use crate::clock::{SharedClock, SystemClock};
use crate::config::Config;
use crate::db::{self, Db, MigrationReport};
use crate::vault::Vault;
use crate::web::cookies::CookieConfig;
use anyhow::Context;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

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
}

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
    tokio::task::spawn_blocking(move || Db::open(&opts))
        .await?
        .with_context(|| format!("cannot open database {}", path.display()))
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
        Ok(Self::from_parts(config, db, vault, clock))
    }

    /// Builds the state from an open store and vault.
    #[must_use]
    pub fn from_parts(config: Config, db: Db, vault: Vault, clock: SharedClock) -> Self {
        let s = &config.security;
        let policy = SessionPolicy {
            idle: time::Duration::minutes(s.session_idle_minutes.into()),
            max_age: time::Duration::hours(s.session_max_hours.into()),
        };
        let throttle = Throttle::new(
            s.login_free_attempts,
            time::Duration::seconds(s.login_max_backoff_secs.into()),
        );
        let auth = Auth::new(db.clone(), clock.clone(), policy, throttle);
        let cookies = CookieConfig::new(config.is_https());
        Self {
            config: Arc::new(config),
            db,
            auth,
            vault,
            clock,
            cookies,
        }
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
                "no users yet: open {url} within {minutes} minutes to create the first admin \
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
    let janitor = tokio::spawn(purge_sessions_hourly(state.clone()));
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    let result = axum::serve(listener, service)
        .with_graceful_shutdown(shutdown)
        .await;
    janitor.abort();
    state.db.close().await;
    tracing::info!("stopped; database flushed");
    result.context("server error")
}

async fn purge_sessions_hourly(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_hours(1));
    loop {
        tick.tick().await;
        match state.auth.purge_expired_sessions().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(sessions = n, "removed expired sessions"),
            Err(e) => tracing::warn!(error = %e, "session cleanup failed"),
        }
    }
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
