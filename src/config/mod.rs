//! Typed configuration: the sections of `flowcrm.toml`, their defaults and semantic checks.
//! Imports nothing internal. Layering (file < env < flags) lives in `load.rs`.

mod ai;
mod backup;
mod load;
mod secret;
mod sheets;
mod smtp;
mod validate;

pub use ai::AiConfig;
pub use backup::BackupConfig;
pub use load::{Loaded, Overrides, Problem, Source, load};
pub use secret::{SECRET_KEYS, STORED_SECRETS, Secret};
pub use sheets::SheetsConfig;
pub use smtp::{SmtpConfig, SmtpSecurity};

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The whole configuration; every section has defaults so an empty file is valid.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The business: its time zone.
    pub app: AppConfig,
    /// Listening address, public URL and data directory.
    pub server: ServerConfig,
    /// SQLite tuning.
    pub database: DatabaseConfig,
    /// Sessions, login throttling, master key.
    pub security: SecurityConfig,
    /// Log verbosity.
    pub log: LogConfig,
    /// WhatsApp Cloud API connection.
    pub whatsapp: WhatsAppConfig,
    /// CRM defaults.
    pub crm: CrmConfig,
    /// The JSON API.
    pub api: ApiConfig,
    /// Outgoing email.
    pub smtp: SmtpConfig,
    /// How long records are kept.
    pub retention: RetentionConfig,
    /// The data controller and what erasing a contact does to their orders.
    pub privacy: PrivacyConfig,
    /// Scheduled, encrypted backups.
    pub backup: BackupConfig,
    /// Google Sheets sync.
    pub sheets: SheetsConfig,
    /// AI assist's provider.
    pub ai: AiConfig,
}

/// What erasing a contact does to their orders.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ErasedOrders {
    /// Keep them for accounting with the customer, conversation and note removed.
    #[default]
    Keep,
    /// Delete them with the contact.
    Delete,
}

/// `[privacy]`: who the data controller is (for `/privacy` and `flowcrm privacy notice`) and
/// what an erasure does to orders.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct PrivacyConfig {
    /// The controller's legal name (default: `app.name`).
    pub controller_name: Option<String>,
    /// How customers reach the controller about their data (an email, an address).
    pub controller_contact: Option<String>,
    /// `keep` (default: orders stay for accounting, without personal data) or `delete`.
    pub erased_orders: ErasedOrders,
}

/// `[retention]`: how long FlowCRM keeps records before the retention job deletes them
/// (hourly, and `flowcrm retention run`). Unset means keep.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Days to keep the audit log (sign-ins, team and security changes, exports).
    pub audit_days: u32,
    /// Days to keep messages (with their statuses, edits and media); `None` keeps them.
    pub messages_days: Option<u32>,
    /// Days to keep media files (the message stays, marked "removed"); `None` keeps them.
    pub media_days: Option<u32>,
    /// Days to keep closed data requests in the register; `None` keeps them.
    pub requests_days: Option<u32>,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            audit_days: 365,
            messages_days: None,
            media_days: None,
            requests_days: None,
        }
    }
}

/// `[app]`: the business.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct AppConfig {
    /// The business's name, in emails and page titles (default "FlowCRM").
    pub name: Option<String>,
    /// IANA time zone every page, date filter and CSV export uses (e.g. `America/Sao_Paulo`);
    /// unset: this machine's zone, else UTC. Each person may override it in Settings.
    pub timezone: Option<String>,
}

/// `[api]`: the JSON API under `/api/v1`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Requests a key may make per minute (a burst of this many, refilled evenly).
    pub requests_per_minute: u32,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            requests_per_minute: 600,
        }
    }
}

/// `[crm]`: how contacts are entered, and the consent keywords.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CrmConfig {
    /// Country (ISO 3166 code such as `BR`) for phone numbers typed without a country code.
    pub default_region: Option<String>,
    /// A customer message that is exactly one of these (comma-separated, any languages; case
    /// and accents do not matter) opts the contact out.
    pub opt_out_keywords: String,
    /// ... and one of these opts them back in.
    pub opt_in_keywords: String,
    /// Sent back (within the 24-hour window the keyword opened) when a keyword opts a
    /// customer out; unset: no reply.
    pub opt_out_reply: Option<String>,
    /// Sent back when a keyword opts a customer back in; unset: no reply.
    pub opt_in_reply: Option<String>,
}

impl Default for CrmConfig {
    fn default() -> Self {
        Self {
            default_region: None,
            opt_out_keywords: "STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, PARAR, SAIR, \
                               CANCELAR, DESCADASTRAR, BAJA"
                .into(),
            opt_in_keywords: "START, UNSTOP, SUBSCRIBE, VOLTAR, ALTA".into(),
            opt_out_reply: None,
            opt_in_reply: None,
        }
    }
}

/// `[server]`: where FlowCRM listens and keeps its data.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Socket address to listen on.
    pub listen: String,
    /// The URL people and Meta use to reach FlowCRM (e.g. `https://crm.example.com`).
    pub public_url: Option<String>,
    /// Directory for the database, media files and the master key.
    pub data_dir: PathBuf,
    /// Take the client IP from `X-Forwarded-For` (only behind a reverse proxy you run).
    pub trust_proxy: bool,
    /// Seconds a client has to send a request's headers (also the idle time allowed between
    /// requests on a kept-alive connection); slower connections are closed.
    pub header_read_timeout_secs: u32,
    /// Most connections open at once; more wait in the kernel's queue until one closes.
    /// Lowered automatically to what the open-files limit allows.
    pub max_connections: u32,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            data_dir: PathBuf::from("data"),
            trust_proxy: false,
            header_read_timeout_secs: 10,
            max_connections: 4096,
        }
    }
}

