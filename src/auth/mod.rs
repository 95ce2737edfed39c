//! Accounts use cases: login and sessions, first-run setup, creating users and changing
//! passwords. Owns transaction boundaries and audit entries. Imports `db`, `model`, `crypto`.

mod links;
mod login;
mod sessions;
mod setup;
mod throttle;
mod two_factor;
mod users;

pub use links::{LinkFor, LinkProblem};
pub use login::{LoginOk, SessionPolicy};
pub use setup::SetupLink;
pub use throttle::Throttle;
pub use two_factor::{Enrolment, RECOVERY_CODES, Status as TwoFactorStatus, enrol_by};
pub use users::NewUserInput;

use crate::clock::SharedClock;
use crate::crypto::{self, CryptoError};
use crate::db::{self, Db};
use crate::model::UserId;
use std::sync::Arc;

pub use crate::model::FieldError;

/// Errors of the accounts use cases.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Input failed validation; nothing was changed.
    #[error("invalid input: {0:?}")]
    Invalid(Vec<FieldError>),
    /// Wrong email or password (deliberately not saying which).
    #[error("wrong email or password")]
    InvalidCredentials,
    /// A wrong, used or expired two-factor code at sign-in.
    #[error("wrong two-factor code")]
    InvalidCode,
    /// Too many failed logins; try again after this many seconds.
    #[error("too many failed logins; try again in {0} s")]
    Throttled(u64),
    /// The setup link is unknown, used or expired.
    #[error("setup link is invalid or expired")]
    SetupLinkInvalid,
    /// An admin exists already; setup is over.
    #[error("setup is already complete")]
    SetupDone,
    /// No such user.
    #[error("no such user")]
    NotFound,
    /// A one-time link that does not work (why, and whom to ask).
    #[error(transparent)]
    Link(#[from] LinkProblem),
    /// Hashing or randomness failed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The store failed.
    #[error(transparent)]
    Db(#[from] db::Error),
}

/// Result alias for this module.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn field(field: &'static str, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }
}

/// Where a request came from, for sessions and the audit log.
#[derive(Debug, Clone, Default)]
pub struct ClientInfo {
    /// Client IP address as text.
    pub ip: String,
    /// Browser's User-Agent, truncated.
    pub user_agent: String,
}

/// The accounts service; cheap to clone.
#[derive(Clone)]
pub struct Auth {
    db: Db,
    clock: SharedClock,
    policy: SessionPolicy,
    throttle: Arc<Throttle>,
    /// "Forgot your password?" requests, per IP and per address (every request counts).
    reset_requests: Arc<Throttle>,
    /// Two-factor codes, per IP and per person (throttled like passwords).
    codes: Arc<Throttle>,
    /// Seals two-factor secrets (`None` in the CLI, which never reads one).
    key: Option<Arc<crate::crypto::MasterKey>>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Auth")
    }
}

impl Auth {
    /// Builds the service.
    #[must_use]
    pub fn new(db: Db, clock: SharedClock, policy: SessionPolicy, throttle: Throttle) -> Self {
        Self {
            db,
            clock,
            policy,
            codes: Arc::new(throttle.like()),
            key: None,
            throttle: Arc::new(throttle),
            reset_requests: Arc::new(Throttle::new(3, time::Duration::minutes(15))),
        }
    }

    /// Counts a password-reset request from `ip` for `email`; refused with the seconds to wait
    /// after a few in a row (the same for addresses with and without an account).
    pub fn reset_request_allowed(&self, ip: &str, email: &str) -> std::result::Result<(), u64> {
        // Every request counts: the attempt is never taken back.
        std::mem::drop(self.reset_requests.begin(ip, email, self.clock.now())?);
        Ok(())
    }
}

/// Hashes a password on the blocking pool (bcrypt is slow by design).
async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || crypto::hash_password(&password))
        .await
        .map_err(|e| db::Error::Task(e.to_string()))?
        .map_err(Error::from)
}

/// Verifies a password on the blocking pool.
async fn verify_password(password: String, hash: String) -> Result<bool> {
    tokio::task::spawn_blocking(move || crypto::verify_password(&password, &hash))
        .await
        .map_err(|e| db::Error::Task(e.to_string()))?
        .map_err(Error::from)
}

fn audit(
    at: time::OffsetDateTime,
    actor: Option<UserId>,
    action: &str,
    target: &str,
    client: &ClientInfo,
) -> db::audit::Entry {
    db::audit::Entry {
        at,
        actor,
        action: action.into(),
        target: target.into(),
        ip: client.ip.clone(),
        detail: String::new(),
    }
}
