//! Two-factor sign-in for one's own account: setting it up (enabled only by a valid code),
//! the code step of signing in (throttled like passwords, each code accepted once, recovery
//! codes single use), new recovery codes and turning it off (both need the password and a
//! code). An admin's reset and the team's rule are `crm::team`'s; the emails are `crm`'s.

use super::login::Stage;
use super::{Auth, ClientInfo, Error, LoginOk, Result, audit};
use crate::crypto::{self, MasterKey, totp};
use crate::db::{self, sessions::ActiveSession, sessions::SecondFactor, two_factor::Policy};
use crate::model::{User, UserId};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// Recovery codes made at a time.
pub const RECOVERY_CODES: usize = 10;

/// What an authenticator app needs while two-factor is being set up.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// The secret as text (base32), for typing in.
    pub secret: String,
    /// The `otpauth://` address, drawn as the QR code.
    pub uri: String,
}

/// A person's two-factor standing, for their settings page.
#[derive(Debug, Clone)]
pub struct Status {
    /// On since.
    pub on_since: Option<OffsetDateTime>,
    /// Being set up: what to scan.
    pub setting_up: Option<Enrolment>,
    /// Recovery codes not used yet.
    pub codes_left: i64,
    /// By when the team's rule (or an admin's reset) requires it; `None` when it does not.
    pub enrol_by: Option<OffsetDateTime>,
}

/// By when a person must have two-factor on: never while it is on; at once after an admin's
/// reset; else the team's grace period from when the rule started or they joined.
#[must_use]
pub fn enrol_by(
    sf: &SecondFactor,
    policy: Policy,
    joined: OffsetDateTime,
) -> Option<OffsetDateTime> {
    if sf.on {
        return None;
    }
    if sf.reset {
        return Some(OffsetDateTime::UNIX_EPOCH);
    }
    let since = policy.required_since?;
    Some(since.max(joined) + Duration::days(policy.grace_days.into()))
}

fn sealing_name(user: UserId) -> String {
    format!("two_factor:{}", user.0)
}

fn unix(t: OffsetDateTime) -> u64 {
    u64::try_from(t.unix_timestamp()).unwrap_or(0)
}

impl Auth {
    /// Gives the service the master key that seals two-factor secrets.
    #[must_use]
    pub fn with_key(mut self, key: Arc<MasterKey>) -> Self {
        self.key = Some(key);
        self
    }

    fn key(&self) -> Result<&MasterKey> {
        self.key
            .as_deref()
            .ok_or(Error::Crypto(crypto::CryptoError::Decrypt))
    }

    fn open_secret(&self, user: UserId, sealed: &[u8]) -> Result<Vec<u8>> {
        Ok(self.key()?.decrypt(&sealing_name(user), sealed)?)
    }

    /// The signed-in person's two-factor standing.
    pub async fn two_factor_status(&self, user: &User, issuer: &str) -> Result<Status> {
        let id = user.id;
        let (stored, codes_left, reset, policy) = self
            .db
            .read(move |c| -> db::Result<_> {
                Ok((
                    db::two_factor::get(c, id)?,
                    db::two_factor::codes_left(c, id)?,
                    db::two_factor::reset_at(c, id)?,
                    db::two_factor::policy(c)?,
                ))
            })
            .await?;
        let on_since = stored.as_ref().and_then(|s| s.enabled_at);
        let setting_up = match &stored {
            Some(s) if s.enabled_at.is_none() => {
                let secret = self.open_secret(id, &s.sealed)?;
                Some(Enrolment {
                    secret: totp::secret_text(&secret),
                    uri: totp::otpauth_uri(&secret, issuer, user.email.as_str())
                        .unwrap_or_default(),
                })
            }
            _ => None,
        };
        let sf = SecondFactor {
            on: on_since.is_some(),
            reset: reset.is_some(),
            ..SecondFactor::default()
        };
        Ok(Status {
            on_since,
            setting_up,
            codes_left,
            enrol_by: enrol_by(&sf, policy, user.created_at),
        })
    }

