//! "Forgot your password?": anyone may ask for a reset link for an email address. The answer
//! and the work done are the same whether or not the account exists (a token is made and a
//! write transaction runs either way); only an active account that has set a password gets the
//! link, by email, valid [`RESET_MINUTES`] minutes, once. The link is built from the configured
//! public URL, never from the request. After a reset, a "your password was changed" email goes
//! out (the sign-in itself is not automatic, and two-factor is still asked).

use super::contacts::Actor;
use super::mail::{self, Mail};
use super::{Crm, Error, Result};
use crate::crypto;
use crate::db;
use crate::model::{Email, UserId};
use time::Duration;

/// How long a self-service reset link works.
pub const RESET_MINUTES: i64 = 60;

impl Crm {
    /// Asks for a reset link for `email`; always `Ok` unless the store fails (the page says
    /// the same thing either way).
    pub async fn forgot_password(&self, email: &str, actor: Actor) -> Result<()> {
        let email = Email::parse(email).ok();
        let token =
            crypto::random_token().map_err(|e| Error::Db(db::Error::Task(e.to_string())))?;
        let hash = crypto::hash_token(&token);
        let (site, now) = (self.site.clone(), self.clock.now());
        let target = email
            .as_ref()
            .map_or_else(String::new, |e| e.as_str().to_string());
        self.db
            .write(move |c| -> Result<()> {
                let user = match &email {
                    Some(e) => db::users::find_by_email(c, e)?,
                    None => None,
                };
                // Invited people who never set a password use their invitation instead.
                let eligible = match user {
                    Some(u) if u.disabled_at.is_none() => {
                        (!db::user_links::pending_invite(c, u.id, now)?).then_some(u)
                    }
                    _ => None,
                };
                let outcome = match &eligible {
                    Some(u) if site.mail => {
                        let expires = now + Duration::minutes(RESET_MINUTES);
                        db::user_links::insert(c, &hash, u.id, "reset", None, now, expires)?;
                        let link = format!("{}/account/{token}", site.public_url);
                        let m = Mail::PasswordReset {
                            link,
                            minutes: RESET_MINUTES,
                        };
                        mail::queue(c, &site, u.email.as_str(), &m, now)?;
                        "emailed"
                    }
                    Some(_) => "email is off",
                    None => "no such active account",
                };
                super::audit(
                    c,
                    &actor,
                    "password.reset_requested",
                    target,
                    outcome.into(),
                    now,
                )?;
                Ok(())
            })
            .await?;
        self.wake_mailer();
        Ok(())
    }

    /// Tells the old address that the sign-in email became `new` (after a change in Settings).
    pub async fn email_changed(&self, old: &str, new: &str) -> Result<()> {
        let (site, now) = (self.site.clone(), self.clock.now());
        let (old, new) = (old.to_string(), new.to_string());
        self.db
            .write(move |c| -> Result<()> {
                let m = Mail::EmailChanged { new, when: now };
                mail::queue(c, &site, &old, &m, now)?;
                Ok(())
            })
            .await?;
        self.wake_mailer();
        Ok(())
    }

    /// Tells `user` by email that their password was changed (after a reset or a change in
    /// Settings).
    pub async fn password_changed(&self, user: UserId) -> Result<()> {
        let (site, now) = (self.site.clone(), self.clock.now());
        self.db
            .write(move |c| -> Result<()> {
                if let Some(u) = db::users::get(c, user)? {
                    let m = Mail::PasswordChanged {
                        email: u.email.as_str().to_string(),
                        when: now,
                    };
                    mail::queue(c, &site, u.email.as_str(), &m, now)?;
                }
                Ok(())
            })
            .await?;
        self.wake_mailer();
        Ok(())
    }
}
