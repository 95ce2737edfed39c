//! Login, sessions and logout.

use super::{Auth, ClientInfo, Error, Result, audit, verify_password};
use crate::crypto::{self, DUMMY_HASH};
use crate::db::{self, sessions::ActiveSession};
use crate::model::{Email, User};
use time::Duration;

/// How long sessions live.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// A session unused this long ends.
    pub idle: Duration,
    /// A session ends this long after login regardless of use.
    pub max_age: Duration,
}

/// A session just started: the cookie token (shown once) and the session it opens.
#[derive(Debug, Clone)]
pub struct LoginOk {
    /// Secret cookie value; only its hash is stored.
    pub token: String,
    /// The stored session.
    pub session: ActiveSession,
    /// The second factor was a recovery code (the person is told by email).
    pub used_recovery_code: bool,
}

/// How long the code may take after a right password.
const CODE_OWED_FOR: Duration = Duration::minutes(10);

/// What a new session is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Stage {
    /// Fully signed in; the audit action to record.
    SignedIn(&'static str),
    /// The password was right and the two-factor code is owed.
    CodeOwed,
}

/// Only refresh `last_seen_at` this often, to keep page views read-only.
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// Longest email kept in a failed-login audit entry.
const MAX_AUDIT_TARGET: usize = 254;

impl Auth {
    /// Checks credentials (throttled per IP and account) and starts a new session. The
    /// session in `replaces`, if any, is ended so a pre-login session id is never reused.
    #[tracing::instrument(skip_all)]
    pub async fn login(
        &self,
        email_input: &str,
        password: &str,
        client: &ClientInfo,
        replaces: Option<i64>,
    ) -> Result<LoginOk> {
        let now = self.clock.now();
        let account: String = email_input
            .trim()
            .to_lowercase()
            .chars()
            .take(MAX_AUDIT_TARGET)
            .collect();
        // Reserved before the password is checked, so concurrent guesses all count.
        let attempt = self
            .throttle
            .begin(&client.ip, &account, now)
            .map_err(Error::Throttled)?;
        let creds = match Email::parse(&account) {
            Ok(email) => {
                self.db
                    .read(move |c| db::users::find_credentials(c, &email))
                    .await?
            }
            Err(_) => None,
        };
        // Unknown and disabled accounts still pay for a bcrypt check: same answer, same time.
        let (user, hash) = match creds {
            Some((u, h)) if u.disabled_at.is_none() => (Some(u), h),
            _ => (None, DUMMY_HASH.to_string()),
        };
        let matches = verify_password(password.to_string(), hash.clone()).await?;
        let Some(user) = user.filter(|_| matches) else {
            drop(attempt);
            let entry = audit(now, None, "login.failure", &account, client);
            self.db.write(move |c| db::audit::record(c, &entry)).await?;
            return Err(Error::InvalidCredentials);
        };
        self.throttle.succeeded(attempt);
        if crypto::needs_rehash(&hash) {
            // Made at a lower cost (an older install): stored again at today's cost.
            let fresh = super::hash_password(password.to_string()).await?;
            let (id, now) = (user.id, self.clock.now());
            self.db
                .write(move |c| db::users::set_password(c, id, &fresh, now))
                .await?;
        }
        let id = user.id;
        let second_factor = self
            .db
            .read(move |c| db::two_factor::get(c, id))
            .await?
            .is_some_and(|s| s.enabled_at.is_some());
        if second_factor {
            // The password was right; the session opens nothing until the code is given.
            return self
                .start_session(&user, client, replaces, Stage::CodeOwed)
                .await;
        }
        self.start_session(&user, client, replaces, Stage::SignedIn("login.success"))
            .await
    }

    /// Creates a session for `user`, ending `replaces` (a new id every time), and records the
    /// stage in the audit log.
    pub(super) async fn start_session(
        &self,
        user: &User,
        client: &ClientInfo,
        replaces: Option<i64>,
        stage: Stage,
    ) -> Result<LoginOk> {
        let now = self.clock.now();
        let (action, pending, lifetime) = match stage {
            Stage::SignedIn(action) => (action, false, self.policy.max_age),
            Stage::CodeOwed => ("login.password_ok", true, CODE_OWED_FOR),
        };
        let token = crypto::random_token()?;
        let csrf = crypto::random_token()?;
        let hash = crypto::hash_token(&token);
        let (user, client) = (user.clone(), client.clone());
        let expires_at = now + lifetime;
        let session = self
            .db
            .write(move |c| -> crate::db::Result<_> {
                if let Some(old) = replaces {
                    db::sessions::delete(c, old)?;
                }
                let new = db::sessions::NewSession {
                    token_hash: &hash,
                    user_id: user.id,
                    csrf_token: &csrf,
                    now,
                    expires_at,
                    ip: &client.ip,
                    user_agent: &client.user_agent,
                    pending_second_factor: pending,
                };
                let id = db::sessions::insert(c, &new)?;
                db::users::touch_login(c, user.id, now)?;
                let target = user.email.to_string();
                db::audit::record(c, &audit(now, Some(user.id), action, &target, &client))?;
                Ok(ActiveSession {
                    id,
                    user,
                    csrf_token: csrf,
                    last_seen_at: now,
                    two_factor: db::sessions::SecondFactor {
                        pending,
                        on: pending,
                        ..Default::default()
                    },
                })
            })
            .await?;
        Ok(LoginOk {
            token,
            session,
            used_recovery_code: false,
        })
    }

    /// The live session for a cookie token, refreshing its idle timer.
    pub async fn session(&self, token: &str) -> Result<Option<ActiveSession>> {
        let now = self.clock.now();
        let hash = crypto::hash_token(token);
        let idle = self.policy.idle;
        let found = self
            .db
            .read(move |c| -> db::Result<_> {
                let Some(mut s) = db::sessions::find_active(c, &hash, now, idle)? else {
                    return Ok(None);
                };
                if !s.two_factor.on {
                    let policy = db::two_factor::policy(c)?;
                    s.two_factor.enrol_by =
                        super::enrol_by(&s.two_factor, policy, s.user.created_at);
                }
                Ok(Some(s))
            })
            .await?;
        if let Some(s) = &found
            && now - s.last_seen_at >= TOUCH_EVERY
        {
            let id = s.id;
            self.db
                .write(move |c| db::sessions::touch(c, id, now))
                .await?;
        }
        Ok(found)
    }

    /// Ends a session on the server.
    pub async fn logout(&self, session: &ActiveSession, client: &ClientInfo) -> Result<()> {
        let now = self.clock.now();
        let entry = audit(
            now,
            Some(session.user.id),
            "logout",
            session.user.email.as_str(),
            client,
        );
        let id = session.id;
        self.db
            .write(move |c| {
                db::sessions::delete(c, id)?;
                db::audit::record(c, &entry)
            })
            .await?;
        Ok(())
    }

    /// Deletes expired and idle sessions; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<usize> {
        let (now, idle) = (self.clock.now(), self.policy.idle);
        Ok(self
            .db
            .write(move |c| db::sessions::delete_expired(c, now, idle))
            .await?)
    }
}