/// `[database]`: SQLite settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// Path of the SQLite file; defaults to `<data_dir>/flowcrm.db`.
    pub path: Option<PathBuf>,
    /// Number of read-only connections.
    pub readers: u32,
    /// How long a connection waits for a lock before failing, in milliseconds.
    pub busy_timeout_ms: u32,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        Self {
            path: None,
            readers: 4,
            busy_timeout_ms: 5000,
        }
    }
}

/// `[security]`: session lifetime, login throttling and the master key location.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SecurityConfig {
    /// A session unused for this many minutes ends.
    pub session_idle_minutes: u32,
    /// A session ends this many hours after login, used or not.
    pub session_max_hours: u32,
    /// Failed logins allowed (per account and per IP) before backoff starts.
    pub login_free_attempts: u32,
    /// Upper bound of the login backoff, in seconds.
    pub login_max_backoff_secs: u32,
    /// How long the first-run setup link stays valid, in minutes.
    pub setup_link_minutes: u32,
    /// Master key file; defaults to `$CREDENTIALS_DIRECTORY/master.key`, else `<data_dir>/master.key`.
    pub master_key_file: Option<PathBuf>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        Self {
            session_idle_minutes: 720,
            session_max_hours: 336,
            login_free_attempts: 5,
            login_max_backoff_secs: 900,
            setup_link_minutes: 60,
            master_key_file: None,
        }
    }
}

/// `[log]`: verbosity, as a `tracing` filter.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    /// A level (`info`) or filter (`flowcrm=debug,tower_http=info`).
    pub level: String,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
        }
    }
}

/// `[whatsapp]`: the Cloud API number this install serves.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WhatsAppConfig {
    /// Phone number id from Meta's app dashboard.
    pub phone_number_id: Option<String>,
    /// WhatsApp Business Account id.
    pub waba_id: Option<String>,
    /// Meta app id (shown on the connection page; the app's webhooks are subscribed with it).
    pub app_id: Option<String>,
    /// Graph API version used in request paths.
    pub api_version: String,
    /// Graph API base URL (point it at a fake in tests).
    pub graph_base_url: String,
    /// Token Meta echoes in the webhook verification handshake.
    pub verify_token: Option<String>,
    /// App secret that signs webhook POSTs. Prefer `flowcrm secret set whatsapp.app_secret`.
    pub app_secret: Option<Secret>,
    /// Access token for sending. Prefer `flowcrm secret set whatsapp.access_token`.
    pub access_token: Option<Secret>,
    /// Sending pace for the business number (Meta's default throughput is 80 per second).
    pub max_messages_per_second: u32,
    /// Days to keep raw webhook bodies for replay and debugging (0: delete at the next hourly run).
    pub raw_payload_days: u32,
}

impl Default for WhatsAppConfig {
    fn default() -> Self {
        Self {
            phone_number_id: None,
            waba_id: None,
            app_id: None,
            api_version: "v23.0".into(),
            graph_base_url: "https://graph.facebook.com".into(),
            verify_token: None,
            app_secret: None,
            access_token: None,
            raw_payload_days: 7,
            max_messages_per_second: 80,
        }
    }
}

impl Config {
    /// Path of the SQLite database file.
    #[must_use]
    pub fn db_path(&self) -> PathBuf {
        self.database
            .path
            .clone()
            .unwrap_or_else(|| self.server.data_dir.join("flowcrm.db"))
    }

    /// Directory for downloaded and uploaded media.
    #[must_use]
    pub fn media_dir(&self) -> PathBuf {
        self.server.data_dir.join("media")
    }

    /// Master key path: explicit setting, then systemd credential, then the data dir.
    #[must_use]
    pub fn master_key_path(&self, credentials_dir: Option<&Path>) -> PathBuf {
        if let Some(p) = &self.security.master_key_file {
            return p.clone();
        }
        if let Some(dir) = credentials_dir {
            let p = dir.join("master.key");
            if p.exists() {
                return p;
            }
        }
        self.server.data_dir.join("master.key")
    }

    /// The public base URL without a trailing slash; derived from `listen` when unset.
    #[must_use]
    pub fn public_url(&self) -> String {
        match &self.server.public_url {
            Some(u) => u.trim_end_matches('/').to_string(),
            None => format!("http://{}", self.server.listen),
        }
    }

    /// The business's name for emails and titles.
    #[must_use]
    pub fn business_name(&self) -> String {
        self.app
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("FlowCRM")
            .to_string()
    }

    /// True when people reach FlowCRM over HTTPS (cookies get `Secure`, HSTS is sent).
    #[must_use]
    pub fn is_https(&self) -> bool {
        self.public_url().starts_with("https://")
    }

    /// The plaintext value of a config-file secret, by its dotted name.
    #[must_use]
    pub fn secret_value(&self, name: &str) -> Option<Secret> {
        match name {
            "whatsapp.app_secret" => self.whatsapp.app_secret.clone(),
            "whatsapp.access_token" => self.whatsapp.access_token.clone(),
            "whatsapp.verify_token" => self.whatsapp.verify_token.clone().map(Secret::new),
            "smtp.password" => self.smtp.password.clone(),
            "ai.api_key" => self.ai.api_key.clone(),
            _ => None,
        }
    }
}