    /// Starts setting up two-factor with a new secret (replacing one not yet confirmed).
    pub async fn start_two_factor(&self, user: &User) -> Result<()> {
        let id = user.id;
        let sealed = self
            .key()?
            .encrypt(&sealing_name(id), &totp::new_secret()?)?;
        let now = self.clock.now();
        let started = self
            .db
            .write(move |c| db::two_factor::start(c, id, &sealed, now))
            .await?;
        if started {
            Ok(())
        } else {
            Err(Error::field("code", "Two-factor is already on."))
        }
    }

    /// Turns two-factor on after a valid code from the new secret and the current password;
    /// returns the recovery codes (shown once). Other sessions of the person end.
    pub async fn confirm_two_factor(
        &self,
        session: &ActiveSession,
        password: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<Vec<String>> {
        let user = &session.user;
        let (id, now) = (user.id, self.clock.now());
        let attempt = self.code_attempt(client, id)?;
        let stored = self.db.read(move |c| db::two_factor::get(c, id)).await?;
        let Some(stored) = stored.filter(|s| s.enabled_at.is_none()) else {
            return Err(Error::field("code", "Start setting up two-factor first."));
        };
        let secret = self.open_secret(id, &stored.sealed)?;
        let step = totp::check(&secret, code, unix(now));
        let password_ok = self.password_matches(id, password).await?;
        let Some(step) = step.filter(|_| password_ok) else {
            drop(attempt);
            return Err(wrong(password_ok, step.is_some()));
        };
        let (codes, hashes) = recovery_codes()?;
        let (keep, entry) = (
            session.id,
            audit(
                now,
                Some(id),
                "two_factor.enabled",
                user.email.as_str(),
                client,
            ),
        );
        let enabled = self
            .db
            .write(move |c| -> db::Result<bool> {
                if !db::two_factor::use_step(c, id, step)? || !db::two_factor::enable(c, id, now)? {
                    return Ok(false);
                }
                db::two_factor::replace_codes(c, id, &hashes)?;
                db::sessions::delete_for_user_except(c, id, keep)?;
                db::audit::record(c, &entry)?;
                Ok(true)
            })
            .await?;
        if !enabled {
            drop(attempt);
            return Err(Error::field(
                "code",
                "That code was used already. Wait for the next one.",
            ));
        }
        self.codes.succeeded(attempt);
        Ok(codes)
    }

    /// The code step of signing in: a code from the app (each accepted once) or an unused
    /// recovery code. Success ends the waiting session and starts a new one (a new id).
    pub async fn second_factor(
        &self,
        waiting: &ActiveSession,
        code: &str,
        client: &ClientInfo,
    ) -> Result<LoginOk> {
        let user = &waiting.user;
        let attempt = self.code_attempt(client, user.id)?;
        let Some(how) = self.accept_code(user.id, code).await? else {
            drop(attempt);
            let entry = audit(
                self.clock.now(),
                Some(user.id),
                "login.code_failure",
                user.email.as_str(),
                client,
            );
            self.db.write(move |c| db::audit::record(c, &entry)).await?;
            return Err(Error::InvalidCode);
        };
        self.codes.succeeded(attempt);
        let action = if how == Accepted::RecoveryCode {
            "login.success_recovery_code"
        } else {
            "login.success"
        };
        let mut ok = self
            .start_session(user, client, Some(waiting.id), Stage::SignedIn(action))
            .await?;
        ok.used_recovery_code = how == Accepted::RecoveryCode;
        Ok(ok)
    }

    /// Replaces the recovery codes after the password and a code; returns the new ones.
    pub async fn new_recovery_codes(
        &self,
        user: &User,
        password: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<Vec<String>> {
        self.reauthenticate(user, password, code, client).await?;
        let (codes, hashes) = recovery_codes()?;
        let (id, now) = (user.id, self.clock.now());
        let entry = audit(
            now,
            Some(id),
            "two_factor.recovery_codes",
            user.email.as_str(),
            client,
        );
        self.db
            .write(move |c| {
                db::two_factor::replace_codes(c, id, &hashes)?;
                db::audit::record(c, &entry)
            })
            .await?;
        Ok(codes)
    }

    /// Turns two-factor off after the password and a code. Other sessions end.
    pub async fn turn_off_two_factor(
        &self,
        session: &ActiveSession,
        password: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<()> {
        let user = &session.user;
        self.reauthenticate(user, password, code, client).await?;
        let (id, keep, now) = (user.id, session.id, self.clock.now());
        let entry = audit(
            now,
            Some(id),
            "two_factor.disabled",
            user.email.as_str(),
            client,
        );
        self.db
            .write(move |c| {
                db::two_factor::remove(c, id)?;
                db::sessions::delete_for_user_except(c, id, keep)?;
                db::audit::record(c, &entry)
            })
            .await?;
        Ok(())
    }

    /// Checks the password and a code (app or recovery) of someone signed in, throttled.
    async fn reauthenticate(
        &self,
        user: &User,
        password: &str,
        code: &str,
        client: &ClientInfo,
    ) -> Result<()> {
        let attempt = self.code_attempt(client, user.id)?;
        let password_ok = self.password_matches(user.id, password).await?;
        let code_ok = password_ok && self.accept_code(user.id, code).await?.is_some();
        if !code_ok {
            drop(attempt);
            return Err(wrong(password_ok, code_ok));
        }
        self.codes.succeeded(attempt);
        Ok(())
    }

    fn code_attempt(&self, client: &ClientInfo, user: UserId) -> Result<super::throttle::Attempt> {
        self.codes
            .begin(&client.ip, &format!("user:{}", user.0), self.clock.now())
            .map_err(Error::Throttled)
    }

    /// Uses `code` if it is valid now and unused: an app code (its step is recorded) or a
    /// recovery code (marked used). `None` when it is neither.
    async fn accept_code(&self, id: UserId, code: &str) -> Result<Option<Accepted>> {
        let now = self.clock.now();
        if let Some(plain) = totp::normalize_recovery_code(code) {
            let hash = crypto::hash_token(&plain);
            let used = self
                .db
                .write(move |c| db::two_factor::use_code(c, id, &hash, now))
                .await?;
            return Ok(used.then_some(Accepted::RecoveryCode));
        }
        let stored = self.db.read(move |c| db::two_factor::get(c, id)).await?;
        let Some(stored) = stored.filter(|s| s.enabled_at.is_some()) else {
            return Ok(None);
        };
        let secret = self.open_secret(id, &stored.sealed)?;
        let Some(step) = totp::check(&secret, code, unix(now)) else {
            return Ok(None);
        };
        let fresh = self
            .db
            .write(move |c| db::two_factor::use_step(c, id, step))
            .await?;
        Ok(fresh.then_some(Accepted::AppCode))
    }
}

/// How a code was accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accepted {
    AppCode,
    RecoveryCode,
}

/// The refusal for a wrong password or code, on the field that was wrong.
fn wrong(password_ok: bool, code_ok: bool) -> Error {
    if password_ok && !code_ok {
        Error::field(
            "code",
            "That code is not right, or was used already. Type the newest code your app shows.",
        )
    } else {
        Error::field("password", "That is not your current password.")
    }
}

/// New recovery codes and their hashes.
fn recovery_codes() -> Result<(Vec<String>, Vec<Vec<u8>>)> {
    let codes = (0..RECOVERY_CODES)
        .map(|_| totp::new_recovery_code())
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let hashes = codes
        .iter()
        .filter_map(|c| totp::normalize_recovery_code(c))
        .map(|c| crypto::hash_token(&c))
        .collect();
    Ok((codes, hashes))
}
